import DirectConnect
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
