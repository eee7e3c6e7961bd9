/// A page request: items are ordered by ID, `after` is the last ID of the previous page.
package struct PageRequest: Hashable, Sendable {
    package var after: String?
    package var limit: Int?

    package init(after: String? = nil, limit: Int? = nil) {
        self.after = after
        self.limit = limit
    }

    package static let all = PageRequest()
}

/// The operations one transaction can do, on records of any kind. Reads inside a write transaction see that
/// transaction's writes and, in a shared store, lock what they read so that concurrent writers serialise on the
/// same target.
package protocol StoreTransaction: Sendable {
    func record<R: StoredRecord>(_ type: R.Type, id: String, in scope: Scope) async throws -> R?
    /// The records of a kind in a scope in ID order, those that answer `match` when there is one, after the page's
    /// cursor and up to its limit.
    func records<R: StoredRecord>(
        _ type: R.Type,
        in scope: Scope,
        matching match: RecordMatch?,
        page: PageRequest
    ) async throws -> [R]
    /// The records of a kind in a scope whose IDs are among `ids`, in ID order; an ID with no record is left out.
    /// A shared store reads them in one round trip (`linkedRecords` reads a whole scope's links' targets this way).
    func records<R: StoredRecord>(_ type: R.Type, ids: [String], in scope: Scope) async throws -> [R]
    /// Saves a record, new or not. A unique lookup value another record of the kind holds in the scope is a
    /// `StoreError.conflict`.
    func save<R: StoredRecord>(_ record: R, in scope: Scope) async throws
    func delete<R: StoredRecord>(_ type: R.Type, id: String, in scope: Scope) async throws
    /// The records of a kind in every scope in (account, region, ID) order, the primary key's, from just after
    /// `position`, for work that spans them all (a master key rotation).
    func recordsInEveryScope<R: StoredRecord>(
        _ type: R.Type,
        after position: RecordPosition?,
        limit: Int
    ) async throws -> [Scoped<R>]
}

extension StoreTransaction {
    /// One `record(_:id:in:)` an ID: the stores that keep their records beside the process (in memory, SQLite) lose
    /// nothing to it.
    package func records<R: StoredRecord>(_ type: R.Type, ids: [String], in scope: Scope) async throws -> [R] {
        var found: [R] = []
        for id in Set(ids).sorted() {
            if let record = try await record(type, id: id, in: scope) { found.append(record) }
        }
        return found
    }

    /// The records of a kind at `positions`, whatever scopes hold them, by position (missing ones left out): one
    /// `records(_:ids:in:)` a scope, the scopes in `RecordPosition` order, so that writers lock a shared store's rows
    /// in one order.
    package func records<R: StoredRecord>(
        _ type: R.Type,
        at positions: some Sequence<RecordPosition>
    ) async throws -> [RecordPosition: R] {
        let byScope = Dictionary(grouping: positions, by: \.scope)
        var found: [RecordPosition: R] = [:]
        for scope in byScope.keys.sorted(by: { ($0.account, $0.region) < ($1.account, $1.region) }) {
            for record in try await records(type, ids: byScope[scope, default: []].map(\.id), in: scope) {
                found[RecordPosition(scope: scope, id: record.recordID)] = record
            }
        }
        return found
    }
}

// The kinds the domains keep today, by the names they use.
extension StoreTransaction {
    package func connection(id: String, in scope: Scope) async throws -> ConnectionRecord? {
        try await record(ConnectionRecord.self, id: id, in: scope)
    }

    /// Connections (or interconnects) of a scope in ID order.
    package func connections(
        of kind: ConnectionRecord.Kind,
        in scope: Scope,
        page: PageRequest
    ) async throws
        -> [ConnectionRecord]
    {
        try await records(ConnectionRecord.self, in: scope, matching: ConnectionRecord.whereKind(kind), page: page)
    }

    package func members(ofLag lagId: String, in scope: Scope) async throws -> [ConnectionRecord] {
        try await records(ConnectionRecord.self, in: scope, matching: ConnectionRecord.whereLagId(lagId), page: .all)
    }

    package func deleteConnection(id: String, in scope: Scope) async throws {
        try await delete(ConnectionRecord.self, id: id, in: scope)
    }

    package func lag(id: String, in scope: Scope) async throws -> LagRecord? {
        try await record(LagRecord.self, id: id, in: scope)
    }

    package func lags(in scope: Scope, page: PageRequest) async throws -> [LagRecord] {
        try await records(LagRecord.self, in: scope, matching: nil, page: page)
    }

    package func deleteLag(id: String, in scope: Scope) async throws {
        try await delete(LagRecord.self, id: id, in: scope)
    }

    package func secret(arn: String, in scope: Scope) async throws -> SecretRecord? {
        try await record(SecretRecord.self, id: arn, in: scope)
    }

    package func secret(name: String, in scope: Scope) async throws -> SecretRecord? {
        try await records(SecretRecord.self, in: scope, matching: SecretRecord.whereName(name), page: .all).first
    }

    package func secrets(in scope: Scope, page: PageRequest) async throws -> [SecretRecord] {
        try await records(SecretRecord.self, in: scope, matching: nil, page: page)
    }

    package func deleteSecret(arn: String, in scope: Scope) async throws {
        try await delete(SecretRecord.self, id: arn, in: scope)
    }

    /// Secrets of every scope in (account, region, ARN) order, from just after `position`.
    package func secretsInEveryScope(after position: RecordPosition?, limit: Int) async throws -> [Scoped<SecretRecord>]
    {
        try await recordsInEveryScope(SecretRecord.self, after: position, limit: limit)
    }
}

/// Whether a transaction may write.
package enum TransactionMode: Sendable {
    case read
    case write
}

/// A durable home for records. Every call of `transaction` is atomic: when the body throws, nothing it
/// wrote is kept.
package protocol Store: Sendable {
    /// `body` may run in another task than the caller's (the SQLite store runs the bodies of a batch of concurrent
    /// writes one after the other in one task), but the call returns only after it has.
    func transaction<T: Sendable>(
        _ mode: TransactionMode,
        _ body: @escaping @Sendable (any StoreTransaction) async throws -> T
    ) async throws -> T

    /// The store's own work while it is open (the SQLite store's write loop), until `close()`; a store with none
    /// returns at once. Whoever opens a store runs it (the server's service group, `SQLiteStore.withStore`): the
    /// SQLite store's write transactions wait for it.
    func run() async

    /// Flushes and closes; later calls fail with `StoreError.unavailable`.
    func close() async throws

    /// A number that changes whenever a commit could change what a read answers, and only grows; `nil` when the
    /// store cannot tell (PostgreSQL: other instances write to the same database). A reply computed by a read that
    /// began at generation `g` may be answered again while the generation is still `g` (the dispatch's response
    /// cache); so a store moves it on only once a commit is visible to readers.
    var generation: UInt64? { get }
}

/// The schema, in meaning: every backend keeps these versions in step.
package enum SchemaVersion {
    /// 1: connections (with interconnects), lags and secrets as documents keyed by ID with scope columns.
    /// 2: no index on the secrets' ARN alone: secrets of every scope are listed in the primary key's order, and each
    /// new secret writes one index fewer.
    /// 3: one table for records of every kind, keyed by (kind, account, region, ID), with the lookups each kind
    /// declares in two indexed columns and a unique one (`RecordKind`); the three tables of version 2 move into it.
    package static let current = 3

    /// The statements of each version, in SQL that SQLite and PostgreSQL both accept, so the two backends cannot
    /// drift apart; each backend records the version applied in its own way. The lookup indexes are partial: a
    /// record without a value in a slot writes no entry for it.
    package static let steps: [[String]] = [
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
            "CREATE INDEX secrets_arn ON secrets (arn)",
        ],
        ["DROP INDEX secrets_arn"],
        [
            """
            CREATE TABLE records (
                kind TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL,
                lookup1 TEXT, lookup2 TEXT, unique_key TEXT, body TEXT NOT NULL,
                PRIMARY KEY (kind, account, region, id))
            """,
            "CREATE INDEX records_lookup1 ON records (kind, account, region, lookup1, id) WHERE lookup1 IS NOT NULL",
            "CREATE INDEX records_lookup2 ON records (kind, account, region, lookup2, id) WHERE lookup2 IS NOT NULL",
            """
            CREATE UNIQUE INDEX records_unique ON records (kind, account, region, unique_key)
                WHERE unique_key IS NOT NULL
            """,
            """
            INSERT INTO records (kind, account, region, id, lookup1, lookup2, body)
                SELECT 'connection', account, region, id, kind, lag_id, body FROM connections
            """,
            "INSERT INTO records (kind, account, region, id, body) SELECT 'lag', account, region, id, body FROM lags",
            """
            INSERT INTO records (kind, account, region, id, unique_key, body)
                SELECT 'secret', account, region, arn, name, body FROM secrets
            """,
            "DROP TABLE connections",
            "DROP TABLE lags",
            "DROP TABLE secrets",
        ],
    ]
}
