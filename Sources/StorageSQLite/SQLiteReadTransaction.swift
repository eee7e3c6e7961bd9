import NIOConcurrencyHelpers
import Storage

/// Where read transactions read the records of kinds not kept in memory (secrets).
struct DiskReader: Sendable {
    let statements: SQLiteStatements
    /// Readers of the connection take turns: one another's on a database file (which has a connection for them),
    /// and with the write batches on an in-memory database (whose one connection they share).
    let gate: TransactionGate
    /// Whether a reader wraps its reads in a transaction, so that they see one snapshot: on its own connection only
    /// (an in-memory database's connection may be inside a batch's transaction).
    let snapshots: Bool
}

/// One read transaction: kinds kept in memory from a snapshot of the committed tables, taken per scope at its first
/// read; the others from SQLite, which only has what is committed in its reader connection.
final class SQLiteReadTransaction: StoreTransaction {
    private struct State {
        var snapshots: [Scope: ScopeTables] = [:]
        var readingDisk = false
    }

    private let tables: CommittedTables
    private let reader: DiskReader
    private let state = NIOLockedValueBox(State())

    init(tables: CommittedTables, reader: DiskReader) {
        self.tables = tables
        self.reader = reader
    }

    /// Ends the transaction, letting the next reader of secrets in.
    func end() async {
        guard state.withLockedValue({ $0.readingDisk }) else { return }
        if reader.snapshots { try? await reader.statements.execute("COMMIT") }
        reader.gate.leave()
    }

    private func snapshot(_ scope: Scope) -> ScopeTables {
        state.withLockedValue { state in
            if let snapshot = state.snapshots[scope] { return snapshot }
            let snapshot = tables.snapshot(scope)
            state.snapshots[scope] = snapshot
            return snapshot
        }
    }

    private static func readOnly() -> StoreError {
        StoreError(.unavailable, "a read transaction cannot write")
    }

    /// The reader connection, entered at the first record this transaction reads from disk.
    private func disk() async throws -> SQLiteStatements {
        if state.withLockedValue({ $0.readingDisk }) { return reader.statements }
        await reader.gate.enter()
        if reader.snapshots {
            do {
                try await reader.statements.execute("BEGIN")
            } catch {
                reader.gate.leave()
                throw error
            }
        }
        state.withLockedValue { $0.readingDisk = true }
        return reader.statements
    }

    func record<R: StoredRecord>(_ type: R.Type, id: String, in scope: Scope) async throws -> R? {
        if R.recordKind.keptInMemory { return snapshot(scope).record(R.self, id: id) }
        return try await disk().record(R.self, id: id, in: scope)
    }

    func records<R: StoredRecord>(
        _ type: R.Type,
        in scope: Scope,
        matching match: RecordMatch?,
        page: PageRequest
    ) async throws -> [R] {
        guard R.recordKind.keptInMemory else {
            return try await disk().records(R.self, in: scope, matching: match, page: page)
        }
        let snapshot = snapshot(scope)
        let (listing, memoised) = snapshot.listing(R.self, matching: match)
        if !memoised { tables.publish(listing, matching: match, for: scope, builtFrom: snapshot) }
        return listing.page(page)
    }

    func save<R: StoredRecord>(_ record: R, in scope: Scope) async throws { throw Self.readOnly() }

    func delete<R: StoredRecord>(_ type: R.Type, id: String, in scope: Scope) async throws { throw Self.readOnly() }

    func recordsInEveryScope<R: StoredRecord>(
        _ type: R.Type,
        after position: RecordPosition?,
        limit: Int
    ) async throws -> [Scoped<R>] {
        try await disk().recordsInEveryScope(R.self, after: position, limit: limit)
    }
}
