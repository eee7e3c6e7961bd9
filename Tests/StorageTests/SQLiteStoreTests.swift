import Foundation
import SQLiteNIO
import Storage
import StorageSQLite
import Testing

/// What the SQLite store leaves on disk. Its reads come from memory, so only the rows themselves show that a
/// batch's writes (each with its kept statement, in the batch's one transaction) reached SQLite.
@Suite struct SQLiteStoreTests {
    let scope = Scope(account: "123456789012", region: "us-east-1")

    /// The rows of a table, by key, as `key column → other column`.
    static func column(
        _ column: String,
        of table: String,
        key: String,
        in path: String
    ) async throws -> [String: String?] {
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        defer { _ = connection.close() }
        var values: [String: String?] = [:]
        for row in try await connection.query("SELECT \(key), \(column) FROM \(table)", []) {
            guard let id = row.column(key)?.string else { continue }
            values[id] = row.column(column)?.string
        }
        return values
    }

    @Test func rowsFollowTheRecordsThroughSavesMovesAndDeletions() async throws {
        let path = try StoreContractTests.temporaryDirectory().appendingPathComponent("db").path
        let contract = StoreContractTests()
        let store = try await SQLiteStore.open(.file(path: path))
        let scope = scope
        let first = contract.secret("first")
        let second = contract.secret("second")
        // One batch of one transaction: new rows of three tables.
        try await store.transaction(.write) { transaction in
            try await transaction.save(StoreContractTests.connection("dxcon-a", lagId: "dxlag-1"), in: scope)
            try await transaction.save(StoreContractTests.connection("dxcon-b"), in: scope)
            try await transaction.save(first, in: scope)
        }
        // Moves between LAGs and out of one, a body-only change, a new secret and a deletion.
        try await store.transaction(.write) { transaction in
            try await transaction.save(StoreContractTests.connection("dxcon-a", lagId: "dxlag-2"), in: scope)
            try await transaction.save(StoreContractTests.connection("dxcon-b", lagId: "dxlag-2"), in: scope)
        }
        try await store.transaction(.write) { transaction in
            var renamed = StoreContractTests.connection("dxcon-b", lagId: nil)
            renamed.name = "renamed"
            try await transaction.save(renamed, in: scope)
            try await transaction.save(second, in: scope)
            try await transaction.deleteSecret(arn: first.arn, in: scope)
        }
        // A transaction that reads a secret from disk first: the batch runs inside BEGIN IMMEDIATE ... COMMIT.
        try await store.transaction(.write) { transaction in
            #expect(try await transaction.secret(arn: second.arn, in: scope) != nil)
            try await transaction.deleteConnection(id: "dxcon-a", in: scope)
        }
        try await store.close()

        let lagIds = try await Self.column("lag_id", of: "connections", key: "id", in: path)
        #expect(Array(lagIds.keys) == ["dxcon-b"])
        #expect(lagIds["dxcon-b"] == .some(String?.none))
        let bodies = try await Self.column("body", of: "connections", key: "id", in: path)
        #expect(bodies["dxcon-b"]??.contains("renamed") == true)
        let names = try await Self.column("name", of: "secrets", key: "arn", in: path)
        #expect(names == [second.arn: "second"])

        let reopened = try await SQLiteStore.open(.file(path: path))
        let (b, members) = try await reopened.transaction(.read) { transaction in
            (
                try await transaction.connection(id: "dxcon-b", in: scope),
                try await transaction.members(ofLag: "dxlag-2", in: scope)
            )
        }
        try await reopened.close()
        #expect(b?.name == "renamed" && b?.lagId == nil)
        #expect(members.isEmpty)
    }

    @Test func theLagColumnTracksMembership() async throws {
        let path = try StoreContractTests.temporaryDirectory().appendingPathComponent("db").path
        let store = try await SQLiteStore.open(.file(path: path))
        let scope = scope
        for lagId in ["dxlag-1", nil, "dxlag-2", "dxlag-2"] as [String?] {
            try await store.transaction(.write) { transaction in
                try await transaction.save(StoreContractTests.connection("dxcon-a", lagId: lagId), in: scope)
            }
        }
        try await store.close()
        #expect(try await Self.column("lag_id", of: "connections", key: "id", in: path) == ["dxcon-a": "dxlag-2"])
    }

    /// A database of schema 1 (with the secrets' ARN index) opens as schema 2: the index is gone, the rows stay.
    @Test func aVersionOneDatabaseIsMigrated() async throws {
        let path = try StoreContractTests.temporaryDirectory().appendingPathComponent("db").path
        let secret = StoreContractTests().secret("kept")
        let old = try await SQLiteConnection.open(storage: .file(path: path))
        for statement in SchemaVersion.steps[0] { _ = try await old.query(statement, []) }
        _ = try await old.query(
            "INSERT INTO secrets (account, region, arn, name, body) VALUES (?, ?, ?, ?, ?)",
            [
                .text(scope.account), .text(scope.region), .text(secret.arn), .text(secret.name),
                .text(RecordDocument.encode(secret)),
            ]
        )
        _ = try await old.query("PRAGMA user_version = 1", [])
        try await old.close()

        let store = try await SQLiteStore.open(.file(path: path))
        let scope = scope
        let found = try await store.transaction(.read) { try await $0.secret(name: "kept", in: scope) }
        try await store.close()
        #expect(found == secret)
        let migrated = try await SQLiteConnection.open(storage: .file(path: path))
        defer { _ = migrated.close() }
        let version = try await migrated.query("PRAGMA user_version", []).first?.column("user_version")?.integer
        #expect(version == SchemaVersion.current)
        let indexes = try await migrated.query("SELECT name FROM sqlite_master WHERE type = 'index'", [])
            .compactMap { $0.column("name")?.string }
        #expect(!indexes.contains("secrets_arn") && indexes.contains("secrets_name"))
    }
}
