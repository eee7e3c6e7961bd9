import Storage
import Synchronization

/// Where read transactions read secrets, which are not kept in memory.
struct SecretReader: Sendable {
    let statements: SQLiteStatements
    /// Readers of the connection take turns: one another's on a database file (which has a connection for them),
    /// and with the write batches on an in-memory database (whose one connection they share).
    let gate: TransactionGate
    /// Whether a reader wraps its reads in a transaction, so that they see one snapshot: on its own connection only
    /// (an in-memory database's connection may be inside a batch's transaction).
    let snapshots: Bool
}

/// One read transaction: connections and LAGs from a snapshot of the committed tables, taken per scope at its
/// first read; secrets from SQLite, which only has what is committed in its reader connection.
final class SQLiteReadTransaction: StoreTransaction {
    private struct State {
        var snapshots: [Scope: ScopeTables] = [:]
        var readingSecrets = false
    }

    private let tables: CommittedTables
    private let reader: SecretReader
    private let state = Mutex(State())

    init(tables: CommittedTables, reader: SecretReader) {
        self.tables = tables
        self.reader = reader
    }

    /// Ends the transaction, letting the next reader of secrets in.
    func end() async {
        guard state.withLock({ $0.readingSecrets }) else { return }
        if reader.snapshots { try? await reader.statements.execute("COMMIT") }
        reader.gate.leave()
    }

    private func snapshot(_ scope: Scope) -> ScopeTables {
        state.withLock { state in
            if let snapshot = state.snapshots[scope] { return snapshot }
            let snapshot = tables.snapshot(scope)
            state.snapshots[scope] = snapshot
            return snapshot
        }
    }

    private static func readOnly() -> StoreError {
        StoreError(.unavailable, "a read transaction cannot write")
    }

    // MARK: Connections and LAGs

    func connection(id: String, in scope: Scope) async throws -> ConnectionRecord? {
        snapshot(scope).connections[id]
    }

    func connections(
        of kind: ConnectionRecord.Kind,
        in scope: Scope,
        page: PageRequest
    ) async throws
        -> [ConnectionRecord]
    {
        let snapshot = snapshot(scope)
        let listing = snapshot.connectionsInOrder(kind)
        if snapshot.connectionListings[kind] == nil {
            tables.publish(listing, of: kind, for: scope, builtFrom: snapshot)
        }
        return listing.page(page)
    }

    func members(ofLag lagId: String, in scope: Scope) async throws -> [ConnectionRecord] {
        snapshot(scope).members(ofLag: lagId)
    }

    func save(_ connection: ConnectionRecord, in scope: Scope) async throws { throw Self.readOnly() }

    func deleteConnection(id: String, in scope: Scope) async throws { throw Self.readOnly() }

    func lag(id: String, in scope: Scope) async throws -> LagRecord? {
        snapshot(scope).lags[id]
    }

    func lags(in scope: Scope, page: PageRequest) async throws -> [LagRecord] {
        let snapshot = snapshot(scope)
        let listing = snapshot.lagsInOrder()
        if snapshot.lagListing == nil { tables.publish(listing, for: scope, builtFrom: snapshot) }
        return listing.page(page)
    }

    func save(_ lag: LagRecord, in scope: Scope) async throws { throw Self.readOnly() }

    func deleteLag(id: String, in scope: Scope) async throws { throw Self.readOnly() }

    // MARK: Secrets

    /// The reader connection, entered at the first secret this transaction reads.
    private func secrets() async throws -> SQLiteStatements {
        if state.withLock({ $0.readingSecrets }) { return reader.statements }
        await reader.gate.enter()
        if reader.snapshots {
            do {
                try await reader.statements.execute("BEGIN")
            } catch {
                reader.gate.leave()
                throw error
            }
        }
        state.withLock { $0.readingSecrets = true }
        return reader.statements
    }

    func secret(arn: String, in scope: Scope) async throws -> SecretRecord? {
        try await secrets().secret(arn: arn, in: scope)
    }

    func secret(name: String, in scope: Scope) async throws -> SecretRecord? {
        try await secrets().secret(name: name, in: scope)
    }

    func secrets(in scope: Scope, page: PageRequest) async throws -> [SecretRecord] {
        try await secrets().secrets(in: scope, page: page)
    }

    func save(_ secret: SecretRecord, in scope: Scope) async throws { throw Self.readOnly() }

    func deleteSecret(arn: String, in scope: Scope) async throws { throw Self.readOnly() }

    func secretsInEveryScope(after position: SecretPosition?, limit: Int) async throws -> [ScopedSecret] {
        try await secrets().secretsInEveryScope(after: position, limit: limit)
    }
}
