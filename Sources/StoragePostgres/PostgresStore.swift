import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import Storage

/// The shared store: many dxlocal instances, one PostgreSQL database.
///
/// Write transactions lock every row they read (`SELECT ... FOR UPDATE`), and every rule reads the row it guards
/// before it writes (the target of a keychain change, the LAG a member joins), so two instances racing on the same
/// target queue up on its row and the second sees the first's commit: no lost update, no write skew. What a rule
/// reads as absent (a record not made yet, room under a limit) is held by advisory locks (`PostgresTransaction`),
/// so the same holds where no row stands for the target yet. A deadlock or
/// a unique-key race (two new secrets of one name) is retried from the start, which is safe because a transaction
/// body only reads and writes the store. READ COMMITTED rather than SERIALIZABLE: SERIALIZABLE's predicate locks
/// made unrelated inserts (1,000 concurrent CreateConnection) fail and retry for no gain.
package final class PostgresStore: Store {
    /// How often a transaction is tried before its conflict is reported.
    static let attempts = 12

    private let client: PostgresClient
    private let logger: Logger
    private let metrics: WritePathMetrics

    private init(client: PostgresClient, logger: Logger, metrics: WritePathMetrics) {
        self.client = client
        self.logger = logger
        self.metrics = metrics
    }

    /// Runs `body` with a store whose connection pool runs for as long as `body` does; the schema is brought up to
    /// date first. Each write is a batch of one: its queue wait is the wait for a connection of the pool.
    package static func withStore<T: Sendable>(
        _ configuration: PostgresStoreConfiguration,
        logger: Logger,
        metrics: WritePathMetrics = .none,
        _ body: @Sendable (PostgresStore) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: configuration.client, backgroundLogger: logger)
        let store = PostgresStore(client: client, logger: logger, metrics: metrics)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            do {
                try await client.withConnection { connection in
                    try await PostgresMigrations.run(on: connection, logger: logger)
                }
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(
                    .unavailable,
                    "cannot reach PostgreSQL at \(configuration.redactedURL): \(String(reflecting: error))"
                )
            }
            return try await body(store)
        }
    }

    package func transaction<T: Sendable>(
        _ mode: TransactionMode,
        _ body: @escaping @Sendable (any StoreTransaction) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let asked = ContinuousClock.now
                let (logger, metrics) = (logger, metrics)
                return try await withLeasedConnection { connection in
                    if mode == .write { metrics.waited(ContinuousClock.now - asked) }
                    return try await Self.run(mode, on: connection, logger: logger, metrics: metrics, body)
                }
            } catch let error as PSQLError where Self.isRetryable(error) && attempt < Self.attempts {
                // Back off a little, with jitter, so racing instances do not collide again at once.
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
                continue
            } catch let error as PSQLError {
                throw Self.translate(error)
            }
        }
    }

    /// Runs `body` with a connection of the pool, within `TransactionDeadline`'s bounds.
    private func withLeasedConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let client = client
        return try await TransactionDeadline.bounded { leased in
            try await client.withConnection { connection in
                leased()
                return try await body(connection)
            }
        }
    }

    private static func run<T: Sendable>(
        _ mode: TransactionMode,
        on connection: PostgresConnection,
        logger: Logger,
        metrics: WritePathMetrics,
        _ body: @escaping @Sendable (any StoreTransaction) async throws -> T
    ) async throws -> T {
        switch mode {
        case .read: try await connection.statement("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
        case .write: try await connection.statement("BEGIN ISOLATION LEVEL READ COMMITTED", logger: logger)
        }
        do {
            let result = try await body(
                PostgresTransaction(connection: connection, logger: logger, locking: mode == .write)
            )
            let committing = ContinuousClock.now
            try await connection.statement("COMMIT", logger: logger)
            if mode == .write { metrics.committed(batchOf: 1, in: ContinuousClock.now - committing) }
            return result
        } catch {
            // A connection the server ended (a FATAL error, a closed socket) has no transaction left to roll back,
            // and a query sent on it waited forever (postgres-nio 1.33.2, seen while PostgreSQL shut down): then no
            // ROLLBACK is sent.
            if !connection.isClosed, !Self.endedTheConnection(error) {
                try? await connection.statement("ROLLBACK", logger: logger)
            }
            throw error
        }
    }

    /// Whether `error` ended the connection it came from.
    static func endedTheConnection(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return false }
        if [.clientClosedConnection, .serverClosedConnection, .connectionError].contains(error.code) { return true }
        return error.serverInfo?[.severity] == "FATAL"
    }

    static func sqlState(_ error: PSQLError) -> String? {
        error.serverInfo?[.sqlState]
    }

    static func isRetryable(_ error: PSQLError) -> Bool {
        guard let state = sqlState(error) else { return false }
        return [PostgresError.Code.serializationFailure, .deadlockDetected, .uniqueViolation]
            .map(\.raw).contains(state)
    }

    /// A PostgreSQL error as the store reports it; the detail is the SQL state only, never row contents.
    static func translate(_ error: PSQLError) -> StoreError {
        switch sqlState(error) {
        case .some(let state) where isRetryable(error):
            StoreError(.conflict, "transaction kept conflicting (SQL state \(state))")
        case .some(let state):
            StoreError(.unavailable, "PostgreSQL refused a statement (SQL state \(state))")
        case nil:
            StoreError(.unavailable, "PostgreSQL cannot be reached: \(error.code)")
        }
    }

    /// Nothing to run: the client's own loop runs in `withStore`, and a transaction runs in its caller's task.
    package func run() async {}

    /// Nothing to flush: the pool stops when `withStore`'s body returns.
    package func close() async throws {}

    /// Other instances may write to the same database, unseen: no generation, so no reply is kept.
    package var generation: UInt64? { nil }
}
