import Foundation
import Logging
import Storage
import StoragePostgres
import StorageSQLite
import StorageTestSupport
import Testing

/// The contract every store keeps, run against each backend.
@Suite struct StoreContractTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        /// The reference backend the domain tests and the fuzzer run on.
        case inMemory
        case sqliteMemory
        case sqliteFile
        /// The database `DXLOCAL_TEST_DATABASE` names; `scripts/test` starts a throwaway cluster and sets it.
        case postgres

        var testDescription: String { rawValue }
    }

    /// Fresh scopes for every test, so tests sharing one PostgreSQL database never see each other's records.
    let scope: Scope
    let otherAccount: Scope
    let otherRegion: Scope

    init() {
        let account = String(format: "%012llu", UInt64.random(in: 100_000_000_000...999_999_999_999))
        scope = Scope(account: account, region: "us-east-1")
        otherAccount = Scope(account: String(account.reversed()), region: "us-east-1")
        otherRegion = Scope(account: account, region: "us-west-2")
    }

    struct MissingDatabase: Error, CustomStringConvertible {
        var description: String {
            "DXLOCAL_TEST_DATABASE is not set: the PostgreSQL backend needs a database (scripts/test starts one)"
        }
    }

    static func connection(
        _ id: String,
        lagId: String? = nil,
        kind: ConnectionRecord.Kind = .connection
    )
        -> ConnectionRecord
    {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        return ConnectionRecord(
            id: id,
            kind: kind,
            name: "name of \(id)",
            port: PortRecord(
                location: "EqDC2",
                bandwidth: "10Gbps",
                awsDevice: "EqDC2-a",
                awsDeviceV2: "EqDC2-a",
                awsLogicalDeviceId: "EqDC2-b",
                providerName: nil,
                macSecCapable: true,
                encryptionMode: .shouldEncrypt
            ),
            vlan: 0,
            lagId: lagId,
            state: SettlingState(transitional: .requested, settlesAt: now),
            createdAt: now,
            tags: [TagRecord(key: "k", value: "v")],
            keys: [KeyRecord(secretARN: "arn:s", ckn: "ab", startOn: now, associatedAt: now.addingTimeInterval(1))]
        )
    }

    static func lag(_ id: String) -> LagRecord {
        LagRecord(
            id: id,
            name: "lag",
            port: connection("dxcon-aaaaaaaa").port,
            minimumLinks: 1,
            state: SettlingState(transitional: .pending, settlesAt: Date(timeIntervalSince1970: 1)),
            createdAt: Date(timeIntervalSince1970: 1),
            tags: [],
            keys: []
        )
    }

    func secret(_ name: String) -> SecretRecord {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        return SecretRecord(
            arn: "arn:aws:secretsmanager:\(scope.region):\(scope.account):secret:\(name)-AbCdEf",
            name: name,
            owningService: "directconnect",
            ckn: "ab",
            versions: [
                SecretVersionRecord(
                    versionId: "v1",
                    sealedValue: Data([1, 2, 3]),
                    masterKeyId: "k1",
                    stages: ["AWSCURRENT"],
                    createdAt: now
                )
            ],
            createdAt: now,
            lastChangedAt: now,
            deletionDate: nil,
            tags: []
        )
    }

    struct Boom: Error {}

    /// Runs `body` on a fresh store of the backend and always closes it.
    static func with(_ backend: Backend, _ body: @Sendable (any Store) async throws -> Void) async throws {
        let store: any Store
        switch backend {
        case .postgres:
            guard let url = ProcessInfo.processInfo.environment["DXLOCAL_TEST_DATABASE"] else {
                throw MissingDatabase()
            }
            let configuration = try PostgresStoreConfiguration(url: url)
            try await PostgresStore.withStore(configuration, logger: Logger(label: "test")) { try await body($0) }
            return
        case .inMemory:
            store = InMemoryStore()
        case .sqliteMemory:
            store = try await SQLiteStore.running(.memory)
        case .sqliteFile:
            try await withTemporaryDatabase { try await run(body, on: SQLiteStore.running(.file(path: $0))) }
            return
        }
        try await run(body, on: store)
    }

    /// Runs `body` on `store` and always closes it.
    private static func run(_ body: @Sendable (any Store) async throws -> Void, on store: any Store) async throws {
        do {
            try await body(store)
            try await store.close()
        } catch {
            try? await store.close()
            throw error
        }
    }

    @Test(arguments: Backend.allCases)
    func savedRecordsReadBackEqual(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            let record = Self.connection("dxcon-aaaaaaaa")
            try await store.transaction(.write) { try await $0.save(record, in: scope) }
            let read = try await store.transaction(.read) {
                try await $0.connection(id: "dxcon-aaaaaaaa", in: scope)
            }
            #expect(read == record)
        }
    }

    /// A reset of named accounts (`deleteEveryRecord`) deletes every kind of theirs in every region and their global
    /// scope, in one transaction, and nothing of another account. (A reset of every account is held to the same by
    /// the conformance suite, on stores of its own: here the PostgreSQL database is shared with other tests.)
    @Test(arguments: Backend.allCases)
    func aResetOfNamedAccountsDeletesAllOfThemAndNothingElse(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            let wiped = String(UInt64.random(in: 100_000_000_000...999_999_999_999))
            let kept = String(UInt64.random(in: 100_000_000_000...999_999_999_999))
            let places = [
                Scope(account: wiped, region: "us-east-1"), Scope(account: wiped, region: "us-west-2"),
                Scope.global(account: wiped), Scope(account: kept, region: "us-east-1"),
            ]
            try await store.transaction(.write) { transaction in
                for place in places {
                    try await transaction.save(Self.connection("dxcon-aaaaaaaa"), in: place)
                    try await transaction.save(Self.lag("dxlag-aaaaaaaa"), in: place)
                }
                try await transaction.save(self.secret("reset"), in: places[0])
            }
            let deleted = try await store.transaction(.write) {
                try await $0.deleteEveryRecord(of: StoredKinds.all, accounts: [wiped])
            }
            #expect(deleted == 7)
            for place in places {
                let left = try await store.transaction(.read) { transaction in
                    (
                        try await transaction.connection(id: "dxcon-aaaaaaaa", in: place),
                        try await transaction.lag(id: "dxlag-aaaaaaaa", in: place),
                        try await transaction.secrets(in: place, page: .all)
                    )
                }
                let keeps = place.account == kept
                #expect((left.0 != nil) == keeps && (left.1 != nil) == keeps && left.2.isEmpty)
            }
        }
    }

    /// `Store.generation`: moves on with every commit that wrote, by the time the write returns, and with nothing
    /// else; PostgreSQL has none (other instances write unseen), so nothing is ever cached over it.
    @Test(arguments: Backend.allCases)
    func theGenerationMovesWithEveryCommitAndNothingElse(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            guard backend != .postgres else {
                #expect(store.generation == nil)
                return
            }
            let start = try #require(store.generation)
            try await store.transaction(.write) { try await $0.save(Self.connection("dxcon-aaaaaaaa"), in: scope) }
            let afterSave = try #require(store.generation)
            #expect(afterSave > start)
            _ = try await store.transaction(.read) { try await $0.connection(id: "dxcon-aaaaaaaa", in: scope) }
            await #expect(throws: Boom.self) {
                try await store.transaction(.write) { transaction in
                    try await transaction.save(Self.connection("dxcon-bbbbbbbb"), in: scope)
                    throw Boom()
                }
            }
            #expect(store.generation == afterSave)
            try await store.transaction(.write) { try await $0.save(secret("s1"), in: scope) }
            let afterSecret = try #require(store.generation)
            #expect(afterSecret > afterSave)
            try await store.transaction(.write) { try await $0.deleteConnection(id: "dxcon-aaaaaaaa", in: scope) }
            #expect(try #require(store.generation) > afterSecret)
        }
    }

    @Test(arguments: Backend.allCases)
    func recordsAreInvisibleFromOtherScopes(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            try await store.transaction(.write) { transaction in
                try await transaction.save(Self.connection("dxcon-aaaaaaaa"), in: scope)
                try await transaction.save(secret("s1"), in: scope)
            }
            for other in [otherAccount, otherRegion] {
                let (connection, all, secret) = try await store.transaction(.read) { transaction in
                    (
                        try await transaction.connection(id: "dxcon-aaaaaaaa", in: other),
                        try await transaction.connections(of: .connection, in: other, page: .all),
                        try await transaction.secret(name: "s1", in: other)
                    )
                }
                #expect(connection == nil)
                #expect(all.isEmpty)
                #expect(secret == nil)
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func aThrowingTransactionLeavesNothing(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            await #expect(throws: Boom.self) {
                try await store.transaction(.write) { transaction in
                    try await transaction.save(Self.connection("dxcon-aaaaaaaa"), in: scope)
                    throw Boom()
                }
            }
            let read = try await store.transaction(.read) {
                try await $0.connection(id: "dxcon-aaaaaaaa", in: scope)
            }
            #expect(read == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func pagesFollowIDOrderAndResumeAfterTheCursor(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            let ids = ["dxcon-cccccccc", "dxcon-aaaaaaaa", "dxcon-bbbbbbbb", "dxcon-dddddddd"]
            try await store.transaction(.write) { transaction in
                for id in ids { try await transaction.save(Self.connection(id), in: scope) }
                try await transaction.save(Self.connection("dxcon-eeeeeeee", kind: .interconnect), in: scope)
            }
            let first = try await store.transaction(.read) {
                try await $0.connections(of: .connection, in: scope, page: PageRequest(limit: 2))
            }
            #expect(first.map(\.id) == ["dxcon-aaaaaaaa", "dxcon-bbbbbbbb"])
            let rest = try await store.transaction(.read) {
                try await $0.connections(of: .connection, in: scope, page: PageRequest(after: "dxcon-bbbbbbbb"))
            }
            #expect(rest.map(\.id) == ["dxcon-cccccccc", "dxcon-dddddddd"])
        }
    }

    @Test(arguments: Backend.allCases)
    func membersOfALagAreFoundByLagId(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            try await store.transaction(.write) { transaction in
                try await transaction.save(Self.connection("dxcon-aaaaaaaa", lagId: "dxlag-aaaaaaaa"), in: scope)
                try await transaction.save(Self.connection("dxcon-bbbbbbbb"), in: scope)
                try await transaction.save(Self.connection("dxcon-cccccccc", lagId: "dxlag-aaaaaaaa"), in: scope)
            }
            let members = try await store.transaction(.read) {
                try await $0.members(ofLag: "dxlag-aaaaaaaa", in: scope)
            }
            #expect(members.map(\.id) == ["dxcon-aaaaaaaa", "dxcon-cccccccc"])
            // Leaving the LAG is a save with no lagId.
            try await store.transaction(.write) { transaction in
                try await transaction.save(Self.connection("dxcon-aaaaaaaa"), in: scope)
            }
            let after = try await store.transaction(.read) {
                try await $0.members(ofLag: "dxlag-aaaaaaaa", in: scope)
            }
            #expect(after.map(\.id) == ["dxcon-cccccccc"])
        }
    }

    @Test(arguments: Backend.allCases)
    func secretsAreFoundByNameAndARNAndDeleted(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            let secret = secret("directconnect!prod/us-east-1/directconnect/ab")
            try await store.transaction(.write) { try await $0.save(secret, in: scope) }
            let (byName, byARN) = try await store.transaction(.read) { transaction in
                (
                    try await transaction.secret(name: secret.name, in: scope),
                    try await transaction.secret(arn: secret.arn, in: scope)
                )
            }
            #expect(byName == secret)
            #expect(byARN == secret)
            try await store.transaction(.write) { try await $0.deleteSecret(arn: secret.arn, in: scope) }
            let gone = try await store.transaction(.read) { try await $0.secret(arn: secret.arn, in: scope) }
            #expect(gone == nil)
        }
    }

    @Test func aFileStoreKeepsEverythingAcrossReopening() async throws {
        try await withTemporaryDatabase { path in
            let first = try await SQLiteStore.running(.file(path: path))
            let lag = Self.lag("dxlag-aaaaaaaa")
            try await first.transaction(.write) { transaction in
                try await transaction.save(Self.connection("dxcon-aaaaaaaa", lagId: lag.id), in: scope)
                try await transaction.save(lag, in: scope)
                try await transaction.save(secret("s1"), in: scope)
            }
            try await first.close()
            let second = try await SQLiteStore.running(.file(path: path))
            let (connection, readLag, readSecret) = try await second.transaction(.read) { transaction in
                (
                    try await transaction.connection(id: "dxcon-aaaaaaaa", in: scope),
                    try await transaction.lag(id: lag.id, in: scope),
                    try await transaction.secret(name: "s1", in: scope)
                )
            }
            #expect(connection == Self.connection("dxcon-aaaaaaaa", lagId: lag.id))
            #expect(readLag == lag)
            #expect(readSecret == secret("s1"))
            try await second.close()
        }
    }

    @Test(arguments: Backend.allCases.filter { $0 != .postgres })
    func aClosedStoreRefusesTransactions(_ backend: Backend) async throws {
        try await withTemporaryDatabase { path in
            let store: any Store =
                switch backend {
                case .inMemory: InMemoryStore()
                case .sqliteMemory, .postgres: try await SQLiteStore.running(.memory)
                case .sqliteFile: try await SQLiteStore.running(.file(path: path))
                }
            try await store.close()
            for mode in [TransactionMode.read, .write] {
                await #expect(throws: StoreError(.unavailable, "")) {
                    try await store.transaction(mode) { _ in 1 }
                }
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentWritersLoseNoUpdate(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            try await store.transaction(.write) { try await $0.save(Self.connection("dxcon-aaaaaaaa"), in: scope) }
            // Each writer reads the record and appends a tag; a lost update would drop one.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await store.transaction(.write) { transaction in
                            guard var record = try await transaction.connection(id: "dxcon-aaaaaaaa", in: scope)
                            else { return }
                            record.tags.append(TagRecord(key: "t\(index)", value: nil))
                            try await transaction.save(record, in: scope)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let record = try await store.transaction(.read) {
                try await $0.connection(id: "dxcon-aaaaaaaa", in: scope)
            }
            #expect(record?.tags.count == 21)
        }
    }

    @Test(arguments: Backend.allCases)
    func secretsOfEveryScopeAreListedWithTheirScope(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            let mine = secret("everywhere-\(UUID().uuidString)")
            var other = secret("everywhere-\(UUID().uuidString)")
            other.arn = other.arn.replacingOccurrences(of: scope.account, with: otherAccount.account)
            let theirs = other
            try await store.transaction(.write) { transaction in
                try await transaction.save(mine, in: scope)
                try await transaction.save(theirs, in: otherAccount)
            }
            var found: [String: Scope] = [:]
            var positions: [RecordPosition] = []
            var after: RecordPosition?
            repeat {
                let cursor = after
                let batch = try await store.transaction(.read) {
                    try await $0.secretsInEveryScope(after: cursor, limit: 2)
                }
                for item in batch { found[item.record.arn] = item.scope }
                positions += batch.map(\.position)
                after = batch.count == 2 ? batch.last?.position : nil
            } while after != nil
            #expect(found[mine.arn] == scope)
            #expect(found[theirs.arn] == otherAccount)
            // Pages follow one order, each starting just after the last: nothing is seen twice or skipped.
            #expect(positions == positions.sorted() && Set(positions).count == positions.count)
        }
    }

    @Test(arguments: Backend.allCases)
    func oneOfManyConcurrentCreatorsOfASecretNameWins(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            let name = "contested-\(UUID().uuidString)"
            let created = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<12 {
                    group.addTask {
                        var contender = secret(name)
                        contender.arn += "-\(index)"
                        let candidate = contender
                        return try await store.transaction(.write) { transaction in
                            guard try await transaction.secret(name: name, in: scope) == nil else { return false }
                            try await transaction.save(candidate, in: scope)
                            return true
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(created == 1)
            let listed = try await store.transaction(.read) { try await $0.secrets(in: scope, page: .all) }
            #expect(listed.filter { $0.name == name }.count == 1)
        }
    }

    @Test(arguments: Backend.allCases)
    func aFailingTransactionAmongConcurrentOnesUndoesOnlyItself(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            let ids = (0..<24).map { String(format: "dxcon-%08d", $0) }
            await withTaskGroup(of: Void.self) { group in
                for (index, id) in ids.enumerated() {
                    group.addTask {
                        _ = try? await store.transaction(.write) { transaction in
                            try await transaction.save(Self.connection(id), in: scope)
                            try await transaction.save(secret("s-\(id)"), in: scope)
                            // Some list secrets first, which writes what is pending before the failure.
                            if index % 6 == 0 { _ = try await transaction.secrets(in: scope, page: .all) }
                            if index % 3 == 0 { throw Boom() }
                        }
                    }
                }
            }
            let (connections, secrets) = try await store.transaction(.read) { transaction in
                (
                    try await transaction.connections(of: .connection, in: scope, page: .all).map(\.id),
                    try await transaction.secrets(in: scope, page: .all).map(\.name)
                )
            }
            let kept = ids.enumerated().filter { $0.offset % 3 != 0 }.map(\.element)
            #expect(connections == kept)
            #expect(Set(secrets) == Set(kept.map { "s-\($0)" }))
        }
    }

    @Test(arguments: Backend.allCases)
    func aWriteTransactionSeesItsOwnWritesInListings(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            let (secrets, connections, members) = try await store.transaction(.write) { transaction in
                try await transaction.save(secret("listed-a"), in: scope)
                try await transaction.save(Self.connection("dxcon-bbbbbbbb", lagId: "dxlag-aaaaaaaa"), in: scope)
                try await transaction.save(Self.connection("dxcon-aaaaaaaa"), in: scope)
                try await transaction.deleteConnection(id: "dxcon-aaaaaaaa", in: scope)
                return (
                    try await transaction.secrets(in: scope, page: .all).map(\.name),
                    try await transaction.connections(of: .connection, in: scope, page: .all).map(\.id),
                    try await transaction.members(ofLag: "dxlag-aaaaaaaa", in: scope).map(\.id)
                )
            }
            #expect(secrets == ["listed-a"])
            #expect(connections == ["dxcon-bbbbbbbb"])
            #expect(members == ["dxcon-bbbbbbbb"])
        }
    }

    @Test(arguments: Backend.allCases)
    func recordsAreReadByIDsInIDOrderFromTheirScopeOnly(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            try await store.transaction(.write) { transaction in
                for id in ["dxcon-cccccccc", "dxcon-aaaaaaaa", "dxcon-dddddddd"] {
                    try await transaction.save(Self.connection(id), in: scope)
                }
                try await transaction.save(Self.connection("dxcon-bbbbbbbb"), in: otherAccount)
            }
            let asked = ["dxcon-dddddddd", "dxcon-bbbbbbbb", "dxcon-aaaaaaaa", "dxcon-ffffffff", "dxcon-aaaaaaaa"]
            let read = try await store.transaction(.read) {
                try await $0.records(ConnectionRecord.self, ids: asked, in: scope)
            }
            // Missing here (another account's, or none at all) is left out; each record once, in ID order.
            #expect(read.map(\.id) == ["dxcon-aaaaaaaa", "dxcon-dddddddd"])
            #expect(read.first == Self.connection("dxcon-aaaaaaaa"))
            let (own, none) = try await store.transaction(.write) { transaction in
                try await transaction.save(Self.connection("dxcon-eeeeeeee"), in: scope)
                try await transaction.deleteConnection(id: "dxcon-dddddddd", in: scope)
                return (
                    try await transaction.records(
                        ConnectionRecord.self,
                        ids: ["dxcon-eeeeeeee", "dxcon-dddddddd", "dxcon-cccccccc"],
                        in: scope
                    ).map(\.id),
                    try await transaction.records(ConnectionRecord.self, ids: [], in: scope)
                )
            }
            #expect(own == ["dxcon-cccccccc", "dxcon-eeeeeeee"])
            #expect(none.isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func recordsAreReadByPositionAcrossScopes(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            try await store.transaction(.write) { transaction in
                try await transaction.save(Self.connection("dxcon-aaaaaaaa"), in: scope)
                try await transaction.save(Self.connection("dxcon-bbbbbbbb"), in: otherAccount)
                try await transaction.save(Self.connection("dxcon-cccccccc"), in: otherRegion)
            }
            let here = RecordPosition(scope: scope, id: "dxcon-aaaaaaaa")
            let there = RecordPosition(scope: otherAccount, id: "dxcon-bbbbbbbb")
            let elsewhere = RecordPosition(scope: otherRegion, id: "dxcon-cccccccc")
            let asked = [
                elsewhere, here, there, here,
                // Each record only at its own position; a position with none is left out.
                RecordPosition(scope: scope, id: "dxcon-bbbbbbbb"),
                RecordPosition(scope: otherAccount, id: "dxcon-ffffffff"),
            ]
            let read = try await store.transaction(.read) {
                try await $0.records(ConnectionRecord.self, at: asked)
            }
            #expect(read.count == 3)
            #expect(read[here] == Self.connection("dxcon-aaaaaaaa"))
            #expect(read[there]?.id == "dxcon-bbbbbbbb")
            #expect(read[elsewhere]?.id == "dxcon-cccccccc")
        }
    }
}
