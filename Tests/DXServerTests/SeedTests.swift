import Foundation
import Storage
import Testing

@testable import DXServer

/// Reading a seed (`dxlocal serve --seed`), without I/O: YAML's scalars as the operations expect them, the places
/// a refusal names, and no value of the file in a message.
@Suite struct SeedTests {
    static let cak = String(repeating: "9f", count: 32)

    @Test func yamlKeepsDigitStringsAsStringsAndNumbersAsNumbers() throws {
        let ckn = String(repeating: "0", count: 63) + "1"
        let seed = try Seed.read(
            """
            accounts:
              "111122223333":
                us-east-1:
                  lags:
                    - lagId: dxlag-seed0001
                      lagName: 0123
                      numberOfConnections: 2
                      requestMACSec: yes
                      macSecKeys: [{ckn: \(ckn), cak: \(Self.cak)}]
            """
        )
        let scoped = try #require(seed.scopes.first)
        #expect(scoped.scope == Scope(account: "111122223333", region: "us-east-1"))
        let lag = try #require(scoped.lags.first)
        #expect(lag.fixedId == "dxlag-seed0001")
        #expect(lag.keys == [["ckn": ckn, "cak": Self.cak]])
        let input = try #require(try JSONSerialization.jsonObject(with: lag.input) as? [String: Any])
        #expect(input["lagName"] as? String == "0123")
        #expect(input["numberOfConnections"] as? Int == 2)
        #expect(input["requestMACSec"] as? Bool == true)
        #expect(input["macSecKeys"] == nil && input["lagId"] == nil)
    }

    @Test(arguments: [
        (
            #"{"accounts": {"111122223333": {"us-east-1": {"virtualInterfaces": []}}}}"#,
            "a seed does not take these yet"
        ),
        (#"{"accounts": {"12": {}}}"#, "12-digit account ID"),
        (#"{"accounts": {"111122223333": {"us_east_1": {}}}}"#, "not a region name"),
        (#"{"accounts": []}"#, "accounts must be an object"),
        (#"{"accounts": {"111122223333": {"us-east-1": {"connections": {}}}}}"#, "connections must be a list"),
        (
            #"{"accounts": {"111122223333": {"us-east-1": {"lags": [{"macSecKeys": [{"cak": 1}]}]}}}}"#,
            "lags[0].macSecKeys[0] must be"
        ),
        ("[1, 2]", "a seed is a JSON object"),
        ("{", "not valid JSON"),
    ])
    func aSeedItCannotReadIsRefusedByPlace(text: String, said: String) {
        #expect {
            _ = try Seed.read(text)
        } throws: { error in
            (error as? Seed.Failure)?.description.contains(said) == true
        }
    }

    @Test func aYamlErrorNamesTheLineNotItsText() {
        let text = "accounts:\n  \"111122223333\": {us-east-1: [cak: \"\(Self.cak)\"\n"
        #expect {
            _ = try Seed.read(text)
        } throws: { error in
            let description = (error as? Seed.Failure)?.description ?? ""
            return description.contains("line") && !description.contains(Self.cak)
        }
    }

    @Test(arguments: [
        ("us-east-1", true), ("us-gov-west-1", true), ("eu-central-2", true), ("useast1", false),
        ("us-east-", false), ("US-EAST-1", false), ("us--1", false),
    ])
    func regionNames(name: String, valid: Bool) {
        #expect(Seed.isRegionName(name) == valid)
    }
}
