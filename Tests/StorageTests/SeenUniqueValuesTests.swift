import Storage
import Testing

@testable import StorageSQLite

@Suite struct SeenUniqueValuesTests {
    /// A value inserted may be held in its own kind and scope only; one never inserted is certainly not, among many.
    @Test func aValueIsSeenInItsKindAndScopeOnly() {
        let scope = Scope(account: "123456789012", region: "us-east-1")
        let elsewhere = Scope(account: "210987654321", region: "us-east-1")
        var seen = SeenUniqueValues()
        #expect(!seen.mayHold("a", kind: "secret", in: scope))
        for number in 0..<50_000 { seen.insert("name-\(number)", kind: "secret", in: scope) }
        seen.insert("a", kind: "secret", in: scope)
        #expect(seen.count == 50_001)
        #expect(seen.mayHold("a", kind: "secret", in: scope))
        #expect(seen.mayHold("name-49999", kind: "secret", in: scope))
        #expect(!seen.mayHold("a", kind: "secret", in: elsewhere))
        #expect(!seen.mayHold("a", kind: "other", in: scope))
        #expect(!seen.mayHold("a", kind: "secret", in: Scope(account: "123456789012", region: "us-west-2")))
        // Values never inserted: with 64-bit hashes, none of 50,000 may be taken for one of the 50,001 inserted.
        #expect((0..<50_000).allSatisfy { !seen.mayHold("other-\($0)", kind: "secret", in: scope) })
        // The same value again adds nothing.
        seen.insert("a", kind: "secret", in: scope)
        #expect(seen.count == 50_001)
    }
}
