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
/// group-committed (`WriteQueue`, `drain()`, `CommitLine`): concurrent write transactions reach SQLite as one batch,
/// one SQLite transaction committed on the writer connection's thread, which goes from one batch's commit straight
/// to the next; each transaction is answered only after its batch's durable commit.
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
    private let line = CommitLine()
    private let closed = Mutex(false)
    private let checkpoints = Mutex(Checkpoints())

    /// Copying the write-ahead log back into the database (a checkpoint) writes and syncs many pages. SQLite does it
    /// inside the COMMIT that fills the log, which held up every writer of that batch; the store does it itself, in
    /// two steps, every so many commits. First on the reader connection, beside the commits, which copies most of the
    /// log without holding any writer up; then, once that is over, on the writer's thread between two batches, which
    /// copies only what was committed meanwhile. No commit runs during the second step, so the whole log is then in
    /// the database and the next commit starts the log over from its beginning: a log that only grows (as it did with
    /// the first step alone) makes every commit's sync also write the file's new size. The second step holds the
    /// writer up for about 4.5 ms every 200 commits under key rotation at c=16 (7 ms when it did all the copying).
    private struct Checkpoints {
        static let commitsBetween = 200
        var commits = 0
        /// The first step is running on the reader connection.
        var besideRunning = false
        /// The first step is over: the writer finishes the checkpoint between its next two batches.
        var finishDue = false
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
                // The store checkpoints itself (`Checkpoints`).
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
        let write = QueuedWrite(body)
        if queue.enqueue(write) {
            Task { await self.drain() }
        }
        await write.wait()
        return try write.result(as: T.self)
    }

    /// Runs the bodies of queued writers, group after group, in the open batch, and offers it to the writer after each
    /// group (`CommitLine`). While a batch commits, the batch after it gathers every writer that arrives meanwhile,
    /// reading what the committing one wrote; the writer's thread takes it as soon as that commit is over. The drain
    /// ends when no writer is queued: it never waits for a commit.
    private func drain() async {
        while true {
            let arrived = queue.takeAll()
            if arrived.isEmpty {
                if queue.continueDraining() { continue }
                return
            }
            var open: OpenBatch
            if let offered = line.reclaim() { open = offered } else { open = await openBatch() }
            await runBodies(of: arrived, in: &open)
            if let failure = open.failure {
                // Failed at once, so that no writer arriving later joins it.
                await abandon(open, failure)
                continue
            }
            switch line.offer(open) {
            case .start:
                let batch = open
                writer.connection.submit { connection in self.commitChain(from: batch, on: connection) }
            case .wait:
                break
            case .runAgain:
                runAgain(open)
            }
        }
    }

    /// Between two batches, on the writer's thread: starts a checkpoint's first step when enough has been committed
    /// since the last one, and runs its second step once the first is over (file databases only: in memory there is
    /// no log).
    private func checkpointIfDue(on connection: SQLiteHandle.Connection) {
        guard readerConnection != nil else { return }
        let (start, finish) = checkpoints.withLock { state in
            if state.finishDue {
                state.finishDue = false
                return (false, true)
            }
            guard !state.besideRunning, state.commits >= Checkpoints.commitsBetween else { return (false, false) }
            state.commits = 0
            state.besideRunning = true
            return (true, false)
        }
        if start {
            Task { await self.checkpointBeside() }
        }
        guard finish else { return }
        do {
            try connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        } catch {
            logger.warning("a checkpoint failed", metadata: ["error": "\(error)"])
        }
    }

    /// A checkpoint's first step, on the reader connection: it never waits for a writer, and no writer waits for it.
    private func checkpointBeside() async {
        await reader.gate.enter()
        do {
            try await reader.statements.execute("PRAGMA wal_checkpoint(PASSIVE)")
        } catch {
            logger.warning("a checkpoint failed", metadata: ["error": "\(error)"])
        }
        reader.gate.leave()
        checkpoints.withLock { state in
            state.besideRunning = false
            state.finishDue = true
        }
    }

    private func openBatch() async -> OpenBatch {
        // In memory, the batch has the one connection from here to its commit's end (readers of secrets share it).
        await batchGate?.enter()
        return OpenBatch(batch: WriteBatch(statements: writer, tables: tables, line: line, after: line.committing))
    }

    /// Runs the bodies of writers that arrived, each in turn, in the open batch.
    private func runBodies(of arrived: [QueuedWrite], in open: inout OpenBatch) async {
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

    /// Fails every writer of a batch whose commit never started.
    private func abandon(_ open: OpenBatch, _ failure: StoreError) async {
        if open.batch.holdsWriter {
            await writer.rollback()
            line.release()
        }
        fail(open.writes, failure)
        for write in open.writes { write.signal() }
        batchGate?.leave()
    }

    /// Commits batches on the writer's thread, one after the other, as long as the line has one ready when a commit
    /// ends. `connection` is `nil` when the database was closed before the first could start.
    private func commitChain(from first: OpenBatch, on connection: SQLiteHandle.Connection?) {
        var next: OpenBatch? = first
        while let batch = next {
            guard let connection else {
                next = finish(batch, StoreError(.unavailable, "the database is closed"), started: .now)
                continue
            }
            next = commit(batch, on: connection)
            checkpointIfDue(on: connection)
        }
    }

    /// Commits one batch: its writes and COMMIT (with BEGIN IMMEDIATE in front unless a body already began the
    /// transaction). A batch whose previous batch did not commit never gets here: the line hands it back to run
    /// again before its commit would start (`CommitLine.offer` and `next`).
    private func commit(_ open: OpenBatch, on connection: SQLiteHandle.Connection) -> OpenBatch? {
        let started = ContinuousClock.now
        assert(open.batch.previous?.committed != false, "a batch built on writes that did not commit was committed")
        do {
            let unflushed = open.batch.takeUnflushed()
            let began = open.batch.began
            if began || !unflushed.isEmpty {
                // Until a batch has begun its transaction, SQLite holds what the committed tables do: every earlier
                // batch reached them at its commit's end, before this one started.
                try SQLiteStatements.commit(unflushed, stored: began ? nil : tables, on: connection)
            }
            return finish(open, nil, started: started)
        } catch {
            // `commit` has rolled the batch back.
            let failure = error as? StoreError ?? StoreError(.unavailable, "the write batch failed: \(error)")
            return finish(open, failure, started: started)
        }
    }

    /// A batch whose bodies read writes that did not commit is not committed: its writers queue again, first, and
    /// their bodies run again in a later batch, which no longer sees those writes (like a transaction retried after a
    /// serialization failure). Only batches built while the failed one committed come here: the batches opened after
    /// it read no writes of it (`CommitLine`), so a failed commit fails its own writers and no others.
    private func runAgain(_ open: OpenBatch) {
        batchGate?.leave()
        if queue.requeue(open.writes) {
            Task { await self.drain() }
        }
    }

    /// After a batch's commit (`failure` nil) or failure: its writes reach the committed tables before the writer
    /// takes the next batch (whose later batches no longer see these writes), then its writers hear back.
    private func finish(_ open: OpenBatch, _ failure: StoreError?, started: ContinuousClock.Instant) -> OpenBatch? {
        if let failure {
            fail(open.writes, failure)
        } else {
            tables.apply(open.batch.pending)
            checkpoints.withLock { $0.commits += 1 }
            logger.trace(
                "write batch",
                metadata: [
                    "transactions": "\(open.writes.count)", "bodies": "\(open.bodies)",
                    "commit": "\(ContinuousClock.now - started)",
                ]
            )
        }
        let (next, again) = line.next(afterCommitted: failure == nil)
        for write in open.writes { write.signal() }
        batchGate?.leave()
        if let again { runAgain(again) }
        return next
    }

    /// Every transaction of the batch fails, except those whose body threw, which keep their own error.
    private func fail(_ batch: [QueuedWrite], _ failure: StoreError) {
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
        reader.gate.leave()
    }
}
