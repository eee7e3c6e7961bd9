import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Storage

/// The embedded default store: one SQLite database in WAL mode, `synchronous=FULL`.
///
/// Records are kept as JSON documents beside the columns that scope and order them, so the schema's meaning is the
/// same as the PostgreSQL store's. The store assumes it is the only writer of its connections and LAGs (one server
/// a database; `dxlocal rotate-master-key` only re-seals secrets), which lets it keep them in memory as well:
/// reads of connections and LAGs never touch SQLite. Secrets, which another process may re-seal, are read from
/// disk; only their names are known in memory, so that creating one need not look on disk first.
///
/// The write path, all of it in this file:
///
///     transaction(.write) ──enqueue──▶ WriteLoopState ◀──next()── run(): the write loop, one task on the
///            ▲                                                        │ writer connection's thread
///            │                                                        │ every queued write, in arrival order:
///            │                                                        │   its body against committed tables + batch
///            │                                                        ▼
///            │                                         one SQLite transaction, COMMIT (one fsync)
///            │                                                        │
///            └───────── answered (signal) ◀── CommittedTables.apply ◀─┘   then the next batch
///
/// Writes are group-committed: every write that queued while a batch committed runs in the next one, so the cost of
/// a durable commit is shared by every transaction that arrived during the last; each is answered only after its
/// batch's commit. `run()` is the loop; the server's service group runs it (`StoreService`), tests and commands run
/// it with `withStore`. Its states are `WriteLoopState`, a value tested on its own.
package final class SQLiteStore: Store {
    package enum Location: Sendable, Hashable {
        case memory
        case file(path: String)
    }

    private let writer: SQLiteStatements
    /// A database file's second connection, for the secrets of read transactions; none in memory.
    private let readerConnection: SQLiteHandle?
    private let reader: DiskReader
    /// In memory, readers of secrets share the writer's connection and take turns with the batches.
    private let batchGate: TransactionGate?
    private let tables: CommittedTables
    private let loop: NIOLockedValueBox<WriteLoopState<QueuedWrite, CheckedContinuation<Void, Never>>>
    private let logger: Logger
    private let metrics: WritePathMetrics

    // Checkpoints. Copying the write-ahead log back into the database writes and syncs many pages. SQLite does it
    // inside the COMMIT that fills the log, which held up every writer of that batch; the store does it itself, in two
    // steps, every 1,000 commits (`WriteLoopState`). First on the reader connection, beside the loop, which copies most
    // of the log without holding any writer up; then, once that is over, by the loop before its next batch, which
    // copies only what was committed meanwhile. No commit runs during the second step, so the whole log is then in
    // the database and the next commit starts the log over from its beginning: a log that only grows (as it did with
    // the first step alone) makes every commit's sync also write the file's new size.

    private init(
        writer: SQLiteHandle,
        readerConnection: SQLiteHandle?,
        tables: CommittedTables,
        logger: Logger,
        metrics: WritePathMetrics,
        commitsBetweenCheckpoints: Int?
    ) {
        // `nil`: the loop's default (`WriteLoopState.init`).
        loop = NIOLockedValueBox(
            commitsBetweenCheckpoints.map { WriteLoopState(commitsBetweenCheckpoints: max(1, $0)) } ?? WriteLoopState()
        )
        self.writer = SQLiteStatements(connection: writer)
        self.readerConnection = readerConnection
        if let readerConnection {
            reader = DiskReader(
                statements: SQLiteStatements(connection: readerConnection),
                gate: TransactionGate(),
                snapshots: true
            )
            batchGate = nil
        } else {
            let gate = TransactionGate()
            reader = DiskReader(statements: self.writer, gate: gate, snapshots: false)
            batchGate = gate
        }
        self.tables = tables
        self.logger = logger
        self.metrics = metrics
    }

    /// Opens (creating when missing) the database, brings its schema up to date and loads its connections and LAGs.
    /// Write transactions wait until `run()` runs the write loop; `withStore` does both.
    /// `kinds`: the kinds whose records it reads back into memory (every generated kind unless a test adds its own).
    package static func open(
        _ location: Location,
        kinds: [any StoredRecord.Type] = StoredKinds.all,
        logger: Logger = Logger(label: "dxlocal.sqlite"),
        metrics: WritePathMetrics = .none,
        commitsBetweenCheckpoints: Int? = nil
    ) async throws
        -> SQLiteStore
    {
        let connection = try await SQLiteHandle.open(location)
        var readerConnection: SQLiteHandle?
        do {
            // First: switching to (or opening) the log takes locks that another connection closing at that moment
            // holds for a while (the last one checkpoints and removes the log), and without a timeout the store
            // would not open ("database is locked").
            try await connection.execute("PRAGMA busy_timeout=5000")
            if case .file = location {
                try await connection.execute("PRAGMA journal_mode=WAL")
                // FULL: a transaction is on disk before its request is answered, also across power loss.
                try await connection.execute("PRAGMA synchronous=FULL")
                // The store checkpoints itself (above).
                try await connection.execute("PRAGMA wal_autocheckpoint=0")
            }
            try await SQLiteMigrations.run(on: connection, logger: logger)
            let tables = try await SQLiteStatements(connection: connection).loadCommittedTables(kinds)
            if case .file = location {
                let reader = try await SQLiteHandle.open(location)
                readerConnection = reader
                try await reader.execute("PRAGMA busy_timeout=5000")
            }
            return SQLiteStore(
                writer: connection,
                readerConnection: readerConnection,
                tables: tables,
                logger: logger,
                metrics: metrics,
                commitsBetweenCheckpoints: commitsBetweenCheckpoints
            )
        } catch {
            await readerConnection?.close()
            await connection.close()
            if let storeError = error as? StoreError { throw storeError }
            throw StoreError(.unavailable, "cannot prepare the SQLite database: \(error)")
        }
    }

    /// Opens the store, runs its write loop beside `body` and closes it when `body` returns or throws.
    package static func withStore<Result: Sendable>(
        _ location: Location,
        kinds: [any StoredRecord.Type] = StoredKinds.all,
        logger: Logger = Logger(label: "dxlocal.sqlite"),
        _ body: @Sendable (SQLiteStore) async throws -> Result
    ) async throws -> Result {
        let store = try await open(location, kinds: kinds, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.run() }
            do {
                let result = try await body(store)
                try await store.close()
                try await group.waitForAll()
                return result
            } catch {
                try? await store.close()
                throw error
            }
        }
    }

    package var generation: UInt64? { tables.generation }

    /// How many write transactions wait for the write loop to take them (tests wait on it to know that a write has
    /// queued behind a running batch, rather than sleeping for a while and hoping it has).
    package var queuedWrites: Int { loop.withLockedValue { $0.queuedCount } }

    package func transaction<T: Sendable>(
        _ mode: TransactionMode,
        _ body: @escaping @Sendable (any StoreTransaction) async throws -> T
    ) async throws -> T {
        if loop.withLockedValue({ $0.isClosed }) { throw StoreError(.unavailable, "the store is closed") }
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
            let write = QueuedWrite { try await body($0) }
            switch loop.withLockedValue({ $0.enqueue(write) }) {
            case .queued: break
            case .wake(let sleepingLoop): sleepingLoop.resume()
            case .refuse: throw StoreError(.unavailable, "the store is closed")
            }
            await write.wait()
            return try write.result(as: T.self)
        }
    }

    // MARK: The write loop

    /// The write loop: takes every queued write, runs their bodies in order as one batch, commits it, applies it to
    /// the committed tables, answers its writers, and again, until `close()`; with a file database, the checkpoints'
    /// first steps run beside it. Returns at once when the loop runs already.
    package func run() async {
        guard case .run = loop.withLockedValue({ $0.loopStarted() }) else { return }
        let (checkpointsDue, requestCheckpoint) = AsyncStream.makeStream(
            of: Void.self,
            bufferingPolicy: .bufferingNewest(1)
        )
        await withDiscardingTaskGroup { group in
            if readerConnection != nil {
                group.addTask {
                    for await _ in checkpointsDue { await self.checkpointBeside() }
                }
            }
            // The loop's task prefers the writer connection's thread: bodies, commit and apply run there, and the
            // commit is no hop away.
            await withTaskExecutorPreference(writer.connection.thread) { await writeLoop(requestCheckpoint) }
            requestCheckpoint.finish()
        }
    }

    private func writeLoop(_ requestCheckpoint: AsyncStream<Void>.Continuation) async {
        while true {
            switch loop.withLockedValue({ $0.next() }) {
            case .batch(let writes, let finishCheckpoint):
                if finishCheckpoint { await self.finishCheckpoint() }
                if await runBatch(writes), readerConnection != nil, loop.withLockedValue({ $0.committed() }) {
                    requestCheckpoint.yield()
                }
            case .sleep(let finishCheckpoint):
                if finishCheckpoint {
                    await self.finishCheckpoint()
                    continue
                }
                await withCheckedContinuation { continuation in
                    if case .resume(let now) = loop.withLockedValue({ $0.sleep(continuation) }) { now.resume() }
                }
            case .stop(let closers):
                for closer in closers { closer.resume() }
                return
            }
        }
    }

    /// Runs one batch: each write's body in turn against the committed tables and the batch's earlier writes, then
    /// the batch's commit on the writer's thread. `true` when it committed; when it failed, every writer fails (except
    /// those whose body threw, which keep their own error) and nothing of it stays.
    private func runBatch(_ taken: [QueuedWrite]) async -> Bool {
        // In memory, the batch has the one connection until its end (readers of secrets share it).
        await batchGate?.enter()
        var writes = taken
        defer {
            for write in writes { write.signal() }
            batchGate?.leave()
        }
        let started = ContinuousClock.now
        for write in writes { metrics.waited(started - write.enqueued) }
        let batch = WriteBatch(statements: writer, tables: tables)
        do {
            // Writes queued while the bodies or the rows of the batch ran join it before its commit
            // (`WriteLoopState.join`): they would otherwise wait for this commit to end, then pay one of their own.
            var next = 0
            repeat {
                repeat {
                    while next < writes.count {
                        let transaction = SQLiteWriteTransaction(batch: batch)
                        let succeeded = await writes[next].run(transaction)
                        try await transaction.end(succeeded: succeeded)
                        next += 1
                    }
                } while join(into: &writes)  // queued while the bodies ran
                try await batch.writeRows()
            } while join(into: &writes)  // queued while the rows were written
            let written = ContinuousClock.now - started
            // Every row is written (`writeRows` ran last); a batch that wrote nothing has no transaction to commit.
            if batch.began {
                try await writer.connection.perform { try SQLiteStatements.commit(on: $0) }
            }
            tables.apply(batch.pending)
            let commit = ContinuousClock.now - started - written
            metrics.committed(batchOf: writes.count, in: commit)
            logger.trace(
                "write batch",
                metadata: [
                    "transactions": "\(writes.count)", "bodies and rows": "\(written)", "commit": "\(commit)",
                ]
            )
            return true
        } catch {
            // A failed `writeRows` or COMMIT rolled back what it began; a body's failure leaves a begun batch open.
            if batch.began { await writer.rollback() }
            let failure = StoreError.writeBatchFailed(error)
            fail(writes, failure)
            return false
        }
    }

    /// Takes the writes queued since the batch began into it; `false` when none came.
    private func join(into writes: inout [QueuedWrite]) -> Bool {
        let joining = loop.withLockedValue { $0.join(batchOf: writes.count) }
        guard !joining.isEmpty else { return false }
        let joined = ContinuousClock.now
        for write in joining { metrics.waited(joined - write.enqueued) }
        writes += joining
        return true
    }

    /// Every transaction of the batch fails, except those whose body threw, which keep their own error.
    private func fail(_ batch: [QueuedWrite], _ failure: StoreError) {
        logger.error("a write batch failed", metadata: ["error": "\(failure)", "transactions": "\(batch.count)"])
        for write in batch { write.abandon(failure) }
    }

    /// A checkpoint's first step, on the reader connection: it never waits for a writer, and no writer waits for it.
    /// It also syncs the pages it copied into the database file, which SQLite leaves to the checkpoint that copies
    /// the log's last frame (the second step, on the writer's thread, between two batches): measured under
    /// CreateConnection at c=16, that sync took the second step from under a millisecond to 15 ms (median), every
    /// 120 ms, and with it the writers' p99 to 15 times their p50.
    private func checkpointBeside() async {
        await reader.gate.enter()
        if !loop.withLockedValue({ $0.isClosed }) {
            await checkpoint(on: reader.statements, step: "beside")
            let started = ContinuousClock.now
            do {
                try await readerConnection?.perform { try $0.syncDatabaseFile() }
                logger.debug(
                    "checkpoint",
                    metadata: ["step": "beside sync", "took": "\(ContinuousClock.now - started)"]
                )
            } catch {
                logger.warning("a checkpoint's sync failed", metadata: ["error": "\(error)"])
            }
        }
        reader.gate.leave()
        loop.withLockedValue { $0.checkpointBesideEnded() }
    }

    /// A checkpoint's second step, by the loop between two batches: copies what was committed during the first.
    private func finishCheckpoint() async {
        await checkpoint(on: writer, step: "finish")
    }

    /// A passive checkpoint on one connection; a failure is logged, and the next checkpoint tries again. Its
    /// timing and the log's frames (in it, and copied into the database) are logged at debug level: the write loop's
    /// own account of what a checkpoint costs its writers (issue 17, part 6).
    private func checkpoint(on statements: SQLiteStatements, step: String) async {
        let started = ContinuousClock.now
        do {
            let row = try await statements.query("PRAGMA wal_checkpoint(PASSIVE)", []).first
            let log = row?.column("log")?.integer ?? 0
            let copied = row?.column("checkpointed")?.integer ?? 0
            logger.debug(
                "checkpoint",
                metadata: [
                    "step": "\(step)", "took": "\(ContinuousClock.now - started)", "log": "\(log)",
                    "copied": "\(copied)",
                ]
            )
        } catch {
            logger.warning("a checkpoint failed", metadata: ["error": "\(error)"])
        }
    }

    /// Refuses new transactions, lets the loop finish every queued write and stop, and closes the database.
    package func close() async throws {
        let action = loop.withLockedValue { $0.close() }
        switch action {
        case .drain, .closed:
            break
        case .wakeLoop(let sleepingLoop):
            sleepingLoop.resume()
        case .failQueued(let writes):
            if !writes.isEmpty { fail(writes, StoreError(.unavailable, "the store closed before its write loop ran")) }
            for write in writes { write.signal() }
        }
        await withCheckedContinuation { continuation in
            loop.withLockedValue { $0.awaitStop(continuation) }?.resume()
        }
        // A second call waits for the same end, and leaves closing the database to the first.
        if case .closed = action { return }
        await reader.gate.enter()
        try? await writer.execute("PRAGMA optimize")
        await readerConnection?.close()
        await writer.connection.close()
        reader.gate.leave()
    }
}
