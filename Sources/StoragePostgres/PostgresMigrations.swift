import Logging
import PostgresNIO
import Storage

/// The schema versions, in the same meaning as the SQLite store's; applied at start-up under an advisory lock,
/// so instances starting together apply each step once.
enum PostgresMigrations {
    /// An arbitrary constant that names dxlocal's migration lock.
    static let lockKey = 4_587_001

    static let steps = SchemaVersion.steps

    static func run(on connection: PostgresConnection, logger: Logger) async throws {
        precondition(steps.count == SchemaVersion.current, "every schema version needs its PostgreSQL step")
        try await connection.query("BEGIN", logger: logger)
        do {
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS dxlocal_schema (version INTEGER NOT NULL)",
                logger: logger
            )
            var applied = 0
            for try await version in try await connection.query(
                "SELECT version FROM dxlocal_schema",
                logger: logger
            ).decode(Int.self) {
                applied = max(applied, version)
            }
            if applied > steps.count {
                throw StoreError(.schemaTooNew, "database schema \(applied) is newer than this build's \(steps.count)")
            }
            if applied < steps.count {
                for version in (applied + 1)...steps.count {
                    for statement in steps[version - 1] {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    logger.info("applied schema migration", metadata: ["version": "\(version)"])
                }
                try await connection.query("DELETE FROM dxlocal_schema", logger: logger)
                try await connection.query(
                    "INSERT INTO dxlocal_schema (version) VALUES (\(steps.count))",
                    logger: logger
                )
            }
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }
}
