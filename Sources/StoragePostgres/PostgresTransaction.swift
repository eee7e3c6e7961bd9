import Foundation
import Logging
import PostgresNIO
import Storage

/// One open transaction on a leased connection; valid only inside `PostgresStore.transaction`.
///
/// Every kind lives in the one `records` table (`SchemaVersion`); a kind's lookups are its `lookup1`, `lookup2` and
/// `unique_key` columns.
struct PostgresTransaction: StoreTransaction {
    let connection: PostgresConnection
    let logger: Logger
    /// In a write transaction every read locks its rows, so writers of the same target queue up.
    let locking: Bool

    private var lock: String { locking ? " FOR UPDATE" : "" }

    private func decode<R: StoredRecord>(_ query: PostgresQuery, as type: R.Type) async throws -> [R] {
        var result: [R] = []
        for try await body in try await connection.query(query, logger: logger).decode(String.self) {
            result.append(try RecordDocument.decode(R.self, from: body))
        }
        return result
    }

    func record<R: StoredRecord>(_ type: R.Type, id: String, in scope: Scope) async throws -> R? {
        try await decode(
            """
            SELECT body FROM records WHERE kind = \(R.recordKind.name) AND account = \(scope.account)
            AND region = \(scope.region) AND id = \(id)\(unescaped: lock)
            """,
            as: R.self
        ).first
    }

    func records<R: StoredRecord>(
        _ type: R.Type,
        in scope: Scope,
        matching match: RecordMatch?,
        page: PageRequest
    ) async throws -> [R] {
        guard let match else {
            return try await decode(
                """
                SELECT body FROM records WHERE kind = \(R.recordKind.name) AND account = \(scope.account)
                AND region = \(scope.region) AND id > \(page.after ?? "") ORDER BY id LIMIT \(page.limit)\(unescaped: lock)
                """,
                as: R.self
            )
        }
        // The slot's column is one of three names of ours, never text from a request.
        return try await decode(
            """
            SELECT body FROM records WHERE kind = \(R.recordKind.name) AND account = \(scope.account)
            AND region = \(scope.region) AND \(unescaped: match.slot.column) = \(match.value)
            AND id > \(page.after ?? "") ORDER BY id LIMIT \(page.limit)\(unescaped: lock)
            """,
            as: R.self
        )
    }

    func records<R: StoredRecord>(_ type: R.Type, ids: [String], in scope: Scope) async throws -> [R] {
        guard !ids.isEmpty else { return [] }
        return try await decode(
            """
            SELECT body FROM records WHERE kind = \(R.recordKind.name) AND account = \(scope.account)
            AND region = \(scope.region) AND id = ANY(\(ids)) ORDER BY id\(unescaped: lock)
            """,
            as: R.self
        )
    }

    /// A unique value another record holds fails the statement (unique violation), which the store retries, and
    /// reports as a conflict when it persists (`PostgresStore.transaction`).
    func save<R: StoredRecord>(_ record: R, in scope: Scope) async throws {
        let lookups = record.lookupValues
        try await connection.statement(
            """
            INSERT INTO records (kind, account, region, id, lookup1, lookup2, unique_key, body)
            VALUES (\(R.recordKind.name), \(scope.account), \(scope.region), \(record.recordID),
                    \(lookups.first), \(lookups.second), \(lookups.unique), \(RecordDocument.encode(record)))
            ON CONFLICT (kind, account, region, id) DO UPDATE SET lookup1 = excluded.lookup1,
                lookup2 = excluded.lookup2, unique_key = excluded.unique_key, body = excluded.body
            """,
            logger: logger
        )
    }

    func delete<R: StoredRecord>(_ type: R.Type, id: String, in scope: Scope) async throws {
        try await connection.statement(
            """
            DELETE FROM records WHERE kind = \(R.recordKind.name) AND account = \(scope.account)
            AND region = \(scope.region) AND id = \(id)
            """,
            logger: logger
        )
    }

    func recordsInEveryScope<R: StoredRecord>(
        _ type: R.Type,
        after position: RecordPosition?,
        limit: Int
    ) async throws -> [Scoped<R>] {
        let start = position ?? RecordPosition(scope: Scope(account: "", region: ""), id: "")
        let query: PostgresQuery = """
            SELECT account, region, body FROM records WHERE kind = \(R.recordKind.name)
                AND (account, region, id) > (\(start.scope.account), \(start.scope.region), \(start.id))
                ORDER BY account, region, id LIMIT \(limit)\(unescaped: lock)
            """
        var result: [Scoped<R>] = []
        for try await (account, region, body) in try await connection.query(query, logger: logger)
            .decode((String, String, String).self)
        {
            let record = try RecordDocument.decode(R.self, from: body)
            result.append(Scoped(scope: Scope(account: account, region: region), record: record))
        }
        return result
    }
}
