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

    /// Writes pending records, many rows a statement: deletions first, so that a name a deleted secret held can be
    /// taken in the same batch.
    func write(_ writes: PendingWrites) async throws {
        let deletedConnections = writes.connections.filter { $0.value == nil }.map(\.key)
        let deletedLags = writes.lags.filter { $0.value == nil }.map(\.key)
        let deletedSecrets = writes.secrets.filter { $0.value == nil }.map(\.key)
        try await delete(deletedConnections, from: "connections", key: "id")
        try await delete(deletedLags, from: "lags", key: "id")
        try await delete(deletedSecrets, from: "secrets", key: "arn")

        try await upsert(
            writes.connections.compactMap { key, record in record.map { (key.scope, $0) } },
            into: "connections (id, account, region, kind, lag_id, body)",
            conflict: "(account, region, id) DO UPDATE SET lag_id = excluded.lag_id, body = excluded.body"
        ) { scope, record in
            [
                .text(record.id), .text(scope.account), .text(scope.region), .text(record.kind.rawValue),
                record.lagId.map { .text($0) } ?? .null, .text(RecordDocument.encode(record)),
            ]
        }
        try await upsert(
            writes.lags.compactMap { key, record in record.map { (key.scope, $0) } },
            into: "lags (id, account, region, body)",
            conflict: "(account, region, id) DO UPDATE SET body = excluded.body"
        ) { scope, record in
            [.text(record.id), .text(scope.account), .text(scope.region), .text(RecordDocument.encode(record))]
        }
        try await upsert(
            writes.secrets.compactMap { key, record in record.map { (key.scope, $0) } },
            into: "secrets (arn, account, region, name, body)",
            conflict: "(account, region, arn) DO UPDATE SET name = excluded.name, body = excluded.body"
        ) { scope, record in
            [
                .text(record.arn), .text(scope.account), .text(scope.region), .text(record.name),
                .text(RecordDocument.encode(record)),
            ]
        }
    }

    /// Rows a statement: well below SQLite's limit of 32,766 parameters.
    private static let rowsPerStatement = 200

    private func delete(_ keys: [RecordKey], from table: String, key column: String) async throws {
        for start in stride(from: 0, to: keys.count, by: Self.rowsPerStatement) {
            let chunk = keys[start..<min(start + Self.rowsPerStatement, keys.count)]
            let tuples = Array(repeating: "(?, ?, ?)", count: chunk.count).joined(separator: ", ")
            try await execute(
                "DELETE FROM \(table) WHERE (account, region, \(column)) IN (VALUES \(tuples))",
                chunk.flatMap { [.text($0.scope.account), .text($0.scope.region), .text($0.id)] }
            )
        }
    }

    private func upsert<Record>(
        _ records: [(Scope, Record)],
        into table: String,
        conflict: String,
        binds: (Scope, Record) throws -> [SQLiteData]
    ) async throws {
        for start in stride(from: 0, to: records.count, by: Self.rowsPerStatement) {
            let chunk = records[start..<min(start + Self.rowsPerStatement, records.count)]
            var values: [SQLiteData] = []
            for (scope, record) in chunk { values += try binds(scope, record) }
            let width = values.count / chunk.count
            let row = "(" + Array(repeating: "?", count: width).joined(separator: ", ") + ")"
            let rows = Array(repeating: row, count: chunk.count).joined(separator: ", ")
            try await execute("INSERT INTO \(table) VALUES \(rows) ON CONFLICT \(conflict)", values)
        }
    }
}
