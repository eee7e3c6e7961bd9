import NIOConcurrencyHelpers
import Storage

/// The writes of a batch so far: the transactions of the batch that succeeded, in order.
///
/// The batch's SQLite transaction begins only when a body first needs SQLite (a secret read from disk, a listing
/// of secrets): connections, LAGs and secret names are in memory, so most batches never do, and their writes then
/// reach SQLite once their bodies have run, BEGIN and rows in one step on the writer's thread (`writeRows`). Only the write
/// loop uses a batch, one body at a time; the lock makes that visible to the compiler.
final class WriteBatch: Sendable {
    struct State {
        /// Everything the batch has written (for the in-memory tables after the commit), and what of it has not
        /// reached SQLite yet.
        var writes = FlushTrackedWrites()
        /// Whether `BEGIN IMMEDIATE` ran.
        var began = false
        /// The lookup values of the rows the batch's `writeRows` wrote (nil: deleted), while nothing else of it wrote
        /// to SQLite; `nil` once something did (`flushForQuery`, inside a savepoint that may roll back).
        var written: [RecordKey: LookupValues?]? = [:]
        /// Why writing the batch's rows failed: its SQLite transaction was rolled back, so nothing more of the batch
        /// may run (`sql()`, `checkIntact()`).
        var broken: StoreError?
    }

    private let statements: SQLiteStatements
    let tables: CommittedTables
    private let state = NIOLockedValueBox(State())

    init(statements: SQLiteStatements, tables: CommittedTables) {
        self.statements = statements
        self.tables = tables
    }

    var pending: PendingWrites { state.withLockedValue { $0.writes.all } }
    var began: Bool { state.withLockedValue { $0.began } }

    /// The last write of a record in the batch; `.some(nil)` when deleted, `nil` when it did not write it.
    func seen(_ key: RecordKey) -> (any StoredRecord)?? {
        state.withLockedValue { $0.writes.all.records[key] }
    }

    /// SQLite, inside the batch's transaction: `BEGIN IMMEDIATE` the first time, which takes the database's write
    /// lock, so that no other process (`rotate-master-key`) writes between a read and the commit.
    func sql() async throws -> SQLiteStatements {
        try checkIntact()
        if !began {
            try await statements.execute("BEGIN IMMEDIATE")
            state.withLockedValue { $0.began = true }
        }
        return statements
    }

    /// What has not reached SQLite yet, taken out of the batch.
    private func takeUnflushed() -> PendingWrites {
        state.withLockedValue { $0.writes.takeUnflushed() }
    }

    /// Writes what has not reached SQLite yet inside the batch's transaction, which it begins if it has not begun
    /// (BEGIN IMMEDIATE and the rows in one step on the writer's thread); while nothing of the batch reached SQLite,
    /// lookups are compared in the committed tables (`SQLiteStatements.write`). When it fails, the transaction is
    /// rolled back and the batch is broken: it fails as a whole instead of committing without the rows it took.
    func writeRows() async throws {
        try checkIntact()
        let writes = takeUnflushed()
        guard !writes.isEmpty else { return }
        let stored = state.withLockedValue { $0.written.map { SavedLookups(tables: tables, written: $0) } }
        do {
            try await statements.connection.perform { connection in
                try SQLiteStatements.begin(writing: writes, stored: stored, on: connection)
            }
        } catch {
            state.withLockedValue { $0.broken = .writeBatchFailed(error) }
            throw error
        }
        state.withLockedValue { state in
            state.began = true
            guard state.written != nil else { return }
            for (key, record) in writes.records where key.keptInMemory {
                state.written?[key] = .some(record?.lookupValues)
            }
        }
    }

    /// Rows of a transaction reach SQLite outside `writeRows` (before a query SQLite answers, in a savepoint that
    /// may roll back): from now on SQLite compares lookup values.
    func writeForQuery(_ writes: PendingWrites) async throws {
        state.withLockedValue { $0.written = nil }
        try await sql().write(writes)
    }

    /// Throws why the batch broke, if it did (`writeRows`).
    func checkIntact() throws {
        if let broken = state.withLockedValue({ $0.broken }) { throw broken }
    }

    /// A transaction's writes join the batch; `unflushed`: those of them that have not reached SQLite.
    func add(_ writes: PendingWrites, unflushed: PendingWrites) {
        state.withLockedValue { $0.writes.merge(writes, unflushed: unflushed) }
    }
}

/// One write transaction of a batch. Reads see the committed tables, the earlier transactions of the batch and its
/// own writes; kinds kept in memory come from memory, the others from SQLite (inside the batch's SQLite transaction,
/// which holds the database's write lock, so no other process writes between a read and the commit).
final class SQLiteWriteTransaction: StoreTransaction {
    private struct State {
        /// Its writes, and those of them that have not reached SQLite.
        var own = FlushTrackedWrites()
        /// Whether its writes started reaching SQLite before it ended, inside a savepoint.
        var inSavepoint = false
        /// Unique values this transaction has looked up or written (keyed as records whose ID is the value), and the
        /// ID of the record holding each (nil: none).
        var holders: [RecordKey: String?] = [:]
    }

    private let batch: WriteBatch
    private let state = NIOLockedValueBox(State())

    init(batch: WriteBatch) {
        self.batch = batch
    }

    /// Ends the transaction: its writes join the batch, or, when its body threw, vanish.
    func end(succeeded: Bool) async throws {
        try batch.checkIntact()
        let (own, unflushed, inSavepoint) = state.withLockedValue {
            ($0.own.all, $0.own.unflushed, $0.inSavepoint)
        }
        if inSavepoint {
            let sql = try await batch.sql()
            if !succeeded { try await sql.execute("ROLLBACK TO transaction_in_batch") }
            try await sql.execute("RELEASE transaction_in_batch")
        }
        if succeeded { batch.add(own, unflushed: unflushed) }
    }

    private func write(_ change: (inout PendingWrites) -> Void) {
        state.withLockedValue { $0.own.change(change) }
    }

    /// The writes this transaction reads over the committed tables, earlier first: the batch's, then its own.
    private var layers: [PendingWrites] { [batch.pending, state.withLockedValue { $0.own.all }] }

    /// The last write of a record this transaction sees: its own, else the batch's; `.some(nil)` when deleted.
    private func pending(_ key: RecordKey) -> (any StoredRecord)?? {
        if let own = state.withLockedValue({ $0.own.all.records[key] }) { return own }
        return batch.seen(key)
    }

    func record<R: StoredRecord>(_ type: R.Type, id: String, in scope: Scope) async throws -> R? {
        if let pending = pending(RecordKey(R.self, scope: scope, id: id)) { return pending as? R }
        if R.recordKind.keptInMemory { return batch.tables.record(R.self, id: id, in: scope) }
        return try await batch.sql().record(R.self, id: id, in: scope)
    }

    func records<R: StoredRecord>(
        _ type: R.Type,
        in scope: Scope,
        matching match: RecordMatch?,
        page: PageRequest
    ) async throws -> [R] {
        if R.recordKind.keptInMemory {
            let snapshot = batch.tables.snapshot(scope)
            let (committed, memoised) = snapshot.listing(R.self, matching: match)
            // Kept for the next reader or writer, as a read transaction keeps it, unless the kind changed since.
            if !memoised { batch.tables.publish(committed, matching: match, for: scope, builtFrom: snapshot) }
            let layers = layers
            guard layers.contains(where: { $0.touches(R.self, in: scope) }) else { return committed.page(page) }
            // The committed records, corrected by what the batch and this transaction wrote.
            return Listing(PendingWrites.applied(layers, to: committed.records, in: scope, matching: match)).page(page)
        }
        if let match, match.slot == .unique {
            guard let holder = try await findHolder(of: match.value, R.self, in: scope) else { return [] }
            return Listing([holder]).page(page)
        }
        try await flushForQuery()
        return try await batch.sql().records(R.self, in: scope, matching: match, page: page)
    }

    /// The record of the kind holding a unique value in the scope, as this transaction sees it.
    private func findHolder<R: StoredRecord>(of value: String, _ type: R.Type, in scope: Scope) async throws -> R? {
        let found = try await lookUpHolder(of: value, R.self, in: scope)
        state.withLockedValue { $0.holders[RecordKey(R.self, scope: scope, id: value)] = .some(found?.recordID) }
        return found
    }

    private func lookUpHolder<R: StoredRecord>(of value: String, _ type: R.Type, in scope: Scope) async throws -> R? {
        if let record = PendingWrites.holder(of: value, R.self, in: scope, layers: layers) { return record }
        let stored: R?
        if R.recordKind.keptInMemory {
            stored = batch.tables.snapshot(scope).listing(R.self, matching: RecordMatch(.unique, value)).0.records.first
        } else {
            guard batch.tables.mayHold(unique: value, kind: R.recordKind.name, in: scope) else { return nil }
            stored = try await batch.sql().records(
                R.self,
                in: scope,
                matching: RecordMatch(.unique, value),
                page: .all
            ).first
        }
        guard let stored else { return nil }
        // The stored record may have been changed or deleted by this batch, which has not reached SQLite yet.
        if let newer = pending(RecordKey(R.self, scope: scope, id: stored.recordID)) {
            return (newer as? R).flatMap { $0.lookupValues.unique == value ? $0 : nil }
        }
        return stored
    }

    func save<R: StoredRecord>(_ record: R, in scope: Scope) async throws {
        if let unique = record.lookupValues.unique {
            // Unique in a scope, as SQLite's unique index would insist at the commit.
            let key = RecordKey(R.self, scope: scope, id: unique)
            let holder: String?
            if let known = state.withLockedValue({ $0.holders[key] }) {
                holder = known
            } else {
                holder = try await lookUpHolder(of: unique, R.self, in: scope)?.recordID
            }
            if let holder, holder != record.recordID {
                throw StoreError(.conflict, "a \(R.recordKind.name) of that \(R.recordKind.unique ?? "value") exists")
            }
            state.withLockedValue { $0.holders[key] = .some(record.recordID) }
        }
        write { $0.save(record, in: scope) }
    }

    func delete<R: StoredRecord>(_ type: R.Type, id: String, in scope: Scope) async throws {
        state.withLockedValue { state in
            for (key, holder) in state.holders where key.kind == R.recordKind.name && key.scope == scope && holder == id
            {
                state.holders[key] = .some(nil)
            }
        }
        write { $0.delete(R.self, id: id, in: scope) }
    }

    func recordsInEveryScope<R: StoredRecord>(
        _ type: R.Type,
        after position: RecordPosition?,
        limit: Int
    ) async throws -> [Scoped<R>] {
        try await flushForQuery()
        return try await batch.sql().recordsInEveryScope(R.self, after: position, limit: limit)
    }

    /// Before a query that SQLite answers: every write so far into SQLite, this transaction's inside a savepoint, so
    /// that a later failure of its body still undoes them.
    private func flushForQuery() async throws {
        if !state.withLockedValue({ $0.inSavepoint }) {
            try await batch.writeRows()
            try await batch.sql().execute("SAVEPOINT transaction_in_batch")
            state.withLockedValue { $0.inSavepoint = true }
        }
        let writes = state.withLockedValue { $0.own.takeUnflushed() }
        if !writes.isEmpty { try await batch.writeForQuery(writes) }
    }
}

extension StoreError {
    /// A write batch's failure as its writers see it: a store error as it is, anything else as `unavailable`.
    static func writeBatchFailed(_ error: any Error) -> StoreError {
        error as? StoreError ?? StoreError(.unavailable, "the write batch failed: \(error)")
    }
}

/// What the database's rows hold of the records kept in memory, known without asking SQLite: the lookup values the
/// batch's own rows wrote, over the committed tables, which hold what the database held when the batch began (a
/// body's reads in SQLite change no row). `writeRows` compares a record's lookups here, so that a write joining a
/// batch whose rows began costs no conditional UPDATE.
struct SavedLookups {
    let tables: CommittedTables
    let written: [RecordKey: LookupValues?]

    /// The row's lookup values; `nil` when there is no row.
    func lookups(_ key: RecordKey) -> LookupValues? {
        if let written = written[key] { return written }
        return tables.anyRecord(key)?.lookupValues
    }
}
