import Foundation
import Logging
import PostgresNIO
import Storage

/// One open transaction on a leased connection; valid only inside `PostgresStore.transaction`.
struct PostgresTransaction: StoreTransaction {
    let connection: PostgresConnection
    let logger: Logger
    /// In a write transaction every read locks its rows, so writers of the same target queue up.
    let locking: Bool

    private var lock: String { locking ? " FOR UPDATE" : "" }

    private func decode<T: RecordDocument.Readable>(_ bodies: [String], as type: T.Type) throws -> [T] {
        try bodies.map { try RecordDocument.decode(T.self, from: $0) }
    }

    private func bodies(_ query: PostgresQuery) async throws -> [String] {
        var result: [String] = []
        for try await body in try await connection.query(query, logger: logger).decode(String.self) {
            result.append(body)
        }
        return result
    }

    private func execute(_ query: PostgresQuery) async throws {
        try await connection.query(query, logger: logger)
    }

    // MARK: Connections

    func connection(id: String, in scope: Scope) async throws -> ConnectionRecord? {
        try decode(
            await bodies(
                "SELECT body FROM connections WHERE account = \(scope.account) AND region = \(scope.region) AND id = \(id)\(unescaped: lock)"
            ),
            as: ConnectionRecord.self
        ).first
    }

    func connections(
        of kind: ConnectionRecord.Kind,
        in scope: Scope,
        page: PageRequest
    ) async throws
        -> [ConnectionRecord]
    {
        try decode(
            await bodies(
                """
                SELECT body FROM connections WHERE account = \(scope.account) AND region = \(scope.region)
                AND kind = \(kind.rawValue) AND id > \(page.after ?? "") ORDER BY id LIMIT \(page.limit)\(unescaped: lock)
                """
            ),
            as: ConnectionRecord.self
        )
    }

    func members(ofLag lagId: String, in scope: Scope) async throws -> [ConnectionRecord] {
        try decode(
            await bodies(
                """
                SELECT body FROM connections WHERE account = \(scope.account) AND region = \(scope.region)
                AND lag_id = \(lagId) ORDER BY id\(unescaped: lock)
                """
            ),
            as: ConnectionRecord.self
        )
    }

    func save(_ connection: ConnectionRecord, in scope: Scope) async throws {
        try await execute(
            """
            INSERT INTO connections (account, region, id, kind, lag_id, body)
            VALUES (\(scope.account), \(scope.region), \(connection.id), \(connection.kind.rawValue),
                    \(connection.lagId), \(RecordDocument.encode(connection)))
            ON CONFLICT (account, region, id) DO UPDATE SET lag_id = excluded.lag_id, body = excluded.body
            """
        )
    }

    func deleteConnection(id: String, in scope: Scope) async throws {
        try await execute(
            "DELETE FROM connections WHERE account = \(scope.account) AND region = \(scope.region) AND id = \(id)"
        )
    }

    // MARK: LAGs

    func lag(id: String, in scope: Scope) async throws -> LagRecord? {
        try decode(
            await bodies(
                "SELECT body FROM lags WHERE account = \(scope.account) AND region = \(scope.region) AND id = \(id)\(unescaped: lock)"
            ),
            as: LagRecord.self
        ).first
    }

    func lags(in scope: Scope, page: PageRequest) async throws -> [LagRecord] {
        try decode(
            await bodies(
                """
                SELECT body FROM lags WHERE account = \(scope.account) AND region = \(scope.region)
                AND id > \(page.after ?? "") ORDER BY id LIMIT \(page.limit)\(unescaped: lock)
                """
            ),
            as: LagRecord.self
        )
    }

    func save(_ lag: LagRecord, in scope: Scope) async throws {
        try await execute(
            """
            INSERT INTO lags (account, region, id, body) VALUES (\(scope.account), \(scope.region), \(lag.id),
                    \(RecordDocument.encode(lag)))
            ON CONFLICT (account, region, id) DO UPDATE SET body = excluded.body
            """
        )
    }

    func deleteLag(id: String, in scope: Scope) async throws {
        try await execute(
            "DELETE FROM lags WHERE account = \(scope.account) AND region = \(scope.region) AND id = \(id)"
        )
    }

    // MARK: Secrets

    func secret(arn: String, in scope: Scope) async throws -> SecretRecord? {
        try decode(
            await bodies(
                "SELECT body FROM secrets WHERE account = \(scope.account) AND region = \(scope.region) AND arn = \(arn)\(unescaped: lock)"
            ),
            as: SecretRecord.self
        ).first
    }

    func secret(name: String, in scope: Scope) async throws -> SecretRecord? {
        try decode(
            await bodies(
                "SELECT body FROM secrets WHERE account = \(scope.account) AND region = \(scope.region) AND name = \(name)\(unescaped: lock)"
            ),
            as: SecretRecord.self
        ).first
    }

    func secrets(in scope: Scope, page: PageRequest) async throws -> [SecretRecord] {
        try decode(
            await bodies(
                """
                SELECT body FROM secrets WHERE account = \(scope.account) AND region = \(scope.region)
                AND arn > \(page.after ?? "") ORDER BY arn LIMIT \(page.limit)\(unescaped: lock)
                """
            ),
            as: SecretRecord.self
        )
    }

    func save(_ secret: SecretRecord, in scope: Scope) async throws {
        try await execute(
            """
            INSERT INTO secrets (account, region, arn, name, body)
            VALUES (\(scope.account), \(scope.region), \(secret.arn), \(secret.name), \(RecordDocument.encode(secret)))
            ON CONFLICT (account, region, arn) DO UPDATE SET name = excluded.name, body = excluded.body
            """
        )
    }

    func deleteSecret(arn: String, in scope: Scope) async throws {
        try await execute(
            "DELETE FROM secrets WHERE account = \(scope.account) AND region = \(scope.region) AND arn = \(arn)"
        )
    }

    func secretsInEveryScope(after position: SecretPosition?, limit: Int) async throws -> [ScopedSecret] {
        var result: [ScopedSecret] = []
        let start = position ?? SecretPosition(scope: Scope(account: "", region: ""), arn: "")
        let rows = try await connection.query(
            """
            SELECT account, region, body FROM secrets
                WHERE (account, region, arn) > (\(start.scope.account), \(start.scope.region), \(start.arn))
                ORDER BY account, region, arn LIMIT \(limit)\(unescaped: lock)
            """,
            logger: logger
        )
        for try await (account, region, body) in rows.decode((String, String, String).self) {
            guard let secret = try decode([body], as: SecretRecord.self).first else { continue }
            result.append(ScopedSecret(scope: Scope(account: account, region: region), secret: secret))
        }
        return result
    }
}
