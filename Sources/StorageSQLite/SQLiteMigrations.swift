import Logging
import SQLiteNIO
import Storage

/// Schema versions, applied in order at start-up; `PRAGMA user_version` records the last one applied.
enum SQLiteMigrations {
    static let steps: [[String]] = [
        // 1: the documents and the columns that scope, order and find them.
        [
            """
            CREATE TABLE connections (
                account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL,
                kind TEXT NOT NULL, lag_id TEXT, body TEXT NOT NULL, PRIMARY KEY (account, region, id))
            """,
            "CREATE INDEX connections_kind ON connections (account, region, kind, id)",
            "CREATE INDEX connections_lag ON connections (account, region, lag_id)",
            """
            CREATE TABLE lags (
                account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,
                PRIMARY KEY (account, region, id))
            """,
            """
            CREATE TABLE secrets (
                account TEXT NOT NULL, region TEXT NOT NULL, arn TEXT NOT NULL,
                name TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (account, region, arn))
            """,
            "CREATE UNIQUE INDEX secrets_name ON secrets (account, region, name)",
        ]
    ]

    static func run(on connection: SQLiteConnection, logger: Logger) async throws {
        precondition(steps.count == SchemaVersion.current, "every schema version needs its SQLite step")
        let rows = try await connection.query("PRAGMA user_version", [])
        let applied = rows.first?.column("user_version")?.integer ?? 0
        if applied > steps.count {
            throw StoreError(.schemaTooNew, "database schema \(applied) is newer than this build's \(steps.count)")
        }
        guard applied < steps.count else { return }
        _ = try await connection.query("BEGIN IMMEDIATE", [])
        do {
            for version in (applied + 1)...steps.count {
                for statement in steps[version - 1] {
                    _ = try await connection.query(statement, [])
                }
                _ = try await connection.query("PRAGMA user_version = \(version)", [])
                logger.info("applied schema migration", metadata: ["version": "\(version)"])
            }
            _ = try await connection.query("COMMIT", [])
        } catch {
            _ = try? await connection.query("ROLLBACK", [])
            throw error
        }
    }
}
