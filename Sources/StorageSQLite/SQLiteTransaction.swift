import Foundation
import SQLiteNIO
import Storage

/// One open transaction on the store's connection; valid only inside `SQLiteStore.transaction`.
struct SQLiteTransaction: StoreTransaction {
    let connection: SQLiteConnection

    private func encode<T: Encodable>(_ value: T) throws -> SQLiteData {
        .text(try RecordDocument.encode(value))
    }

    private func decode<T: Decodable>(_ rows: [SQLiteRow], as type: T.Type) throws -> [T] {
        try rows.map { row in
            guard let body = row.column("body")?.string else {
                throw StoreError(.corrupt, "a \(T.self) row has no body")
            }
            return try RecordDocument.decode(T.self, from: body)
        }
    }

    private func query(_ sql: String, _ binds: [SQLiteData]) async throws -> [SQLiteRow] {
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

    private static func pageClause(_ page: PageRequest, column: String, binds: inout [SQLiteData]) -> String {
        var clause = ""
        if let after = page.after {
            clause += " AND \(column) > ?"
            binds.append(.text(after))
        }
        clause += " ORDER BY \(column)"
        if let limit = page.limit {
            clause += " LIMIT ?"
            binds.append(.integer(limit))
        }
        return clause
    }

    // MARK: Connections

    func connection(id: String, in scope: Scope) async throws -> ConnectionRecord? {
        let rows = try await query(
            "SELECT body FROM connections WHERE account = ? AND region = ? AND id = ?",
            [.text(scope.account), .text(scope.region), .text(id)]
        )
        return try decode(rows, as: ConnectionRecord.self).first
    }

    func connections(
        of kind: ConnectionRecord.Kind,
        in scope: Scope,
        page: PageRequest
    ) async throws
        -> [ConnectionRecord]
    {
        var binds: [SQLiteData] = [.text(scope.account), .text(scope.region), .text(kind.rawValue)]
        let tail = Self.pageClause(page, column: "id", binds: &binds)
        let rows = try await query(
            "SELECT body FROM connections WHERE account = ? AND region = ? AND kind = ?" + tail,
            binds
        )
        return try decode(rows, as: ConnectionRecord.self)
    }

    func members(ofLag lagId: String, in scope: Scope) async throws -> [ConnectionRecord] {
        let rows = try await query(
            "SELECT body FROM connections WHERE lag_id = ? AND account = ? AND region = ? ORDER BY id",
            [.text(lagId), .text(scope.account), .text(scope.region)]
        )
        return try decode(rows, as: ConnectionRecord.self)
    }

    func save(_ connection: ConnectionRecord, in scope: Scope) async throws {
        _ = try await query(
            """
            INSERT INTO connections (id, account, region, kind, lag_id, body) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (account, region, id) DO UPDATE SET lag_id = excluded.lag_id, body = excluded.body
            """,
            [
                .text(connection.id), .text(scope.account), .text(scope.region), .text(connection.kind.rawValue),
                connection.lagId.map { .text($0) } ?? .null, try encode(connection),
            ]
        )
    }

    func deleteConnection(id: String, in scope: Scope) async throws {
        _ = try await query(
            "DELETE FROM connections WHERE id = ? AND account = ? AND region = ?",
            [.text(id), .text(scope.account), .text(scope.region)]
        )
    }

    // MARK: LAGs

    func lag(id: String, in scope: Scope) async throws -> LagRecord? {
        let rows = try await query(
            "SELECT body FROM lags WHERE id = ? AND account = ? AND region = ?",
            [.text(id), .text(scope.account), .text(scope.region)]
        )
        return try decode(rows, as: LagRecord.self).first
    }

    func lags(in scope: Scope, page: PageRequest) async throws -> [LagRecord] {
        var binds: [SQLiteData] = [.text(scope.account), .text(scope.region)]
        let tail = Self.pageClause(page, column: "id", binds: &binds)
        let rows = try await query("SELECT body FROM lags WHERE account = ? AND region = ?" + tail, binds)
        return try decode(rows, as: LagRecord.self)
    }

    func save(_ lag: LagRecord, in scope: Scope) async throws {
        _ = try await query(
            """
            INSERT INTO lags (id, account, region, body) VALUES (?, ?, ?, ?)
            ON CONFLICT (account, region, id) DO UPDATE SET body = excluded.body
            """,
            [.text(lag.id), .text(scope.account), .text(scope.region), try encode(lag)]
        )
    }

    func deleteLag(id: String, in scope: Scope) async throws {
        _ = try await query(
            "DELETE FROM lags WHERE id = ? AND account = ? AND region = ?",
            [.text(id), .text(scope.account), .text(scope.region)]
        )
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
        let tail = Self.pageClause(page, column: "arn", binds: &binds)
        let rows = try await query("SELECT body FROM secrets WHERE account = ? AND region = ?" + tail, binds)
        return try decode(rows, as: SecretRecord.self)
    }

    func save(_ secret: SecretRecord, in scope: Scope) async throws {
        _ = try await query(
            """
            INSERT INTO secrets (arn, account, region, name, body) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (account, region, arn) DO UPDATE SET name = excluded.name, body = excluded.body
            """,
            [.text(secret.arn), .text(scope.account), .text(scope.region), .text(secret.name), try encode(secret)]
        )
    }

    func deleteSecret(arn: String, in scope: Scope) async throws {
        _ = try await query(
            "DELETE FROM secrets WHERE arn = ? AND account = ? AND region = ?",
            [.text(arn), .text(scope.account), .text(scope.region)]
        )
    }

    func secretsInEveryScope(after arn: String?, limit: Int) async throws -> [ScopedSecret] {
        let rows = try await query(
            "SELECT account, region, body FROM secrets WHERE arn > ? ORDER BY arn LIMIT ?",
            [.text(arn ?? ""), .integer(limit)]
        )
        let secrets = try decode(rows, as: SecretRecord.self)
        return try zip(rows, secrets).map { row, secret in
            guard let account = row.column("account")?.string, let region = row.column("region")?.string else {
                throw StoreError(.corrupt, "a secret row has no scope")
            }
            return ScopedSecret(scope: Scope(account: account, region: region), secret: secret)
        }
    }
}
