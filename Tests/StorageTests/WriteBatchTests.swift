import Foundation
import SQLiteNIO
import Storage
import StorageTestSupport
import Testing

@testable import StorageSQLite

/// A batch whose rows reach SQLite in several steps (writes that join it after its first rows were written):
/// the lookup columns follow each step, compared against what the batch itself wrote before, not only against the
/// committed tables (`SavedLookups`).
@Suite struct WriteBatchTests {
    let scope = Scope(account: "123456789012", region: "us-east-1")

    /// The writer connection of a store that is not running, and its committed tables, as the store opens them.
    static func open(_ path: String) async throws -> (SQLiteHandle, WriteBatch) {
        let handle = try await SQLiteHandle.open(.file(path: path))
        try await handle.execute("PRAGMA busy_timeout=5000")
        let statements = SQLiteStatements(connection: handle)
        let tables = try await statements.loadCommittedTables(StoredKinds.all)
        return (handle, WriteBatch(statements: statements, tables: tables))
    }

    /// What a step of a batch does to a connection.
    enum Change {
        case save(String, lag: String?)
        case delete(String)
    }

    /// Runs `steps` as one batch on the store's database at `path`: each step's changes in a transaction of its own,
    /// then the batch's rows, as the write loop does for writes that join after rows were written; then commits.
    func batch(at path: String, _ steps: [[Change]], readingFirst: Bool = false) async throws {
        let (handle, batch) = try await Self.open(path)
        if readingFirst {
            // A body's read in SQLite begins the batch's transaction; it changes no row.
            _ = try await batch.sql().query("SELECT count(*) FROM records", [])
        }
        for step in steps {
            let transaction = SQLiteWriteTransaction(batch: batch)
            for change in step {
                switch change {
                case .save(let id, let lag):
                    try await transaction.save(StoreContractTests.connection(id, lagId: lag), in: scope)
                case .delete(let id):
                    try await transaction.delete(ConnectionRecord.self, id: id, in: scope)
                }
            }
            try await transaction.end(succeeded: true)
            try await batch.writeRows()
        }
        try await handle.perform { try SQLiteStatements.commit(on: $0) }
        await handle.close()
    }

    @Test(arguments: [false, true])
    func lookupColumnsFollowEveryStepOfABatch(readingFirst: Bool) async throws {
        try await withTemporaryDatabase { path in
            let scope = scope
            let store = try await SQLiteStore.running(.file(path: path))
            try await store.transaction(.write) {
                try await $0.save(StoreContractTests.connection("dxcon-a", lagId: "dxlag-1"), in: scope)
            }
            try await store.close()
            // Away and back within one batch: the committed tables say "dxlag-1" throughout, the row does not.
            try await batch(at: path, [[.save("dxcon-a", lag: "dxlag-2")], [.save("dxcon-a", lag: "dxlag-1")]])
            #expect(
                try await SQLiteStoreTests.column("lookup2", kind: "connection", in: path) == ["dxcon-a": "dxlag-1"]
            )
            // A row new in the batch, moved by a later step; one left alone by the second step.
            try await batch(
                at: path,
                [
                    [.save("dxcon-b", lag: "dxlag-3"), .save("dxcon-a", lag: nil)],
                    [.save("dxcon-b", lag: nil)],
                    [.save("dxcon-b", lag: "dxlag-4")],
                ],
                readingFirst: readingFirst
            )
            #expect(
                try await SQLiteStoreTests.column("lookup2", kind: "connection", in: path)
                    == ["dxcon-a": nil, "dxcon-b": "dxlag-4"]
            )
            // Deleted by one step and saved again by the next, beside a row moved by that step.
            try await batch(
                at: path,
                [[.delete("dxcon-b")], [.save("dxcon-b", lag: "dxlag-4"), .save("dxcon-a", lag: "dxlag-5")]],
                readingFirst: readingFirst
            )
            #expect(
                try await SQLiteStoreTests.column("lookup2", kind: "connection", in: path)
                    == ["dxcon-a": "dxlag-5", "dxcon-b": "dxlag-4"]
            )
        }
    }
}
