import DirectConnect
import ServiceKit
import Testing

@Suite struct IdentifiersTests {
    /// Random suffixes are drawn several characters a draw: they keep their length and alphabet, and every character
    /// of the alphabet turns up in every position.
    @Test func randomStringsUseTheWholeAlphabetInEveryPosition() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let count = 13  // more than one draw holds (62^10 < 2^64 < 62^11)
        var seen = Array(repeating: Set<Character>(), count: count)
        for _ in 0..<3_000 {
            let value = Array(RandomText.string(count, from: alphabet))
            #expect(value.count == count)
            for (position, character) in value.enumerated() { seen[position].insert(character) }
        }
        #expect(seen.allSatisfy { $0 == Set(alphabet) })
        #expect(RandomText.string(0, from: alphabet).isEmpty)
    }

    @Test func newIdentifiersAreWellFormed() {
        for _ in 0..<100 {
            #expect(Identifiers.isWellFormed(Identifiers.newConnectionId()))
            #expect(Identifiers.isWellFormed(Identifiers.newLagId()))
        }
    }

    /// `String(concatenating:)`, which ARNs and secret names are built with: the parts in order, whatever their
    /// kind of string, at their exact size.
    @Test func concatenatedPartsKeepTheirOrderAndBytes() {
        let name = "directconnect!prod/eu-west-1/directconnect/ab"
        #expect(String(concatenating: "a", "", "bc") == "abc")
        #expect(String(concatenating: name.prefix(13), "/", "é✓", name.suffix(2)) == "directconnect/é✓ab")
        #expect(String(concatenating: "", "").isEmpty)
        #expect(String(concatenating: "arn:", "x").utf8.count == 5)
    }
}
