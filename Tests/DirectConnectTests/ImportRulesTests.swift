import DirectConnect
import Foundation
import Storage
import Testing

/// What a state document may hold (SPEC 11), kind by kind: `ImportRules`, without a server.
@Suite struct ImportRulesTests {
    @Test func everyKindTheStoresKeepHasARule() {
        #expect(ImportRules.coveredKinds == Set(StoredKinds.all.map { $0.recordKind.name }))
    }

    @Test func aMergedPeeringPoolOnlyGrows() throws {
        let held = PeeringPoolRecord(id: "peering", ipv4Issued: 3, ipv6Issued: 1, ipv4HandPicked: ["169.254.9.0/30"])
        let older = PeeringPoolRecord(id: "peering", ipv4Issued: 1, ipv6Issued: 2, ipv4HandPicked: ["169.254.8.0/30"])
        let merged = try #require(ImportRules.merged(older, over: held) as? PeeringPoolRecord)
        #expect(merged.ipv4Issued == 3)
        #expect(merged.ipv6Issued == 2)
        #expect(merged.ipv4HandPicked == ["169.254.9.0/30", "169.254.8.0/30"])
    }

    @Test func aRecordNamesWhatTheServiceNeverLeavesDangling() throws {
        let east = Scope(account: "111122223333", region: "us-east-1")
        // A LAG's member names its LAG; a connection outside one names nothing.
        let member = KeychainTests.member("dxcon-bbbbbbbb", down: false)
        let toLag = try #require(ImportRules.references(of: member, in: east).first)
        #expect(ImportRules.references(of: member, in: east).count == 1)
        #expect(toLag.member == "lagId" && toLag.id == "dxlag-aaaaaaaa" && toLag.scope == east)
        #expect(toLag.kinds == [LagRecord.recordKind.name])
        var alone = member
        alone.lagId = nil
        #expect(ImportRules.references(of: alone, in: east).isEmpty)
        // A live interface names its connection or LAG, an interconnect never; a deleted one nothing.
        var interface = VirtualInterfaceTests.record()
        let toCarrier = try #require(ImportRules.references(of: interface, in: east).first)
        #expect(toCarrier.member == "connectionId" && toCarrier.id == interface.connectionId)
        #expect(Set(toCarrier.kinds) == [ConnectionRecord.recordKind.name, LagRecord.recordKind.name])
        #expect(toCarrier.accepts(alone))
        var interconnect = alone
        interconnect.kind = .interconnect
        #expect(!toCarrier.accepts(interconnect))
        interface.deletedAt = Fixture.start
        #expect(ImportRules.references(of: interface, in: east).isEmpty)
        // A customer router names a MACsec port of its own ID.
        let router = MKACustomerRecord(
            id: "dxcon-bbbbbbbb",
            ckns: [],
            keyServerPriority: 0,
            cipherSuites: [],
            configuredAt: Fixture.start,
            sealedHistory: Data(),
            masterKeyId: "k"
        )
        let toPort = try #require(ImportRules.references(of: router, in: east).first)
        #expect(toPort.member == "id" && toPort.id == "dxcon-bbbbbbbb")
        #expect(toPort.accepts(alone))
        var plain = alone
        plain.port.macSecCapable = false
        #expect(!toPort.accepts(plain))
        #expect(!toPort.accepts(interconnect))
        #expect(
            ImportRules.references(of: PeeringPoolRecord(id: "peering", ipv4Issued: 0, ipv6Issued: 0), in: east).isEmpty
        )
    }

    @Test func twoHeldInterfacesOfOneVlanClashAndADeletedOneHoldsNone() throws {
        var first = VirtualInterfaceTests.record()
        first.id = "dxvif-aaaaaaaa"
        var second = first
        second.id = "dxvif-bbbbbbbb"
        let now = Fixture.start.addingTimeInterval(3_600)
        let clash = try #require(ImportRules.vlanClash(among: [first, second], at: now))
        #expect(clash.0.id == first.id && clash.1.id == second.id)
        second.vlan += 1
        #expect(ImportRules.vlanClash(among: [first, second], at: now) == nil)
        second.vlan = first.vlan
        second.deletedAt = Fixture.start
        #expect(ImportRules.vlanClash(among: [first, second], at: now) == nil)
    }

    @Test func recordsNoRequestCouldMakeAreNamed() {
        let east = Scope(account: "111122223333", region: "us-east-1")
        let global = Scope(account: "111122223333", region: Scope.globalRegion)
        let pool = PeeringPoolRecord(id: "peering", ipv4Issued: 0, ipv6Issued: 0)
        #expect(ImportRules.problem(with: pool, in: east) == nil)
        #expect(ImportRules.problem(with: pool, in: global)?.contains("belongs to a region") == true)
        let other = PeeringPoolRecord(id: "pool", ipv4Issued: 0, ipv6Issued: 0)
        #expect(ImportRules.problem(with: other, in: east)?.contains("is peering") == true)
        #expect(ImportRules.isUniqueEverywhere(ConnectionRecord.recordKind.name))
        #expect(!ImportRules.isUniqueEverywhere(SecretRecord.recordKind.name))
    }
}
