import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresNIO
import Storage

#if canImport(Glibc)
import Glibc
#endif

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
        try await prepare(configuration, logger: logger)
        let client = PostgresClient(configuration: configuration.client, backgroundLogger: logger)
        let store = PostgresStore(client: client, logger: logger, metrics: metrics)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(store)
        }
    }

    /// Brings the schema up to date on a connection of its own, before the pool starts. The pool keeps trying an
    /// unreachable server for ever, and its failures are not errors to its caller; a start must instead end with
    /// the reason (our choice): PostgreSQL not answering is tried again half a second after each failed attempt
    /// for `configuration.reachWithin` (a database started beside dxlocal, in a compose file or a CI job, takes a
    /// few seconds), each attempt bounded by what is left of it (at least a second); PostgreSQL refusing (the login,
    /// the database's name, TLS) ends the start at once.
    static func prepare(_ configuration: PostgresStoreConfiguration, logger: Logger) async throws {
        let started = ContinuousClock.now
        while true {
            // An attempt lasts at most what is left of the wait (at least a second; postgres-nio's own bound is 10 s),
            // so a server that takes the connection and never answers does not hold the start past it.
            var attempt = configuration.connection
            let left = configuration.reachWithin - (ContinuousClock.now - started)
            attempt.options.connectTimeout = max(.seconds(1), min(attempt.options.connectTimeout, TimeAmount(left)))
            let connection: PostgresConnection
            do {
                connection = try await PostgresConnection.connect(configuration: attempt, id: 0, logger: logger)
            } catch {
                let reason = Self.startFailure(error)
                guard reason.retry, ContinuousClock.now - started < configuration.reachWithin else {
                    let tried = reason.retry ? " (tried for \(configuration.reachWithin))" : ""
                    throw StoreError(
                        .unavailable,
                        "cannot reach PostgreSQL at \(configuration.redactedURL)\(tried): \(reason.text)"
                    )
                }
                logger.warning(
                    "PostgreSQL does not answer yet; trying again",
                    metadata: ["database": "\(configuration.redactedURL)", "reason": "\(reason.text)"]
                )
                try await Task.sleep(for: .milliseconds(500))
                continue
            }
            do {
                try await PostgresMigrations.run(on: connection, logger: logger)
            } catch {
                try? await connection.close()
                if let error = error as? PSQLError { throw Self.translate(error) }
                throw error
            }
            try await connection.close()
            return
        }
    }

    /// Why a connection could not be made, in words that name no secret, and whether trying again may help: a
    /// server that does not answer or is starting up (SQL state 57P03) may answer later; one that refuses the login,
    /// the database, TLS or the way of signing in will not.
    static func startFailure(_ error: any Error) -> (text: String, retry: Bool) {
        guard let error = error as? PSQLError else { return (String(describing: error), true) }
        if let state = sqlState(error) {
            let message = error.serverInfo?[.message].map { ": \($0)" } ?? ""
            return ("PostgreSQL refused (SQL state \(state))\(message)", state == "57P03")
        }
        let settled: [PSQLError.Code: String] = [
            .sslUnsupported: "PostgreSQL does not offer TLS, which sslmode=require asks for",
            .unsupportedAuthMechanism: "PostgreSQL asks for a way of signing in that the client does not offer",
            .authMechanismRequiresPassword: "PostgreSQL asks for a password, and the URL has none",
            .saslError: "PostgreSQL refused the SCRAM sign-in",
        ]
        if let text = settled[error.code] { return (text, false) }
        if let underlying = error.underlying { return (unreached(underlying), true) }
        return ("\(error.code)", true)
    }

    /// Why nothing answered, in a few words: each address tried with the C library's words for what refused it,
    /// or the name that did not resolve (NIO's own texts are its types' debug descriptions).
    static func unreached(_ error: any Error) -> String {
        switch error {
        case let error as NIOConnectionError:
            if let dns = error.dnsAError ?? error.dnsAAAAError {
                return "cannot resolve \(error.host): \(unreached(dns))"
            }
            let tried = error.connectionErrors.map { failure in
                let host = failure.target.ipAddress.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "\(failure.target)"
                return "\(host):\(failure.target.port ?? error.port): \(unreached(failure.error))"
            }
            return tried.isEmpty ? "no address of \(error.host) to connect to" : tried.joined(separator: "; ")
        case let error as IOError: return String(cString: strerror(error.errnoCode))
        case let error as SocketAddressError.UnknownHost: return error.errorDescription
        default: return String(describing: error)
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
