import Foundation
import NIOConcurrencyHelpers

/// The reference store: every record in memory, nothing on disk, no batching, no SQL. The domain tests and the fuzzer
/// run on it, and the storage contract suite holds it to the same contract as SQLite and PostgreSQL.
///
/// A write transaction runs alone (`TransactionGate`, first come first served) on a private copy of the tables and
/// replaces them when its body returns, so it is atomic and serialisable; a read transaction sees the tables as
/// they were committed when it began. Copies are cheap: the tables are value types whose storage is shared until
/// written. (Our choice: one writer at a time is all a reference needs.)
package final class InMemoryStore: Store {
    /// Every record, by scope, then kind, then ID.
    struct Tables: Sendable {
        var records: [Scope: [String: [String: any StoredRecord]]] = [:]
        /// The commits so far (`Store.generation`).
        var generation: UInt64 = 0
    }

    private let committed = NIOLockedValueBox(Tables())
    private let writers = TransactionGate()
    private let closed = NIOLockedValueBox(false)

    package init() {}

    /// Nothing to run: a write transaction runs in its caller's task.
    package func run() async {}

    package func transaction<T: Sendable>(
        _ mode: TransactionMode,
        _ body: @escaping @Sendable (any StoreTransaction) async throws -> T
    ) async throws -> T {
        try checkOpen()
        switch mode {
        case .read:
            return try await body(InMemoryTransaction(committed.withLockedValue { $0 }, writable: false))
        case .write:
            await writers.enter()
            defer { writers.leave() }
            try checkOpen()
            let transaction = InMemoryTransaction(committed.withLockedValue { $0 }, writable: true)
            let result = try await body(transaction)
            var written = transaction.tables
            written.generation += 1
            committed.withLockedValue { $0 = written }
            return result
        }
    }

    package var generation: UInt64? { committed.withLockedValue { $0.generation } }

    private func checkOpen() throws {
        if closed.withLockedValue({ $0 }) { throw StoreError(.unavailable, "the store is closed") }
    }

    package func close() async throws {
        // A write in progress finishes first: the gate admits the closing call after it.
        await writers.enter()
        closed.withLockedValue { $0 = true }
        writers.leave()
    }
}

/// One transaction of an `InMemoryStore`: its own copy of the tables.
final class InMemoryTransaction: StoreTransaction {
    private let state: NIOLockedValueBox<InMemoryStore.Tables>
    private let writable: Bool

    init(_ tables: InMemoryStore.Tables, writable: Bool) {
        state = NIOLockedValueBox(tables)
        self.writable = writable
    }

    var tables: InMemoryStore.Tables { state.withLockedValue { $0 } }

    private func read<T>(_ body: (InMemoryStore.Tables) throws -> T) rethrows -> T {
        try state.withLockedValue { try body($0) }
    }

    private func write(_ body: (inout InMemoryStore.Tables) throws -> Void) throws {
        guard writable else { throw StoreError(.unavailable, "a read transaction cannot write") }
        try state.withLockedValue { try body(&$0) }
    }

    /// A scope's records of a kind, as the kind's type.
    private static func all<R: StoredRecord>(_ type: R.Type, _ tables: InMemoryStore.Tables, _ scope: Scope) -> [R] {
        (tables.records[scope]?[R.recordKind.name]?.values).map { $0.compactMap { $0 as? R } } ?? []
    }

    func record<R: StoredRecord>(_ type: R.Type, id: String, in scope: Scope) async throws -> R? {
        read { $0.records[scope]?[R.recordKind.name]?[id] as? R }
    }

    func records<R: StoredRecord>(
        _ type: R.Type,
        in scope: Scope,
        matching match: RecordMatch?,
        page: PageRequest
    ) async throws -> [R] {
        read { tables in
            let ordered = Self.all(R.self, tables, scope).filter { record in
                record.matches(match) && (page.after.map { record.recordID > $0 } ?? true)
            }.sorted { $0.recordID < $1.recordID }
            return Array(ordered.prefix(page.limit ?? ordered.count))
        }
    }

    /// A unique value belongs to one record of a kind in a scope, as the other stores' unique index says.
    func save<R: StoredRecord>(_ record: R, in scope: Scope) async throws {
        try write { tables in
            if let unique = record.lookupValues.unique,
                Self.all(R.self, tables, scope).contains(where: {
                    $0.lookupValues.unique == unique && $0.recordID != record.recordID
                })
            {
                throw StoreError(
                    .conflict,
                    "a \(R.recordKind.name) of the scope has that \(R.recordKind.unique ?? "value")"
                )
            }
            tables.records[scope, default: [:]][R.recordKind.name, default: [:]][record.recordID] = record
        }
    }

    func delete<R: StoredRecord>(_ type: R.Type, id: String, in scope: Scope) async throws {
        try write { _ = $0.records[scope]?[R.recordKind.name]?.removeValue(forKey: id) }
    }

    func recordsInEveryScope<R: StoredRecord>(
        _ type: R.Type,
        after position: RecordPosition?,
        limit: Int
    ) async throws -> [Scoped<R>] {
        read { tables in
            let all = tables.records.keys.flatMap { scope in
                Self.all(R.self, tables, scope).map { Scoped(scope: scope, record: $0) }
            }
            let ordered = all.filter { item in position.map { item.position > $0 } ?? true }
                .sorted { $0.position < $1.position }
            return Array(ordered.prefix(limit))
        }
    }
}
