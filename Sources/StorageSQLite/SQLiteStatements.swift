import Foundation
import Storage

/// The SQL the store runs on one SQLite connection: secrets, which are read from disk, and the writes of a batch.
struct SQLiteStatements: Sendable {
    let connection: SQLiteHandle

    func execute(_ sql: String, _ binds: [SQLValue] = []) async throws {
        try await connection.execute(sql, binds)
    }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try await connection.query(sql, binds)
    }

    private func decode<T: RecordDocument.Readable>(_ rows: [SQLRow], as type: T.Type) throws -> [T] {
        try rows.map { row in
            guard let body = row.column("body")?.string else {
                throw StoreError(.corrupt, "a \(T.self) row has no body")
            }
            return try RecordDocument.decode(T.self, from: body)
        }
    }

    private static func scope(of row: SQLRow) throws -> Scope {
        guard let account = row.column("account")?.string, let region = row.column("region")?.string else {
            throw StoreError(.corrupt, "a row has no scope")
        }
        return Scope(account: account, region: region)
    }

    // MARK: Loading

    /// Every connection and LAG, with its scope, read in chunks so that no large result is held at once.
    func loadTables() async throws -> [Scope: ScopeTables] {
        // Gathered per scope first, so that each scope's tables are made at their final size: growing a table of
        // 100,000 connections one record at a time moved them all at every doubling (a sixth of start-up).
        var connections: [Scope: [ConnectionRecord]] = [:]
        var lags: [Scope: [LagRecord]] = [:]
        try await scan("connections") { (scope, record: ConnectionRecord) in
            connections[scope, default: []].append(record)
        }
        try await scan("lags") { (scope, record: LagRecord) in lags[scope, default: []].append(record) }
        var tables: [Scope: ScopeTables] = [:]
        for scope in Set(connections.keys).union(lags.keys) {
            tables[scope] = ScopeTables(connections: connections[scope] ?? [], lags: lags[scope] ?? [])
        }
        return tables
    }

    private func scan<T: RecordDocument.Readable>(_ table: String, _ body: (Scope, T) -> Void) async throws {
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
        var binds: [SQLValue] = [.text(scope.account), .text(scope.region)]
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

    func secretsInEveryScope(after position: SecretPosition?, limit: Int) async throws -> [ScopedSecret] {
        let start = position ?? SecretPosition(scope: Scope(account: "", region: ""), arn: "")
        let rows = try await query(
            """
            SELECT account, region, body FROM secrets WHERE (account, region, arn) > (?, ?, ?)
                ORDER BY account, region, arn LIMIT ?
            """,
            [.text(start.scope.account), .text(start.scope.region), .text(start.arn), .integer(limit)]
        )
        return try zip(rows, decode(rows, as: SecretRecord.self)).map { row, secret in
            ScopedSecret(scope: try Self.scope(of: row), secret: secret)
        }
    }

    // MARK: Writing

    /// Commits a batch, on the connection's thread: BEGIN IMMEDIATE unless a body already began the transaction,
    /// the rows, COMMIT (which, with `synchronous=FULL`, syncs the log). On failure the transaction is rolled back,
    /// and nothing of the batch stays.
    ///
    /// `stored`: the committed tables, when they hold exactly what the database holds (no write of the batch reached
    /// SQLite before), so that a connection's `lag_id` is compared there rather than in SQLite.
    static func commit(
        _ writes: PendingWrites,
        stored: CommittedTables?,
        on connection: SQLiteHandle.Connection
    ) throws {
        if !connection.inTransaction { try connection.execute("BEGIN IMMEDIATE") }
        do {
            try write(writes, stored: stored, on: connection)
            try connection.execute("COMMIT")
        } catch {
            if connection.inTransaction { try? connection.execute("ROLLBACK") }
            throw error
        }
    }

    /// Writes pending records inside the open transaction (before a listing that SQLite answers).
    func write(_ writes: PendingWrites) async throws {
        try await connection.perform { try Self.write(writes, stored: nil, on: $0) }
    }

    /// Rolls back the open transaction, if there is one.
    func rollback() async {
        try? await connection.perform { connection in
            if connection.inTransaction { try connection.execute("ROLLBACK") }
        }
    }

    /// Whether a connection's saved `lag_id` may differ from its record's. Without `stored`, SQLite compares; a row
    /// `stored` lacks does not exist yet, and its INSERT sets the column.
    private static func lagMayChange(_ record: ConnectionRecord, _ key: RecordKey, stored: CommittedTables?) -> Bool {
        guard let stored else { return true }
        guard let saved = stored.connection(id: key.id, in: key.scope) else { return false }
        return saved.lagId != record.lagId
    }

    /// Writes each pending record with its kept statement, deletions first, so that a name a deleted secret held can
    /// be taken in the same batch. A connection's `lag_id` is set only when it changes: setting it rewrites its index
    /// entry, which nearly doubled the pages a batch of connection updates wrote to the log; where `stored` holds the
    /// row as the database does, it tells whether it changes, and SQLite is not asked.
    private static func write(
        _ writes: PendingWrites,
        stored: CommittedTables?,
        on connection: SQLiteHandle.Connection
    ) throws {
        func scoped(_ key: RecordKey) -> [SQLValue] { [.text(key.scope.account), .text(key.scope.region)] }
        for (key, record) in writes.connections where record == nil {
            try connection.execute(
                "DELETE FROM connections WHERE account = ? AND region = ? AND id = ?",
                scoped(key) + [.text(key.id)]
            )
        }
        for (key, record) in writes.lags where record == nil {
            try connection.execute(
                "DELETE FROM lags WHERE account = ? AND region = ? AND id = ?",
                scoped(key) + [.text(key.id)]
            )
        }
        for (key, record) in writes.secrets where record == nil {
            try connection.execute(
                "DELETE FROM secrets WHERE account = ? AND region = ? AND arn = ?",
                scoped(key) + [.text(key.id)]
            )
        }
        for case (let key, let record?) in writes.connections {
            let lagId: SQLValue = record.lagId.map { .text($0) } ?? .null
            if lagMayChange(record, key, stored: stored) {
                try connection.execute(
                    "UPDATE connections SET lag_id = ? WHERE account = ? AND region = ? AND id = ? AND lag_id IS NOT ?",
                    [lagId] + scoped(key) + [.text(record.id), lagId]
                )
            }
            try connection.execute(
                """
                INSERT INTO connections (account, region, id, kind, lag_id, body) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (account, region, id) DO UPDATE SET body = excluded.body
                """,
                scoped(key) + [
                    .text(record.id), .text(record.kind.rawValue), lagId, .text(RecordDocument.encode(record)),
                ]
            )
        }
        for case (let key, let record?) in writes.lags {
            try connection.execute(
                """
                INSERT INTO lags (account, region, id, body) VALUES (?, ?, ?, ?)
                    ON CONFLICT (account, region, id) DO UPDATE SET body = excluded.body
                """,
                scoped(key) + [.text(record.id), .text(RecordDocument.encode(record))]
            )
        }
        for case (let key, let record?) in writes.secrets {
            try connection.execute(
                """
                INSERT INTO secrets (account, region, arn, name, body) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (account, region, arn) DO UPDATE SET name = excluded.name, body = excluded.body
                """,
                scoped(key) + [.text(record.arn), .text(record.name), .text(RecordDocument.encode(record))]
            )
        }
    }
}
