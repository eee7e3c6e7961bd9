import Storage
import Synchronization

/// The writes of a batch so far: the transactions of the batch that succeeded, in order.
///
/// The batch's SQLite transaction begins only when a body first needs SQLite (a secret read from disk, a listing
/// of secrets): connections, LAGs and secret names are in memory, so most batches never do, and their writes then
/// reach SQLite with BEGIN and COMMIT in one go on the writer's thread (`SQLiteStatements.commit`). Only the write
/// loop uses a batch, one body at a time; the lock makes that visible to the compiler.
final class WriteBatch: Sendable {
    struct State {
        /// Everything the batch has written, for the in-memory tables after the commit.
        var pending = PendingWrites()
        /// Whether nothing has reached SQLite yet, so that what has not is `pending` itself (most batches: a
        /// transaction's end then merges its writes once, not twice).
        var unflushedIsPending = true
        /// What has not reached SQLite yet, once something has.
        var unflushed = PendingWrites()
        /// Whether `BEGIN IMMEDIATE` ran.
        var began = false
    }

    private let statements: SQLiteStatements
    let tables: CommittedTables
    private let state = Mutex(State())

    init(statements: SQLiteStatements, tables: CommittedTables) {
        self.statements = statements
        self.tables = tables
    }

    var pending: PendingWrites { state.withLock { $0.pending } }
    var began: Bool { state.withLock { $0.began } }

    /// The last write of a record in the batch; `.some(nil)` when deleted, `nil` when it did not write it.
    func seen<Record: Sendable>(_ table: KeyPath<PendingWrites, [RecordKey: Record?]>, _ key: RecordKey) -> Record?? {
        state.withLock { $0.pending[keyPath: table][key] }
    }

    /// SQLite, inside the batch's transaction: `BEGIN IMMEDIATE` the first time, which takes the database's write
    /// lock, so that no other process (`rotate-master-key`) writes between a read and the commit.
    func sql() async throws -> SQLiteStatements {
        if !began {
            try await statements.execute("BEGIN IMMEDIATE")
            state.withLock { $0.began = true }
        }
        return statements
    }

    /// What has not reached SQLite yet, taken out of the batch.
    func takeUnflushed() -> PendingWrites {
        state.withLock { state in
            if state.unflushedIsPending {
                state.unflushedIsPending = false
                return state.pending
            }
            defer { state.unflushed = PendingWrites() }
            return state.unflushed
        }
    }

    /// Writes what has not reached SQLite yet, inside the batch's SQLite transaction.
    func flush() async throws {
        let writes = takeUnflushed()
        if !writes.isEmpty { try await sql().write(writes) }
    }

    /// A transaction's writes join the batch; `unflushed`: those of them that have not reached SQLite.
    func add(_ writes: PendingWrites, unflushed: PendingWrites) {
        state.withLock { state in
            state.pending.merge(writes)
            if !state.unflushedIsPending { state.unflushed.merge(unflushed) }
        }
    }
}

/// One write transaction of a batch. Reads see the committed tables, the earlier transactions of the batch and its
/// own writes; connections and LAGs come from memory, secrets from SQLite (inside the batch's SQLite transaction,
/// which holds the database's write lock, so no other process writes between a read and the commit).
final class SQLiteWriteTransaction: StoreTransaction {
    private struct State {
        var own = PendingWrites()
        var unflushed = PendingWrites()
        /// Whether its writes started reaching SQLite before it ended, inside a savepoint.
        var inSavepoint = false
        /// Secret names this transaction has looked up or written, and the ARN holding each (nil: none).
        var names: [RecordKey: String?] = [:]
    }

    private let batch: WriteBatch
    private let state = Mutex(State())

    init(batch: WriteBatch) {
        self.batch = batch
    }

    /// Ends the transaction: its writes join the batch, or, when its body threw, vanish.
    func end(succeeded: Bool) async throws {
        let (own, unflushed, inSavepoint) = state.withLock { ($0.own, $0.unflushed, $0.inSavepoint) }
        if inSavepoint {
            let sql = try await batch.sql()
            if !succeeded { try await sql.execute("ROLLBACK TO transaction_in_batch") }
            try await sql.execute("RELEASE transaction_in_batch")
        }
        if succeeded { batch.add(own, unflushed: unflushed) }
    }

    /// The connections and LAGs of a scope as this transaction sees them.
    private func tables(_ scope: Scope) -> ScopeTables {
        var tables = batch.tables.snapshot(scope)
        for writes in layers where writes.touches(scope) { tables = writes.applied(to: tables, scope: scope) }
        return tables
    }

    private func write(_ change: (inout PendingWrites) -> Void) {
        state.withLock { state in
            change(&state.own)
            change(&state.unflushed)
        }
    }

    /// The writes this transaction reads over the committed tables, earlier first: the batch's, then its own.
    private var layers: [PendingWrites] { [batch.pending, state.withLock { $0.own }] }

    /// The last write of a record this transaction sees: its own, else the batch's; `.some(nil)` when deleted.
    private func pending<Record: Sendable>(
        _ table: KeyPath<PendingWrites, [RecordKey: Record?]>,
        _ key: RecordKey
    ) -> Record?? {
        if let own = state.withLock({ $0.own[keyPath: table][key] }) { return own }
        return batch.seen(table, key)
    }

    // MARK: Connections

    func connection(id: String, in scope: Scope) async throws -> ConnectionRecord? {
        if let pending = pending(\.connections, RecordKey(scope: scope, id: id)) { return pending }
        return batch.tables.connection(id: id, in: scope)
    }

    func connections(
        of kind: ConnectionRecord.Kind,
        in scope: Scope,
        page: PageRequest
    ) async throws
        -> [ConnectionRecord]
    {
        tables(scope).connectionsInOrder(kind).page(page)
    }

    func members(ofLag lagId: String, in scope: Scope) async throws -> [ConnectionRecord] {
        // The committed members, corrected by what the batch and this transaction wrote: no copy of the scope.
        var members: [String: ConnectionRecord] = [:]
        for member in batch.tables.snapshot(scope).members(ofLag: lagId) { members[member.id] = member }
        for writes in layers {
            for (key, record) in writes.connections where key.scope == scope {
                members[key.id] = record.flatMap { $0.lagId == lagId ? $0 : nil }
            }
        }
        return members.values.sorted { $0.id < $1.id }
    }

    func save(_ connection: ConnectionRecord, in scope: Scope) async throws {
        write { $0.connections[RecordKey(scope: scope, id: connection.id)] = .some(connection) }
    }

    func deleteConnection(id: String, in scope: Scope) async throws {
        write { $0.connections[RecordKey(scope: scope, id: id)] = .some(nil) }
    }

    // MARK: LAGs

    func lag(id: String, in scope: Scope) async throws -> LagRecord? {
        if let pending = pending(\.lags, RecordKey(scope: scope, id: id)) { return pending }
        return batch.tables.lag(id: id, in: scope)
    }

    func lags(in scope: Scope, page: PageRequest) async throws -> [LagRecord] {
        tables(scope).lagsInOrder().page(page)
    }

    func save(_ lag: LagRecord, in scope: Scope) async throws {
        write { $0.lags[RecordKey(scope: scope, id: lag.id)] = .some(lag) }
    }

    func deleteLag(id: String, in scope: Scope) async throws {
        write { $0.lags[RecordKey(scope: scope, id: id)] = .some(nil) }
    }

    // MARK: Secrets

    func secret(arn: String, in scope: Scope) async throws -> SecretRecord? {
        if let pending = pending(\.secrets, RecordKey(scope: scope, id: arn)) { return pending }
        return try await batch.sql().secret(arn: arn, in: scope)
    }

    func secret(name: String, in scope: Scope) async throws -> SecretRecord? {
        let nameKey = RecordKey(scope: scope, id: name)
        let found = try await findSecret(name: name, in: scope)
        state.withLock { $0.names[nameKey] = .some(found?.arn) }
        return found
    }

    private func findSecret(name: String, in scope: Scope) async throws -> SecretRecord? {
        if let record = PendingWrites.secret(named: name, in: scope, layers: layers) { return record }
        guard batch.tables.mayHaveSecret(named: name, in: scope),
            let stored = try await batch.sql().secret(name: name, in: scope)
        else { return nil }
        // The stored row may have been changed or deleted by this batch, which has not reached SQLite yet.
        if let newer = pending(\.secrets, RecordKey(scope: scope, id: stored.arn)) {
            return newer.flatMap { $0.name == name ? $0 : nil }
        }
        return stored
    }

    func secrets(in scope: Scope, page: PageRequest) async throws -> [SecretRecord] {
        try await flushForQuery()
        return try await batch.sql().secrets(in: scope, page: page)
    }

    func save(_ secret: SecretRecord, in scope: Scope) async throws {
        // Names are unique in a scope, as SQLite's unique index would insist at the commit.
        let nameKey = RecordKey(scope: scope, id: secret.name)
        let holder: String?
        if let known = state.withLock({ $0.names[nameKey] }) {
            holder = known
        } else {
            holder = try await findSecret(name: secret.name, in: scope)?.arn
        }
        if let holder, holder != secret.arn {
            throw StoreError(.conflict, "a secret of that name exists")
        }
        state.withLock { $0.names[nameKey] = .some(secret.arn) }
        write { $0.secrets[RecordKey(scope: scope, id: secret.arn)] = .some(secret) }
    }

    func deleteSecret(arn: String, in scope: Scope) async throws {
        state.withLock { state in
            for (key, holder) in state.names where key.scope == scope && holder == arn {
                state.names[key] = .some(nil)
            }
        }
        write { $0.secrets[RecordKey(scope: scope, id: arn)] = .some(nil) }
    }

    func secretsInEveryScope(after position: SecretPosition?, limit: Int) async throws -> [ScopedSecret] {
        try await flushForQuery()
        return try await batch.sql().secretsInEveryScope(after: position, limit: limit)
    }

    /// Before a listing that SQLite answers: every write so far into SQLite, this transaction's inside a
    /// savepoint, so that a later failure of its body still undoes them.
    private func flushForQuery() async throws {
        if !state.withLock({ $0.inSavepoint }) {
            try await batch.flush()
            try await batch.sql().execute("SAVEPOINT transaction_in_batch")
            state.withLock { $0.inSavepoint = true }
        }
        let writes = state.withLock { state in
            defer { state.unflushed = PendingWrites() }
            return state.unflushed
        }
        if !writes.isEmpty { try await batch.sql().write(writes) }
    }
}
