import Logging
import SQLiteNIO
import Storage

/// Schema versions, applied in order at start-up; `PRAGMA user_version` records the last one applied.
enum SQLiteMigrations {
    static let steps = SchemaVersion.steps

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
