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

/// The operations one transaction can do. Reads inside a write transaction see that transaction's writes
/// and, in a shared store, lock what they read so that concurrent writers serialise on the same target.
package protocol StoreTransaction: Sendable {
    func connection(id: String, in scope: Scope) async throws -> ConnectionRecord?
    /// Connections (or interconnects) of a scope in ID order.
    func connections(
        of kind: ConnectionRecord.Kind,
        in scope: Scope,
        page: PageRequest
    ) async throws
        -> [ConnectionRecord]
    func members(ofLag lagId: String, in scope: Scope) async throws -> [ConnectionRecord]
    func save(_ connection: ConnectionRecord, in scope: Scope) async throws
    func deleteConnection(id: String, in scope: Scope) async throws

    func lag(id: String, in scope: Scope) async throws -> LagRecord?
    func lags(in scope: Scope, page: PageRequest) async throws -> [LagRecord]
    func save(_ lag: LagRecord, in scope: Scope) async throws
    func deleteLag(id: String, in scope: Scope) async throws

    func secret(arn: String, in scope: Scope) async throws -> SecretRecord?
    func secret(name: String, in scope: Scope) async throws -> SecretRecord?
    func secrets(in scope: Scope, page: PageRequest) async throws -> [SecretRecord]
    func save(_ secret: SecretRecord, in scope: Scope) async throws
    func deleteSecret(arn: String, in scope: Scope) async throws
    /// Secrets of every scope in (account, region, ARN) order, the primary key's, from just after `position`, for work
    /// that spans them all (a master key rotation).
    func secretsInEveryScope(after position: SecretPosition?, limit: Int) async throws -> [ScopedSecret]
}

/// Where a secret stands in the order of `secretsInEveryScope`: its scope, then its ARN.
package struct SecretPosition: Hashable, Sendable, Comparable {
    package var scope: Scope
    package var arn: String

    package init(scope: Scope, arn: String) {
        self.scope = scope
        self.arn = arn
    }

    package static func < (lhs: SecretPosition, rhs: SecretPosition) -> Bool {
        (lhs.scope.account, lhs.scope.region, lhs.arn) < (rhs.scope.account, rhs.scope.region, rhs.arn)
    }
}

/// A secret with the scope it lives in.
package struct ScopedSecret: Hashable, Sendable {
    package var scope: Scope
    package var secret: SecretRecord

    package init(scope: Scope, secret: SecretRecord) {
        self.scope = scope
        self.secret = secret
    }

    package var position: SecretPosition { SecretPosition(scope: scope, arn: secret.arn) }
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
}

/// The schema, in meaning: every backend keeps these versions in step.
package enum SchemaVersion {
    /// 1: connections (with interconnects), lags and secrets as documents keyed by ID with scope columns.
    /// 2: no index on the secrets' ARN alone: secrets of every scope are listed in the primary key's order, and each
    /// new secret writes one index fewer.
    package static let current = 2

    /// The statements of each version, in SQL that SQLite and PostgreSQL both accept, so the two backends cannot
    /// drift apart; each backend records the version applied in its own way.
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
    ]
}
