import Foundation
import Synchronization

/// The reference store: every record in memory, nothing on disk, no batching, no SQL. The domain tests and the fuzzer
/// run on it, and the storage contract suite holds it to the same contract as SQLite and PostgreSQL.
///
/// A write transaction runs alone (`TransactionGate`, first come first served) on a private copy of the tables and
/// replaces them when its body returns, so it is atomic and serialisable; a read transaction sees the tables as
/// they were committed when it began. Copies are cheap: the tables are value types whose storage is shared until
/// written. (Our choice: one writer at a time is all a reference needs.)
package final class InMemoryStore: Store {
    /// Every record, by scope and then by ID (secrets by ARN).
    struct Tables: Sendable {
        var connections: [Scope: [String: ConnectionRecord]] = [:]
        var lags: [Scope: [String: LagRecord]] = [:]
        var secrets: [Scope: [String: SecretRecord]] = [:]
    }

    private let committed = Mutex(Tables())
    private let writers = TransactionGate()
    private let closed = Mutex(false)

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
            return try await body(InMemoryTransaction(committed.withLock { $0 }, writable: false))
        case .write:
            await writers.enter()
            defer { writers.leave() }
            try checkOpen()
            let transaction = InMemoryTransaction(committed.withLock { $0 }, writable: true)
            let result = try await body(transaction)
            let written = transaction.tables
            committed.withLock { $0 = written }
            return result
        }
    }

    private func checkOpen() throws {
        if closed.withLock({ $0 }) { throw StoreError(.unavailable, "the store is closed") }
    }

    package func close() async throws {
        // A write in progress finishes first: the gate admits the closing call after it.
        await writers.enter()
        closed.withLock { $0 = true }
        writers.leave()
    }
}

/// One transaction of an `InMemoryStore`: its own copy of the tables.
final class InMemoryTransaction: StoreTransaction {
    private let state: Mutex<InMemoryStore.Tables>
    private let writable: Bool

    init(_ tables: InMemoryStore.Tables, writable: Bool) {
        state = Mutex(tables)
        self.writable = writable
    }

    var tables: InMemoryStore.Tables { state.withLock { $0 } }

    private func read<T>(_ body: (InMemoryStore.Tables) throws -> T) rethrows -> T {
        try state.withLock { try body($0) }
    }

    private func write(_ body: (inout InMemoryStore.Tables) throws -> Void) throws {
        guard writable else { throw StoreError(.unavailable, "a read transaction cannot write") }
        try state.withLock { try body(&$0) }
    }

    /// `records` in ID order, after the page's cursor and up to its limit.
    private static func page<R>(
        _ records: [String: R],
        _ page: PageRequest,
        where keep: (R) -> Bool = { _ in true }
    )
        -> [R]
    {
        let ordered = records.sorted { $0.key < $1.key }.filter { key, record in
            (page.after.map { key > $0 } ?? true) && keep(record)
        }
        return ordered.prefix(page.limit ?? ordered.count).map(\.value)
    }

    // MARK: Connections

    func connection(id: String, in scope: Scope) async throws -> ConnectionRecord? {
        read { $0.connections[scope]?[id] }
    }

    func connections(
        of kind: ConnectionRecord.Kind,
        in scope: Scope,
        page: PageRequest
    ) async throws
        -> [ConnectionRecord]
    {
        read { Self.page($0.connections[scope] ?? [:], page) { $0.kind == kind } }
    }

    func members(ofLag lagId: String, in scope: Scope) async throws -> [ConnectionRecord] {
        read { Self.page($0.connections[scope] ?? [:], .all) { $0.lagId == lagId } }
    }

    func save(_ connection: ConnectionRecord, in scope: Scope) async throws {
        try write { $0.connections[scope, default: [:]][connection.id] = connection }
    }

    func deleteConnection(id: String, in scope: Scope) async throws {
        try write { _ = $0.connections[scope]?.removeValue(forKey: id) }
    }

    // MARK: LAGs

    func lag(id: String, in scope: Scope) async throws -> LagRecord? {
        read { $0.lags[scope]?[id] }
    }

    func lags(in scope: Scope, page: PageRequest) async throws -> [LagRecord] {
        read { Self.page($0.lags[scope] ?? [:], page) }
    }

    func save(_ lag: LagRecord, in scope: Scope) async throws {
        try write { $0.lags[scope, default: [:]][lag.id] = lag }
    }

    func deleteLag(id: String, in scope: Scope) async throws {
        try write { _ = $0.lags[scope]?.removeValue(forKey: id) }
    }

    // MARK: Secrets

    func secret(arn: String, in scope: Scope) async throws -> SecretRecord? {
        read { $0.secrets[scope]?[arn] }
    }

    func secret(name: String, in scope: Scope) async throws -> SecretRecord? {
        read { $0.secrets[scope]?.values.first { $0.name == name } }
    }

    func secrets(in scope: Scope, page: PageRequest) async throws -> [SecretRecord] {
        read { Self.page($0.secrets[scope] ?? [:], page) }
    }

    /// A name belongs to one secret of a scope, as the other stores' unique index on it says.
    func save(_ secret: SecretRecord, in scope: Scope) async throws {
        try write { tables in
            if tables.secrets[scope]?.values.contains(where: { $0.name == secret.name && $0.arn != secret.arn }) == true
            {
                throw StoreError(.conflict, "another secret of the scope has that name")
            }
            tables.secrets[scope, default: [:]][secret.arn] = secret
        }
    }

    func deleteSecret(arn: String, in scope: Scope) async throws {
        try write { _ = $0.secrets[scope]?.removeValue(forKey: arn) }
    }

    func secretsInEveryScope(after position: SecretPosition?, limit: Int) async throws -> [ScopedSecret] {
        read { tables in
            let all = tables.secrets.flatMap { scope, secrets in
                secrets.values.map { ScopedSecret(scope: scope, secret: $0) }
            }
            let ordered = all.filter { item in position.map { item.position > $0 } ?? true }
                .sorted { $0.position < $1.position }
            return Array(ordered.prefix(limit))
        }
    }
}
