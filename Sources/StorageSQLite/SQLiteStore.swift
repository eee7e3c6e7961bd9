import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import Storage
import Synchronization

/// The embedded default store: one SQLite database in WAL mode, one transaction at a time.
///
/// Records are kept as JSON documents beside the columns that scope and order them, so the schema's meaning
/// is the same as the PostgreSQL store's.
package final class SQLiteStore: Store {
    package enum Location: Sendable, Hashable {
        case memory
        case file(path: String)
    }

    private let connection: SQLiteConnection
    private let gate = TransactionGate()
    private let closed = Mutex(false)
    private let logger: Logger

    private init(connection: SQLiteConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Opens (creating when missing) the database and brings its schema up to date.
    package static func open(
        _ location: Location,
        logger: Logger = Logger(label: "dxlocal.sqlite")
    ) async throws
        -> SQLiteStore
    {
        let storage: SQLiteConnection.Storage
        switch location {
        case .memory: storage = .memory
        case .file(let path): storage = .file(path: path)
        }
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(storage: storage, logger: logger)
        } catch {
            throw StoreError(.unavailable, "cannot open the SQLite database: \(error)")
        }
        let store = SQLiteStore(connection: connection, logger: logger)
        do {
            if case .file = location {
                _ = try await connection.query("PRAGMA journal_mode=WAL", [])
                // FULL: a transaction is on disk before its request is answered, also across power loss.
                _ = try await connection.query("PRAGMA synchronous=FULL", [])
            }
            _ = try await connection.query("PRAGMA busy_timeout=5000", [])
            try await SQLiteMigrations.run(on: connection, logger: logger)
        } catch {
            try? await connection.close()
            if let storeError = error as? StoreError { throw storeError }
            throw StoreError(.unavailable, "cannot prepare the SQLite database: \(error)")
        }
        return store
    }

    package func transaction<T: Sendable>(
        _ mode: TransactionMode,
        _ body: @Sendable (any StoreTransaction) async throws -> T
    ) async throws -> T {
        await gate.enter()
        do {
            let result = try await run(mode, body)
            await gate.leave()
            return result
        } catch {
            await gate.leave()
            throw error
        }
    }

    private func run<T: Sendable>(
        _ mode: TransactionMode,
        _ body: @Sendable (any StoreTransaction) async throws -> T
    ) async throws -> T {
        if closed.withLock({ $0 }) { throw StoreError(.unavailable, "the store is closed") }
        try await execute(mode == .write ? "BEGIN IMMEDIATE" : "BEGIN")
        let transaction = SQLiteTransaction(connection: connection)
        let result: T
        do {
            result = try await body(transaction)
        } catch {
            try? await execute("ROLLBACK")
            throw error
        }
        do {
            try await execute("COMMIT")
        } catch {
            try? await execute("ROLLBACK")
            throw error
        }
        return result
    }

    private func execute(_ sql: String) async throws {
        do {
            _ = try await connection.query(sql, [])
        } catch {
            throw StoreError(.unavailable, "\(sql) failed: \(error)")
        }
    }

    package func close() async throws {
        await gate.enter()
        let wasClosed = closed.withLock { value in
            defer { value = true }
            return value
        }
        if !wasClosed {
            _ = try? await connection.query("PRAGMA optimize", [])
            try await connection.close()
        }
        await gate.leave()
    }
}
