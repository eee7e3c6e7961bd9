import Foundation
import SQLiteNIO
import Storage

/// The SQL the store runs on one SQLite connection: secrets, which are read from disk, and the writes of a batch.
struct SQLiteStatements: Sendable {
    let connection: SQLiteConnection

    func execute(_ sql: String, _ binds: [SQLiteData] = []) async throws {
        _ = try await query(sql, binds)
    }

    func query(_ sql: String, _ binds: [SQLiteData]) async throws -> [SQLiteRow] {
        do {
            return try await connection.query(sql, binds)
        } catch let error as SQLiteError
            where [.constraint, .constraintUniqueFailed, .constraintPrimaryKeyFailed].contains(error.reason)
        {
            throw StoreError(.conflict, "constraint violated")
        } catch {
            throw StoreError(.unavailable, "query failed: \(error)")
        }
    }

    private func decode<T: Decodable>(_ rows: [SQLiteRow], as type: T.Type) throws -> [T] {
        try rows.map { row in
            guard let body = row.column("body")?.string else {
                throw StoreError(.corrupt, "a \(T.self) row has no body")
            }
            return try RecordDocument.decode(T.self, from: body)
        }
    }

    private static func scope(of row: SQLiteRow) throws -> Scope {
        guard let account = row.column("account")?.string, let region = row.column("region")?.string else {
            throw StoreError(.corrupt, "a row has no scope")
        }
        return Scope(account: account, region: region)
    }

    // MARK: Loading

    /// Every connection and LAG, with its scope, read in chunks so that no large result is held at once.
    func loadTables() async throws -> [Scope: ScopeTables] {
        var tables: [Scope: ScopeTables] = [:]
        try await scan("connections") { (scope, record: ConnectionRecord) in
            tables[scope, default: ScopeTables()].put(record)
        }
        try await scan("lags") { (scope, record: LagRecord) in tables[scope, default: ScopeTables()].put(record) }
        return tables
    }

    private func scan<T: Decodable>(_ table: String, _ body: (Scope, T) -> Void) async throws {
        var after = 0
        while true {
            let rows = try await query(
                "SELECT rowid, account, region, body FROM \(table) WHERE rowid > ? ORDER BY rowid LIMIT 2000",
                [.integer(after)]
            )
            for (row, record) in zip(rows, try decode(rows, as: T.self)) {
                body(try Self.scope(of: row), record)
            }
            guard rows.count == 2000, let last = rows.last?.column("rowid")?.integer else { return }
            after = last
        }
    }

    /// The names of every secret, by scope.
    func loadSecretNames() async throws -> [Scope: Set<String>] {
        var names: [Scope: Set<String>] = [:]
        var after = 0
        while true {
            let rows = try await query(
                "SELECT rowid, account, region, name FROM secrets WHERE rowid > ? ORDER BY rowid LIMIT 5000",
                [.integer(after)]
            )
            for row in rows {
                guard let name = row.column("name")?.string else { throw StoreError(.corrupt, "a secret has no name") }
                names[try Self.scope(of: row), default: []].insert(name)
            }
            guard rows.count == 5000, let last = rows.last?.column("rowid")?.integer else { return names }
            after = last
        }
    }

    // MARK: Secrets

    func secret(arn: String, in scope: Scope) async throws -> SecretRecord? {
        let rows = try await query(
            "SELECT body FROM secrets WHERE arn = ? AND account = ? AND region = ?",
            [.text(arn), .text(scope.account), .text(scope.region)]
        )
        return try decode(rows, as: SecretRecord.self).first
    }

    func secret(name: String, in scope: Scope) async throws -> SecretRecord? {
        let rows = try await query(
            "SELECT body FROM secrets WHERE name = ? AND account = ? AND region = ?",
            [.text(name), .text(scope.account), .text(scope.region)]
        )
        return try decode(rows, as: SecretRecord.self).first
    }

    func secrets(in scope: Scope, page: PageRequest) async throws -> [SecretRecord] {
        var binds: [SQLiteData] = [.text(scope.account), .text(scope.region)]
        var sql = "SELECT body FROM secrets WHERE account = ? AND region = ?"
        if let after = page.after {
            sql += " AND arn > ?"
            binds.append(.text(after))
        }
        sql += " ORDER BY arn"
        if let limit = page.limit {
            sql += " LIMIT ?"
            binds.append(.integer(limit))
        }
        return try decode(try await query(sql, binds), as: SecretRecord.self)
    }

    func secretsInEveryScope(after arn: String?, limit: Int) async throws -> [ScopedSecret] {
        let rows = try await query(
            "SELECT account, region, body FROM secrets WHERE arn > ? ORDER BY arn LIMIT ?",
            [.text(arn ?? ""), .integer(limit)]
        )
        return try zip(rows, decode(rows, as: SecretRecord.self)).map { row, secret in
            ScopedSecret(scope: try Self.scope(of: row), secret: secret)
        }
    }

    // MARK: Writing

    /// The writes of a batch reach SQLite through one temporary view, whose trigger puts each row into its table:
    /// a batch of any mix of records is one statement, one hop to sqlite-nio's thread pool and back. A batch whose
    /// writes fit one statement needs no transaction of its own (`SQLiteStore.run`): the statement commits, and
    /// syncs, by itself. A connection's `lag_id` is only set when it changes: setting it rewrites its index entry,
    /// which nearly doubled the pages a batch of connection updates wrote to the log.
    static let batchWriteSchema = [
        """
        CREATE TEMP VIEW pending_writes (target, deleted, id, account, region, kind, lag_id, name, body)
            AS SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL WHERE 0
        """,
        """
        CREATE TEMP TRIGGER pending_writes_apply INSTEAD OF INSERT ON pending_writes BEGIN
            DELETE FROM connections WHERE NEW.target = 'connection' AND NEW.deleted
                AND account = NEW.account AND region = NEW.region AND id = NEW.id;
            DELETE FROM lags WHERE NEW.target = 'lag' AND NEW.deleted
                AND account = NEW.account AND region = NEW.region AND id = NEW.id;
            DELETE FROM secrets WHERE NEW.target = 'secret' AND NEW.deleted
                AND account = NEW.account AND region = NEW.region AND arn = NEW.id;
            UPDATE connections SET lag_id = NEW.lag_id
                WHERE NEW.target = 'connection' AND NOT NEW.deleted
                AND account = NEW.account AND region = NEW.region AND id = NEW.id AND lag_id IS NOT NEW.lag_id;
            INSERT INTO connections (id, account, region, kind, lag_id, body)
                SELECT NEW.id, NEW.account, NEW.region, NEW.kind, NEW.lag_id, NEW.body
                WHERE NEW.target = 'connection' AND NOT NEW.deleted
                ON CONFLICT (account, region, id) DO UPDATE SET body = excluded.body;
            INSERT INTO lags (id, account, region, body)
                SELECT NEW.id, NEW.account, NEW.region, NEW.body
                WHERE NEW.target = 'lag' AND NOT NEW.deleted
                ON CONFLICT (account, region, id) DO UPDATE SET body = excluded.body;
            INSERT INTO secrets (arn, account, region, name, body)
                SELECT NEW.id, NEW.account, NEW.region, NEW.name, NEW.body
                WHERE NEW.target = 'secret' AND NOT NEW.deleted
                ON CONFLICT (account, region, arn) DO UPDATE SET name = excluded.name, body = excluded.body;
        END
        """,
    ]

    /// Creates the view and its trigger (temporary objects belong to the connection that made them).
    func prepareBatchWrites() async throws {
        for sql in Self.batchWriteSchema { try await execute(sql) }
    }

    /// Rows a statement: nine parameters each, well below SQLite's limit of 32,766 parameters.
    static let rowsPerStatement = 3_000

    /// The number of statements `write` runs for these writes.
    static func statementCount(for writes: PendingWrites) -> Int {
        (writes.count + rowsPerStatement - 1) / rowsPerStatement
    }

    /// Writes pending records through the view, deletions first, so that a name a deleted secret held can be taken
    /// in the same batch.
    func write(_ writes: PendingWrites) async throws {
        var rows: [[SQLiteData]] = []
        rows.reserveCapacity(writes.count)
        func deleted(_ target: String, _ key: RecordKey) -> [SQLiteData] {
            [.text(target), .integer(1), .text(key.id), .text(key.scope.account), .text(key.scope.region)]
                + [.null, .null, .null, .null]
        }
        for (key, record) in writes.connections where record == nil { rows.append(deleted("connection", key)) }
        for (key, record) in writes.lags where record == nil { rows.append(deleted("lag", key)) }
        for (key, record) in writes.secrets where record == nil { rows.append(deleted("secret", key)) }
        for case (let key, let record?) in writes.connections {
            rows.append([
                .text("connection"), .integer(0), .text(record.id), .text(key.scope.account),
                .text(key.scope.region), .text(record.kind.rawValue), record.lagId.map { .text($0) } ?? .null, .null,
                .text(RecordDocument.encode(record)),
            ])
        }
        for case (let key, let record?) in writes.lags {
            rows.append([
                .text("lag"), .integer(0), .text(record.id), .text(key.scope.account), .text(key.scope.region),
                .null, .null, .null, .text(RecordDocument.encode(record)),
            ])
        }
        for case (let key, let record?) in writes.secrets {
            rows.append([
                .text("secret"), .integer(0), .text(record.arn), .text(key.scope.account), .text(key.scope.region),
                .null, .null, .text(record.name), .text(RecordDocument.encode(record)),
            ])
        }
        for start in stride(from: 0, to: rows.count, by: Self.rowsPerStatement) {
            let chunk = rows[start..<min(start + Self.rowsPerStatement, rows.count)]
            let placeholders = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count)
                .joined(separator: ", ")
            try await execute("INSERT INTO pending_writes VALUES \(placeholders)", Array(chunk.joined()))
        }
    }
}
