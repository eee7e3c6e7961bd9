import Foundation
import Logging
import PostgresNIO
import Storage

/// One open transaction on a leased connection; valid only inside `PostgresStore.transaction`.
///
/// Every kind lives in the one `records` table (`SchemaVersion`); a kind's lookups are its `lookup1`, `lookup2` and
/// `unique_key` columns.
///
/// A write transaction locks the rows it reads (`FOR UPDATE`), and also what it reads as absent: a row lock cannot
/// hold a row that is not there, so two writers that both found no pool of peering addresses, no record of the ID
/// they drew, or 199 gateways in an account would each go on to write. Before it reads a set of records (a kind in
/// a scope, or those of one lookup value) a write transaction takes an advisory lock named by that set, and when a
/// read by ID finds nothing it takes one named by the kind and ID (in every scope: generated IDs are unique across
/// them) and reads again, in a statement of its own, so that it sees what the writer it waited for committed.
/// Advisory locks end with the transaction, and a deadlock between them and row locks is retried like any other.
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
        let query: PostgresQuery = """
            SELECT body FROM records WHERE kind = \(R.recordKind.name) AND account = \(scope.account)
            AND region = \(scope.region) AND id = \(id)\(unescaped: lock)
            """
        if let found = try await decode(query, as: R.self).first { return found }
        guard locking else { return nil }
        try await lockAbsence([Self.absenceKey(R.self, id: id)])
        return try await decode(query, as: R.self).first
    }

    /// Waits for the writers that hold any of `keys` (advisory locks, ended by their transactions) and holds them
    /// until this transaction ends; taken in one order, so that two sets never wait for each other.
    private func lockAbsence(_ keys: [String]) async throws {
        let ordered = Array(Set(keys)).sorted()
        try await connection.statement(
            """
            SELECT pg_advisory_xact_lock(hashtextextended(key, 0)) FROM unnest(\(ordered)::text[]) AS key
            ORDER BY key
            """,
            logger: logger
        )
    }

    /// The lock a read takes of a record that is not there.
    static func absenceKey<R: StoredRecord>(_ type: R.Type, id: String) -> String {
        "id\u{1F}\(R.recordKind.name)\u{1F}\(id)"
    }

    /// The lock a write transaction takes before it reads the records of `kind` in `scope` (those of one lookup
    /// value, or all).
    static func setKey<R: StoredRecord>(_ type: R.Type, in scope: Scope, matching match: RecordMatch?) -> String {
        let set = match.map { "\($0.slot.column)\u{1F}\($0.value)" } ?? "*"
        return "set\u{1F}\(R.recordKind.name)\u{1F}\(scope.account)\u{1F}\(scope.region)\u{1F}\(set)"
    }

    func records<R: StoredRecord>(
        _ type: R.Type,
        in scope: Scope,
        matching match: RecordMatch?,
        page: PageRequest
    ) async throws -> [R] {
        if locking { try await lockAbsence([Self.setKey(R.self, in: scope, matching: match)]) }
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
        let query: PostgresQuery = """
            SELECT body FROM records WHERE kind = \(R.recordKind.name) AND account = \(scope.account)
            AND region = \(scope.region) AND id = ANY(\(ids)) ORDER BY id\(unescaped: lock)
            """
        let found = try await decode(query, as: R.self)
        let missing = Set(ids).subtracting(found.map(\.recordID))
        guard locking, !missing.isEmpty else { return found }
        try await lockAbsence(missing.map { Self.absenceKey(R.self, id: $0) })
        return try await decode(query, as: R.self)
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
