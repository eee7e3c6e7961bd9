import Logging
import Storage

/// Schema versions, applied in order at start-up; `PRAGMA user_version` records the last one applied.
enum SQLiteMigrations {
    static let steps = SchemaVersion.steps

    /// Applies the versions this database lacks, all in one transaction.
    static func run(on database: SQLiteHandle, logger: Logger) async throws {
        precondition(steps.count == SchemaVersion.current, "every schema version needs its SQLite step")
        let steps = steps
        let applied: ClosedRange<Int>? = try await database.perform { connection in
            let applied = try connection.query("PRAGMA user_version").first?.column("user_version")?.integer ?? 0
            if applied > steps.count {
                throw StoreError(.schemaTooNew, "database schema \(applied) is newer than this build's \(steps.count)")
            }
            guard applied < steps.count else { return nil }
            try connection.execute("BEGIN IMMEDIATE")
            do {
                for version in (applied + 1)...steps.count {
                    for statement in steps[version - 1] { try connection.execute(statement) }
                    try connection.execute("PRAGMA user_version = \(version)")
                }
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
            return (applied + 1)...steps.count
        }
        guard let applied else { return }
        for version in applied {
            logger.info("applied schema migration", metadata: ["version": "\(version)"])
        }
    }
}
