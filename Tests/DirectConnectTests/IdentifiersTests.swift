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

    /// A Direct Connect ARN with no account (Terraform's with `skip_requesting_account_id`) is the caller's; every
    /// other ARN stays as it is.
    @Test func anARNWithNoAccountIsTheCallers() {
        let account = "111122223333"
        #expect(
            Identifiers.withCallerAccount("arn:aws:directconnect:us-east-1::dxvif/dxvif-abcd1234", account: account)
                == "arn:aws:directconnect:us-east-1:111122223333:dxvif/dxvif-abcd1234"
        )
        #expect(
            Identifiers.withCallerAccount("arn:aws:directconnect:::dx-gateway/g-1:x", account: account)
                == "arn:aws:directconnect::111122223333:dx-gateway/g-1:x"
        )
        for kept in [
            "arn:aws:directconnect:us-east-1:444455556666:dxcon/dxcon-abcd1234",
            "arn:aws:secretsmanager:us-east-1::secret:x", "arn:aws:directconnect:us-east-1:", "dxcon-abcd1234", "",
        ] {
            #expect(Identifiers.withCallerAccount(kept, account: account) == kept)
        }
    }
}
