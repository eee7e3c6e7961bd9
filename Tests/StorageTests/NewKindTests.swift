import AWSJSONProtocol
import Foundation
import Storage
import StorageSQLite
import StorageTestSupport
import Testing

/// A kind only these tests know, declared the way a generated kind is and nothing more: global (one per account,
/// seen from no region), found by its owner and its state, named uniquely. The stores keep it with no code of its own.
struct GatewayTestRecord: StoredRecord {
    static let recordKind = RecordKind(name: "test-gateway", lookups: ["owner", "state"], unique: "name")

    var id: String
    var name: String
    var owner: String
    var state: String?

    var recordID: String { id }
    var lookupValues: LookupValues { LookupValues(first: owner, second: state, unique: name) }

    func writeJSON(to writer: inout AWSJSONWriter) {
        writer.beginObject()
        writer.member("\"id\":", id)
        writer.member("\"name\":", name)
        writer.member("\"owner\":", owner)
        writer.member("\"state\":", state)
        writer.endObject()
    }

    /// What `scripts/generate-shapes` would generate for it.
    init?(json reader: inout AWSJSONReader) {
        var id: String?
        var name: String?
        var owner: String?
        var state: String?
        guard reader.beginObject() else { return nil }
        var seen: UInt64 = 0
        var unknown: Set<String> = []
        reading: while true {
            switch reader.nextMember() {
            case .end: break reading
            case .unreadable: return nil
            case .key(let member):
                switch member {
                case "id": guard reader.read(&id, 0, "id", seen: &seen) else { return nil }
                case "name": guard reader.read(&name, 1, "name", seen: &seen) else { return nil }
                case "owner": guard reader.read(&owner, 2, "owner", seen: &seen) else { return nil }
                case "state": guard reader.read(&state, 3, "state", seen: &seen) else { return nil }
                default: guard reader.skipUnknown(member, &unknown) else { return nil }
                }
            }
        }
        guard let id, let name, let owner else { return nil }
        self.init(id: id, name: name, owner: owner, state: state)
    }

    init(id: String, name: String, owner: String, state: String?) {
        self.id = id
        self.name = name
        self.owner = owner
        self.state = state
    }
}

/// SPEC-free store contract for kinds added later (issue 17, part 2): every backend keeps a kind it was never told
/// about by (kind, account, global or region, ID), answers its declared lookups, holds its unique value unique, and
/// (on file) reads it back after reopening.
@Suite struct NewKindTests {
    /// A fresh account for each test: the PostgreSQL database outlives the run, and tests run at once.
    let account = Self.randomAccount()
    let otherAccount = Self.randomAccount()

    static func randomAccount() -> String {
        String(format: "%012llu", UInt64.random(in: 100_000_000_000...999_999_999_999))
    }

    func gateway(
        _ id: String,
        name: String? = nil,
        owner: String = "111122223333",
        state: String? = "available"
    )
        -> GatewayTestRecord
    {
        GatewayTestRecord(id: id, name: name ?? "name-\(id)", owner: owner, state: state)
    }

    /// The gateways of the scope whose value in a slot is `value`.
    func find(
        _ transaction: any StoreTransaction,
        _ slot: LookupSlot,
        _ value: String,
        in scope: Scope
    ) async throws
        -> [GatewayTestRecord]
    {
        try await transaction.records(GatewayTestRecord.self, in: scope, matching: RecordMatch(slot, value), page: .all)
    }

    @Test(arguments: StoreContractTests.Backend.allCases)
    func aNewKindIsKeptByScopeIDAndLookups(_ backend: StoreContractTests.Backend) async throws {
        let global = Scope.global(account: account)
        let regional = Scope(account: account, region: "us-east-1")
        let one = gateway("dxgw-1")
        let two = gateway("dxgw-2", owner: "444455556666", state: "pending")
        let three = gateway("dxgw-3")
        try await StoreContractTests.with(backend) { store in
            try await store.transaction(.write) { transaction in
                for record in [one, two, three] { try await transaction.save(record, in: global) }
                // Another kind with the same ID is another record.
                try await transaction.save(StoreContractTests.connection("dxgw-1"), in: global)
            }
            let (byID, elsewhere, owned, pending, named, page) = try await store.transaction(.read) { transaction in
                (
                    try await transaction.record(GatewayTestRecord.self, id: "dxgw-1", in: global),
                    try await transaction.record(GatewayTestRecord.self, id: "dxgw-1", in: regional),
                    try await find(transaction, .first, "111122223333", in: global),
                    try await find(transaction, .second, "pending", in: global),
                    try await find(transaction, .unique, "name-dxgw-3", in: global),
                    try await transaction.records(
                        GatewayTestRecord.self,
                        in: global,
                        matching: nil,
                        page: PageRequest(after: "dxgw-1", limit: 1)
                    )
                )
            }
            #expect(byID == one)
            #expect(elsewhere == nil, "a global record was seen from a region")
            #expect(owned == [one, three])
            #expect(pending == [two])
            #expect(named == [three])
            #expect(page == [two])

            // A lookup that changes moves the record; its unique value stays its own.
            try await store.transaction(.write) { transaction in
                var moved = two
                moved.state = nil
                moved.owner = "111122223333"
                try await transaction.save(moved, in: global)
                try await transaction.delete(GatewayTestRecord.self, id: "dxgw-3", in: global)
            }
            let (stillPending, nowOwned, gone, connection) = try await store.transaction(.read) { transaction in
                (
                    try await find(transaction, .second, "pending", in: global),
                    try await find(transaction, .first, "111122223333", in: global).map(\.id),
                    try await transaction.record(GatewayTestRecord.self, id: "dxgw-3", in: global),
                    try await transaction.connection(id: "dxgw-1", in: global)
                )
            }
            #expect(stillPending.isEmpty)
            #expect(nowOwned == ["dxgw-1", "dxgw-2"])
            #expect(gone == nil)
            #expect(connection?.id == "dxgw-1", "deleting one kind's record touched another kind's")
        }
    }

    @Test(arguments: StoreContractTests.Backend.allCases)
    func aNewKindsUniqueValueIsUniqueInItsScopeOnly(_ backend: StoreContractTests.Backend) async throws {
        let global = Scope.global(account: account)
        try await StoreContractTests.with(backend) { store in
            try await store.transaction(.write) { try await $0.save(gateway("dxgw-1", name: "core"), in: global) }
            await #expect(throws: StoreError.self) {
                try await store.transaction(.write) { try await $0.save(gateway("dxgw-2", name: "core"), in: global) }
            }
            // The same name in another account's global scope, and the name freed by a deletion, are taken.
            try await store.transaction(.write) { transaction in
                try await transaction.save(gateway("dxgw-3", name: "core"), in: Scope.global(account: otherAccount))
                try await transaction.delete(GatewayTestRecord.self, id: "dxgw-1", in: global)
                try await transaction.save(gateway("dxgw-4", name: "core"), in: global)
            }
            let named = try await store.transaction(.read) {
                try await $0.records(
                    GatewayTestRecord.self,
                    in: global,
                    matching: RecordMatch(.unique, "core"),
                    page: .all
                )
            }
            #expect(named.map(\.id) == ["dxgw-4"])
        }
    }

    @Test func aNewKindIsReadBackAfterReopening() async throws {
        let global = Scope.global(account: account)
        let kinds = StoredKinds.all + [GatewayTestRecord.self]
        let found = try await withTemporaryDatabase { path in
            try await SQLiteStore.withStore(.file(path: path), kinds: kinds) { store in
                try await store.transaction(.write) { try await $0.save(gateway("dxgw-1"), in: global) }
            }
            return try await SQLiteStore.withStore(.file(path: path), kinds: kinds) { store in
                try await store.transaction(.read) { transaction in
                    (
                        try await transaction.record(GatewayTestRecord.self, id: "dxgw-1", in: global),
                        try await find(transaction, .second, "available", in: global).map(\.id)
                    )
                }
            }
        }
        #expect(found.0 == gateway("dxgw-1"))
        #expect(found.1 == ["dxgw-1"])
    }
}
