import Foundation
import Storage
import StorageSQLite
import Testing

/// The contract every store keeps, run against each backend.
@Suite struct StoreContractTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case sqliteMemory
        case sqliteFile

        var testDescription: String { rawValue }

        func open(at directory: URL) async throws -> any Store {
            switch self {
            case .sqliteMemory: try await SQLiteStore.open(.memory)
            case .sqliteFile: try await SQLiteStore.open(.file(path: directory.appendingPathComponent("db").path))
            }
        }
    }

    static let scope = Scope(account: "111122223333", region: "us-east-1")
    static let otherAccount = Scope(account: "444455556666", region: "us-east-1")
    static let otherRegion = Scope(account: "111122223333", region: "us-west-2")

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dxlocal-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
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
                encryptionMode: "should_encrypt"
            ),
            vlan: 0,
            lagId: lagId,
            state: SettlingState(transitional: "requested", settlesAt: now),
            createdAt: now,
            tags: [TagRecord(key: "k", value: "v")],
            keys: [KeyRecord(secretARN: "arn:s", ckn: "ab", startOn: now, associatedAt: now.addingTimeInterval(1))]
        )
    }

    static func secret(_ name: String) -> SecretRecord {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        return SecretRecord(
            arn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:\(name)-AbCdEf",
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
    static func with(_ backend: Backend, _ body: (any Store) async throws -> Void) async throws {
        let store = try await backend.open(at: temporaryDirectory())
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
            try await store.transaction(.write) { try await $0.save(record, in: Self.scope) }
            let read = try await store.transaction(.read) {
                try await $0.connection(id: "dxcon-aaaaaaaa", in: Self.scope)
            }
            #expect(read == record)
        }
    }

    @Test(arguments: Backend.allCases)
    func recordsAreInvisibleFromOtherScopes(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            try await store.transaction(.write) { transaction in
                try await transaction.save(Self.connection("dxcon-aaaaaaaa"), in: Self.scope)
                try await transaction.save(Self.secret("s1"), in: Self.scope)
            }
            for other in [Self.otherAccount, Self.otherRegion] {
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
                    try await transaction.save(Self.connection("dxcon-aaaaaaaa"), in: Self.scope)
                    throw Boom()
                }
            }
            let read = try await store.transaction(.read) {
                try await $0.connection(id: "dxcon-aaaaaaaa", in: Self.scope)
            }
            #expect(read == nil)
        }
    }

    @Test(arguments: Backend.allCases)
    func pagesFollowIDOrderAndResumeAfterTheCursor(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            let ids = ["dxcon-cccccccc", "dxcon-aaaaaaaa", "dxcon-bbbbbbbb", "dxcon-dddddddd"]
            try await store.transaction(.write) { transaction in
                for id in ids { try await transaction.save(Self.connection(id), in: Self.scope) }
                try await transaction.save(Self.connection("dxcon-eeeeeeee", kind: .interconnect), in: Self.scope)
            }
            let first = try await store.transaction(.read) {
                try await $0.connections(of: .connection, in: Self.scope, page: PageRequest(limit: 2))
            }
            #expect(first.map(\.id) == ["dxcon-aaaaaaaa", "dxcon-bbbbbbbb"])
            let rest = try await store.transaction(.read) {
                try await $0.connections(of: .connection, in: Self.scope, page: PageRequest(after: "dxcon-bbbbbbbb"))
            }
            #expect(rest.map(\.id) == ["dxcon-cccccccc", "dxcon-dddddddd"])
        }
    }

    @Test(arguments: Backend.allCases)
    func membersOfALagAreFoundByLagId(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            try await store.transaction(.write) { transaction in
                try await transaction.save(Self.connection("dxcon-aaaaaaaa", lagId: "dxlag-aaaaaaaa"), in: Self.scope)
                try await transaction.save(Self.connection("dxcon-bbbbbbbb"), in: Self.scope)
                try await transaction.save(Self.connection("dxcon-cccccccc", lagId: "dxlag-aaaaaaaa"), in: Self.scope)
            }
            let members = try await store.transaction(.read) {
                try await $0.members(ofLag: "dxlag-aaaaaaaa", in: Self.scope)
            }
            #expect(members.map(\.id) == ["dxcon-aaaaaaaa", "dxcon-cccccccc"])
            // Leaving the LAG is a save with no lagId.
            try await store.transaction(.write) { transaction in
                try await transaction.save(Self.connection("dxcon-aaaaaaaa"), in: Self.scope)
            }
            let after = try await store.transaction(.read) {
                try await $0.members(ofLag: "dxlag-aaaaaaaa", in: Self.scope)
            }
            #expect(after.map(\.id) == ["dxcon-cccccccc"])
        }
    }

    @Test(arguments: Backend.allCases)
    func secretsAreFoundByNameAndARNAndDeleted(_ backend: Backend) async throws {
        try await Self.with(backend) { store in
            let secret = Self.secret("directconnect!prod/us-east-1/directconnect/ab")
            try await store.transaction(.write) { try await $0.save(secret, in: Self.scope) }
            let (byName, byARN) = try await store.transaction(.read) { transaction in
                (
                    try await transaction.secret(name: secret.name, in: Self.scope),
                    try await transaction.secret(arn: secret.arn, in: Self.scope)
                )
            }
            #expect(byName == secret)
            #expect(byARN == secret)
            try await store.transaction(.write) { try await $0.deleteSecret(arn: secret.arn, in: Self.scope) }
            let gone = try await store.transaction(.read) { try await $0.secret(arn: secret.arn, in: Self.scope) }
            #expect(gone == nil)
        }
    }

    @Test func aFileStoreKeepsEverythingAcrossReopening() async throws {
        let directory = try Self.temporaryDirectory()
        let path = directory.appendingPathComponent("db").path
        let first = try await SQLiteStore.open(.file(path: path))
        let lag = LagRecord(
            id: "dxlag-aaaaaaaa",
            name: "lag",
            port: Self.connection("dxcon-aaaaaaaa").port,
            minimumLinks: 1,
            state: SettlingState(transitional: "pending", settlesAt: Date(timeIntervalSince1970: 1)),
            createdAt: Date(timeIntervalSince1970: 1),
            tags: [],
            keys: []
        )
        try await first.transaction(.write) { transaction in
            try await transaction.save(Self.connection("dxcon-aaaaaaaa", lagId: lag.id), in: Self.scope)
            try await transaction.save(lag, in: Self.scope)
            try await transaction.save(Self.secret("s1"), in: Self.scope)
        }
        try await first.close()
        let second = try await SQLiteStore.open(.file(path: path))
        let (connection, readLag, secret) = try await second.transaction(.read) { transaction in
            (
                try await transaction.connection(id: "dxcon-aaaaaaaa", in: Self.scope),
                try await transaction.lag(id: lag.id, in: Self.scope),
                try await transaction.secret(name: "s1", in: Self.scope)
            )
        }
        #expect(connection == Self.connection("dxcon-aaaaaaaa", lagId: lag.id))
        #expect(readLag == lag)
        #expect(secret == Self.secret("s1"))
        try await second.close()
    }

    @Test func aClosedStoreRefusesTransactions() async throws {
        let store = try await SQLiteStore.open(.memory)
        try await store.close()
        await #expect(throws: StoreError(.unavailable, "")) {
            try await store.transaction(.read) { _ in 1 }
        }
    }

    @Test func concurrentWritersAreSerialised() async throws {
        let store = try await SQLiteStore.open(.memory)
        try await store.transaction(.write) { try await $0.save(Self.connection("dxcon-aaaaaaaa"), in: Self.scope) }
        // Each writer reads the record and appends a tag; a lost update would drop one.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask {
                    try await store.transaction(.write) { transaction in
                        guard var record = try await transaction.connection(id: "dxcon-aaaaaaaa", in: Self.scope)
                        else { return }
                        record.tags.append(TagRecord(key: "t\(index)", value: nil))
                        try await transaction.save(record, in: Self.scope)
                    }
                }
            }
            try await group.waitForAll()
        }
        let record = try await store.transaction(.read) {
            try await $0.connection(id: "dxcon-aaaaaaaa", in: Self.scope)
        }
        #expect(record?.tags.count == 21)
        try await store.close()
    }
}
