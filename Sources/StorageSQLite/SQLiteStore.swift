import Foundation
import Logging
import NIOCore
import NIOPosix
import Storage
import Synchronization

/// The embedded default store: one SQLite database in WAL mode, `synchronous=FULL`.
///
/// Records are kept as JSON documents beside the columns that scope and order them, so the schema's meaning is the
/// same as the PostgreSQL store's. The store assumes it is the only writer of its connections and LAGs (one server
/// a database; `dxlocal rotate-master-key` only re-seals secrets), which lets it keep them in memory as well:
/// reads of connections and LAGs never touch SQLite. Secrets, which another process may re-seal, are read from
/// disk; only their names are known in memory, so that creating one need not look on disk first. Writes are
/// group-committed (`WriteQueue`, `drain()`): concurrent write transactions reach SQLite as one batch, one SQLite
/// transaction written in one hop to the writer connection's thread, and each is answered only after that durable
/// commit.
package final class SQLiteStore: Store {
    package enum Location: Sendable, Hashable {
        case memory
        case file(path: String)
    }

    private let writer: SQLiteStatements
    /// A database file's second connection, for the secrets of read transactions; none in memory.
    private let readerConnection: SQLiteHandle?
    private let reader: SecretReader
    /// In memory, readers of secrets share the writer's connection and take turns with the batches.
    private let batchGate: TransactionGate?
    private let tables: CommittedTables
    private let queue = WriteQueue()
    private let closed = Mutex(false)
    private let checkpoints = Mutex(Checkpoints())

    /// Copying the write-ahead log back into the database (a checkpoint) writes and syncs many pages. SQLite does it
    /// inside the COMMIT that fills the log, which held up every writer of that batch; the store does it itself,
    /// every so many commits, on the reader connection, after the batch's writers have their answers.
    private struct Checkpoints {
        static let commitsBetween = 200
        var commits = 0
        var running = false
    }
    private let logger: Logger

    private init(
        writer: SQLiteHandle,
        readerConnection: SQLiteHandle?,
        tables: CommittedTables,
        logger: Logger
    ) {
        self.writer = SQLiteStatements(connection: writer)
        self.readerConnection = readerConnection
        if let readerConnection {
            reader = SecretReader(
                statements: SQLiteStatements(connection: readerConnection),
                gate: TransactionGate(),
                snapshots: true
            )
            batchGate = nil
        } else {
            let gate = TransactionGate()
            reader = SecretReader(statements: self.writer, gate: gate, snapshots: false)
            batchGate = gate
        }
        self.tables = tables
        self.logger = logger
    }

    /// Opens (creating when missing) the database, brings its schema up to date and loads its connections and LAGs.
    package static func open(
        _ location: Location,
        logger: Logger = Logger(label: "dxlocal.sqlite")
    ) async throws
        -> SQLiteStore
    {
        let connection = try await SQLiteHandle.open(location)
        var readerConnection: SQLiteHandle?
        do {
            if case .file = location {
                try await connection.execute("PRAGMA journal_mode=WAL")
                // FULL: a transaction is on disk before its request is answered, also across power loss.
                try await connection.execute("PRAGMA synchronous=FULL")
                // Checkpoints run on the reader connection, outside the commits (`checkpoint()`).
                try await connection.execute("PRAGMA wal_autocheckpoint=0")
            }
            try await connection.execute("PRAGMA busy_timeout=5000")
            try await SQLiteMigrations.run(on: connection, logger: logger)
            let statements = SQLiteStatements(connection: connection)
            let tables = CommittedTables(
                try await statements.loadTables(),
                secretNames: try await statements.loadSecretNames()
            )
            if case .file = location {
                let reader = try await SQLiteHandle.open(location)
                readerConnection = reader
                try await reader.execute("PRAGMA busy_timeout=5000")
            }
            return SQLiteStore(
                writer: connection,
                readerConnection: readerConnection,
                tables: tables,
                logger: logger
            )
        } catch {
            await readerConnection?.close()
            await connection.close()
            if let storeError = error as? StoreError { throw storeError }
            throw StoreError(.unavailable, "cannot prepare the SQLite database: \(error)")
        }
    }

    package func transaction<T: Sendable>(
        _ mode: TransactionMode,
        _ body: @escaping @Sendable (any StoreTransaction) async throws -> T
    ) async throws -> T {
        if closed.withLock({ $0 }) { throw StoreError(.unavailable, "the store is closed") }
        switch mode {
        case .read:
            let transaction = SQLiteReadTransaction(tables: tables, reader: reader)
            do {
                let result = try await body(transaction)
                await transaction.end()
                return result
            } catch {
                await transaction.end()
                throw error
            }
        case .write:
            return try await write { try await body($0) }
        }
    }

    /// Queues a write transaction and answers once its batch has committed (or failed).
    private func write<T: Sendable>(
        _ body: @escaping @Sendable (SQLiteWriteTransaction) async throws -> T
    ) async throws
        -> T
    {
        let write = TypedWrite(body)
        if queue.enqueue(write) {
            Task { await self.drain() }
        }
        await write.wait()
        return try write.result()
    }

    /// Runs batches while writers queue. While one batch commits (on the writer's thread, where COMMIT syncs), the
    /// drain runs the bodies of the writers that arrive meanwhile, as the next batch, reading what the committing one
    /// wrote; that batch's commit starts when the previous one is over. So a batch still holds every writer that came
    /// during the previous commit, as it did when bodies ran only between commits, and their bodies cost no time of
    /// their own.
    private func drain() async {
        var committing: CommittingBatch?
        var open: OpenBatch?
        while true {
            if let current = committing, queue.commitEnded {
                let previousCommitted = await current.committed.value
                committing = nil
                if let batch = open {
                    open = nil
                    committing = start(batch, previousCommitted: previousCommitted)
                }
                continue
            }
            let arrived = queue.takeAll()
            if !arrived.isEmpty {
                var batch: OpenBatch
                if let open { batch = open } else { batch = await openBatch(after: committing) }
                open = nil
                await runBodies(of: arrived, in: &batch)
                if let failure = batch.failure {
                    // Failed at once, so that no writer arriving later joins it.
                    if let current = committing { _ = await current.committed.value }
                    await abandon(batch, failure)
                } else if committing == nil {
                    committing = start(batch, previousCommitted: true)
                } else {
                    open = batch
                }
                continue
            }
            if committing != nil {
                // Wait for a writer or for the commit, whichever comes first.
                await queue.sleep()
            } else if !queue.continueDraining() {
                return
            }
        }
    }

    /// Whether enough has been committed since the last checkpoint; if so, the caller runs one.
    private func checkpointDue() -> Bool {
        guard readerConnection != nil else { return false }
        return checkpoints.withLock { state in
            guard !state.running, state.commits >= Checkpoints.commitsBetween else { return false }
            state.running = true
            state.commits = 0
            return true
        }
    }

    /// A passive checkpoint on the reader connection; it never waits for a writer, and writers never wait for it.
    private func checkpoint() async {
        await reader.gate.enter()
        do {
            try await reader.statements.execute("PRAGMA wal_checkpoint(PASSIVE)")
        } catch {
            logger.warning("a checkpoint failed", metadata: ["error": "\(error)"])
        }
        await reader.gate.leave()
        checkpoints.withLock { $0.running = false }
    }

    /// A batch whose commit is under way: what it wrote, for the next batch's bodies, and its end (`true`: committed).
    struct CommittingBatch: Sendable {
        let writes: PendingWrites
        let committed: Task<Bool, Never>
    }

    /// A batch whose bodies have run (or are running) and whose commit has not started.
    private struct OpenBatch {
        var writes: [any QueuedWrite] = []
        let batch: WriteBatch
        var bodies = Duration.zero
        var failure: StoreError?
    }

    private func openBatch(after previous: CommittingBatch?) async -> OpenBatch {
        await batchGate?.enter()
        return OpenBatch(batch: WriteBatch(statements: writer, tables: tables, after: previous))
    }

    /// Runs the bodies of writers that arrived, each in turn, in the open batch.
    private func runBodies(of arrived: [any QueuedWrite], in open: inout OpenBatch) async {
        let started = ContinuousClock.now
        open.writes += arrived
        do {
            for write in arrived {
                let transaction = SQLiteWriteTransaction(batch: open.batch)
                let succeeded = await write.run(transaction)
                try await transaction.end(succeeded: succeeded)
            }
        } catch {
            open.failure = error as? StoreError ?? StoreError(.unavailable, "the write batch failed: \(error)")
        }
        open.bodies += ContinuousClock.now - started
    }

    /// Starts the commit of an open batch, once the previous one is over. A batch whose previous batch did not
    /// commit fails instead (its bodies read those writes).
    private func start(_ open: OpenBatch, previousCommitted: Bool) -> CommittingBatch {
        queue.clearWake()
        let committed = Task {
            guard previousCommitted else {
                await self.abandon(open, StoreError(.unavailable, "an earlier write batch failed"))
                self.queue.wake()
                return false
            }
            return await self.commit(open.writes, open.batch, bodies: open.bodies)
        }
        return CommittingBatch(writes: open.batch.pending, committed: committed)
    }

    /// Fails every writer of a batch whose commit never started (the writer connection is free by then).
    private func abandon(_ open: OpenBatch, _ failure: StoreError) async {
        await writer.rollback()
        fail(open.writes, failure)
        for write in open.writes { write.signal() }
        await batchGate?.leave()
    }

    /// Commits a batch's writes and one COMMIT in one hop to the writer's thread (with BEGIN IMMEDIATE in front unless
    /// a body already needed SQLite), then answers its writers. `true` when it committed.
    private func commit(_ batch: [any QueuedWrite], _ writes: WriteBatch, bodies: Duration) async -> Bool {
        let started = ContinuousClock.now
        var committed = false
        do {
            let unflushed = writes.takeUnflushed()
            if writes.began || !unflushed.isEmpty { try await writer.commit(unflushed) }
            tables.apply(writes.pending)
            checkpoints.withLock { $0.commits += 1 }
            committed = true
            logger.trace(
                "write batch",
                metadata: [
                    "transactions": "\(batch.count)", "bodies": "\(bodies)",
                    "commit": "\(ContinuousClock.now - started)",
                ]
            )
        } catch {
            // `commit` has rolled the batch back.
            fail(batch, error as? StoreError ?? StoreError(.unavailable, "the write batch failed: \(error)"))
        }
        for write in batch { write.signal() }
        await batchGate?.leave()
        if checkpointDue() {
            Task { await self.checkpoint() }
        }
        queue.wake()
        return committed
    }

    /// Every transaction of the batch fails, except those whose body threw, which keep their own error.
    private func fail(_ batch: [any QueuedWrite], _ failure: StoreError) {
        logger.error("a write batch failed", metadata: ["error": "\(failure)", "transactions": "\(batch.count)"])
        for write in batch { write.abandon(failure) }
    }

    package func close() async throws {
        let wasClosed = closed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        // Writes queue in order: once this one is through, every write queued before it is done.
        _ = try? await write { _ in () }
        await reader.gate.enter()
        try? await writer.execute("PRAGMA optimize")
        await readerConnection?.close()
        await writer.connection.close()
        await reader.gate.leave()
    }
}
