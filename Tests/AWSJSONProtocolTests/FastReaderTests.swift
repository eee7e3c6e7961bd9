import AWSJSONProtocol
import DirectConnectModel
import Foundation
import SecretsManagerModel
import Testing

/// The generated readers (`AWSJSONReadable`) are the only reading of a body: whatever they read must be what
/// `JSONDecoder` reads, and wherever they refuse a body, their message must be the one `JSONDecoder`'s error gave
/// (`JSONDecoderReference`, the server's reading before). Each body is decoded both ways and the outcomes (the value,
/// or the error's code and message) compared: hand-picked edge cases, then mutations of valid bodies.
@Suite struct FastReaderTests {
    enum Outcome: Equatable {
        case value(AnyHashable)
        case error(String, String)
    }

    /// `AWSJSONCoding.decode` as the server calls it.
    static func withReader<T: AWSShape>(_ type: T.Type, _ body: [UInt8]) -> Outcome {
        do {
            return .value(AnyHashable(try AWSJSONCoding.decode(type, from: body)))
        } catch {
            return .error(error.code, error.message)
        }
    }

    static func withFoundation<T: Decodable & Hashable>(_ type: T.Type, _ body: [UInt8]) -> Outcome {
        do {
            return .value(AnyHashable(try JSONDecoderReference.decode(type, from: body)))
        } catch {
            return .error(error.code, error.message)
        }
    }

    static var notJSON: Outcome { .error("SerializationException", "The request body is not valid JSON") }

    /// The same outcome both ways, with two differences by design. The reader takes JSON as RFC 8259 writes it, where
    /// `JSONDecoder` lets much through in values it skips (trailing commas, raw control characters, bad escapes,
    /// `007`): a body `StrictJSON` refuses is "not valid JSON" to the reader, or names the member it found given
    /// twice before the fault. A number out of its member's range names the member ("has an invalid value") where
    /// `JSONDecoder` says "not valid JSON".
    static func expectSame<T: AWSShape>(
        _ type: T.Type,
        _ body: [UInt8],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let fast = withReader(type, body)
        let foundation = withFoundation(type, body)
        func message(_ outcome: Outcome) -> String? {
            if case .error(_, let message) = outcome { return message }
            return nil
        }
        let agreed: Bool
        if fast == foundation {
            agreed = true
        } else if !StrictJSON.isValid(body) {
            agreed = fast == notJSON || message(fast)?.hasSuffix("appears more than once in one object") == true
        } else {
            agreed =
                foundation == notJSON && message(fast)?.hasSuffix("has an invalid value") == true
                && isNumber(at: member(named: message(fast) ?? ""), in: body)
        }
        #expect(
            agreed,
            "\(T.self) from \(String(decoding: body, as: UTF8.self)): \(fast) against \(foundation)",
            sourceLocation: sourceLocation
        )
    }

    /// The member a "Member X has an invalid value" message names (`tags.[0].key`).
    static func member(named message: String) -> String {
        String(message.dropFirst("Member ".count).dropLast(" has an invalid value".count))
    }

    /// Whether the member at the end of `path` (`JSONDecoder`'s form: `tags.[0].key`) is written with a number in
    /// `body`: its name, a colon, then a minus sign or a digit. Read off the text, so that numbers no `Double` holds
    /// (`1e400`) are found too.
    static func isNumber(at path: String, in body: [UInt8]) -> Bool {
        guard let name = path.split(separator: ".").last, !name.hasPrefix("[") else { return false }
        let quoted = Array("\"\(name)\"".utf8)
        var start = body.startIndex
        while let found = body[start...].firstRange(of: quoted) {
            var index = found.upperBound
            func skipSpace() {
                while index < body.endIndex, [0x20, 0x09, 0x0A, 0x0D].contains(body[index]) { index += 1 }
            }
            skipSpace()
            if index < body.endIndex, body[index] == UInt8(ascii: ":") {
                index += 1
                skipSpace()
                if index < body.endIndex, body[index] == UInt8(ascii: "-") || (0x30...0x39).contains(body[index]) {
                    return true
                }
            }
            start = found.upperBound
        }
        return false
    }

    @Test func theNamedMemberOfAnOutOfRangeNumberIsFoundAndIsANumber() {
        let body = Array(#"{"tags":[{"key":99999999999999999999,"value":true}],"maxResults":"5"}"#.utf8)
        #expect(Self.isNumber(at: "tags.[0].key", in: body))
        #expect(!Self.isNumber(at: "tags.[0].value", in: body))
        #expect(!Self.isNumber(at: "maxResults", in: body))
        #expect(!Self.isNumber(at: "tags.[0].other", in: body))
        #expect(Self.isNumber(at: "loaIssueTime", in: Array(#"{"loaIssueTime" : 1e400}"#.utf8)))
        #expect(Self.member(named: "Member tags.[0].key has an invalid value") == "tags.[0].key")
    }

    static let bodies: [String] = [
        #"{"connectionId":"dxcon-abcdefgh","ckn":"\#(String(repeating: "a", count: 64))","cak":"\#(String(repeating: "b", count: 64))"}"#,
        #"{"connectionId":"dxcon-abcdefgh","secretARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf"}"#,
        #"{"location":"EqDC2","bandwidth":"10Gbps","connectionName":"a","tags":[{"key":"k","value":"v"},{"key":"only"}],"requestMACSec":true}"#,
        #"{"numberOfConnections":2,"location":"EqDC2","connectionsBandwidth":"10Gbps","lagName":"l","childConnectionTags":[]}"#,
        #"{"resourceArn":"arn:aws:directconnect:us-east-1:123456789012:dxcon/dxcon-abcdefgh","tags":[{"key":"a","value":""}]}"#,
        #"{"connectionId": null, "maxResults": 10, "nextToken": "t"}"#,
        #" { "connectionId" : "dxcon-abcdefgh" , "future" : { "a" : [ 1 , true , null , "x" , { } , [ ] ] } } "#,
        #"{"Name":"n","SecretString":"{\"CKN\":\"ab\"}","Tags":[{"Key":"k","Value":"v"}],"AddReplicaRegions":[]}"#,
        #"{"Name":"n","SecretBinary":"AAEC","ClientRequestToken":"11111111-2222-3333-4444-555555555555"}"#,
        #"{"Filters":[{"Key":"name","Values":["a","b"]}],"MaxResults":5,"SortOrder":"asc"}"#,
        #"{"connectionId":"dxcon-ab","connectionState":"available","vlan":0,"macSecKeys":[{"secretARN":"s","ckn":"c","state":"associated","startOn":"2024"}],"loaIssueTime":1700000000,"jumboFrameCapable":false}"#,
        // Values the readers leave to JSONDecoder: escapes, numbers with fractions or exponents, odd integers.
        #"{"connectionId":"dxcon-\u0041bc"}"#,
        #"{"connectionId":"tab\there"}"#,
        // Every escape: the readers decode them as JSONDecoder does, and give up where it refuses.
        #"{"connectionId":"\"\\\/\b\f\n\r\t\u00e9\u00E9\u0000"}"#, #"{"connectionId":"\uD83D\uDE00 ok"}"#,
        #"{"connectionId":"\uD83D"}"#, #"{"connectionId":"\uDE00"}"#, #"{"connectionId":"\uD83Dx"}"#,
        #"{"connectionId":"\uD83D\u0041"}"#, #"{"connectionId":"\x"}"#, #"{"connectionId":"\u12G4"}"#,
        #"{"connectionId":"\u12"}"#, #"{"connectionId":"a\"#, #"{"\u0063onnectionId":"a"}"#,
        #"{"connectionId":"a","\u0063onnectionId":"b"}"#,
        #"{"maxResults":1.0}"#, #"{"maxResults":1e2}"#, #"{"maxResults":-0}"#, #"{"maxResults":007}"#,
        #"{"maxResults":99999999999999999999}"#, #"{"maxResults":-9223372036854775808}"#,
        #"{"maxResults":9223372036854775807}"#, #"{"loaIssueTime":1700000000.5}"#, #"{"vlan":-1}"#,
        // Wrong types, nulls where they may not be, malformed JSON: JSONDecoder's errors.
        #"{"connectionId":5}"#, #"{"maxResults":"5"}"#, #"{"requestMACSec":1}"#, #"{"tags":[null]}"#,
        #"{"tags":{"key":"k"}}"#, #"{"tags":[{"key":5}]}"#, #"{"connectionId":"a",}"#, #"{"connectionId":"a" "b":1}"#,
        #"{,"connectionId":"a"}"#, #"{"connectionId":"a"}x"#, #"{"connectionId":"a"}}"#, #"[{"connectionId":"a"}]"#,
        #"{"a":[1,]}"#, #"{"a":[,1]}"#, #"{"a":tru}"#, #"{"a":nul}"#, #"{"connectionId":nul}"#, "{\"a\":\"\u{1}\"}",
        #"{"connectionId":"a","connectionId":"b"}"#, "", "  ", "{}", "null", #""x""#, "{\"a\":\"\u{e9}\"}",
        #"{"tags":[{"key":"k","value":"v"}],"tags2":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}"#,
        // Two wrong values: the one JSONDecoder meets first in the model's order is named, not the first written.
        #"{"maxResults":"5","connectionId":5}"#, #"{"tags":[{"value":5,"key":6},{"key":7}],"location":5}"#,
        #"{"tags":[{"key":"k"},{"key":5}],"bandwidth":[],"connectionName":{}}"#, #"{"cak":1,"ckn":2,"secretARN":3}"#,
        // Blobs and timestamps at their edges.
        #"{"Name":"n","SecretBinary":""}"#, #"{"Name":"n","SecretBinary":"AAE="}"#,
        #"{"Name":"n","SecretBinary":"AAE"}"#,
        #"{"Name":"n","SecretBinary":"not base64!"}"#, #"{"Name":"n","SecretBinary":"A\/B="}"#,
        #"{"Name":"n","SecretBinary":5}"#, #"{"Name":"n","SecretBinary":null}"#,
        #"{"loaIssueTime":-1.5}"#, #"{"loaIssueTime":0}"#, #"{"loaIssueTime":1e400}"#, #"{"loaIssueTime":1E3}"#,
        #"{"loaIssueTime":"1700000000"}"#, #"{"loaIssueTime":1700000000.123456789}"#, #"{"loaIssueTime":-0.0}"#,
    ]

    static func decodeAllWays(_ body: [UInt8]) {
        expectSame(AssociateMacSecKeyRequest.self, body)
        expectSame(DisassociateMacSecKeyRequest.self, body)
        expectSame(DescribeConnectionsRequest.self, body)
        expectSame(CreateConnectionRequest.self, body)
        expectSame(CreateLagRequest.self, body)
        expectSame(DirectConnectModel.TagResourceRequest.self, body)
        expectSame(SecretsManagerModel.TagResourceRequest.self, body)
        expectSame(Connection.self, body)
        expectSame(CreateSecretRequest.self, body)
        expectSame(ListSecretsRequest.self, body)
    }

    @Test(arguments: bodies)
    func readersAgreeWithJSONDecoder(_ body: String) {
        Self.decodeAllWays(Array(body.utf8))
    }

    /// Invalid UTF-8 inside a string, which JSONDecoder refuses.
    @Test func invalidUTF8IsLeftToJSONDecoder() {
        Self.decodeAllWays(Array(#"{"connectionId":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8))
    }

    /// The common bodies are read to the values they hold (not only refused alike).
    @Test func commonBodiesAreRead() {
        func read<T: AWSShape>(_ type: T.Type, _ body: String) -> T? {
            Array(body.utf8).withUnsafeBufferPointer { AWSJSONReader.read(type, from: $0) }
        }
        let associate = read(AssociateMacSecKeyRequest.self, Self.bodies[0])
        #expect(associate?.connectionId == "dxcon-abcdefgh" && associate?.cak?.count == 64)
        #expect(read(CreateConnectionRequest.self, Self.bodies[2])?.tags?.count == 2)
        #expect(read(DescribeConnectionsRequest.self, Self.bodies[6])?.connectionId == "dxcon-abcdefgh")
        #expect(read(ListSecretsRequest.self, Self.bodies[9])?.filters?.first?.values == ["a", "b"])
        #expect(read(CreateSecretRequest.self, Self.bodies[8])?.secretBinary == Data([0, 1, 2]))
        #expect(read(Connection.self, Self.bodies[10])?.loaIssueTime == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(read(DescribeConnectionsRequest.self, Self.bodies[11])?.connectionId == "dxcon-Abc")
    }

    /// Valid bodies with bytes replaced, inserted or removed (a fixed seed, so every run decodes the same bodies).
    @Test func mutatedBodiesDecodeAlike() {
        var random = SplitMix64(seed: 0x5eed)
        let alphabet = Array(#"{}[]:,"\ 0123456789.-+eEtruefalsn"#.utf8) + [0x00, 0x7F, 0xC3, 0xA9, 0xFF]
        for body in Self.bodies.prefix(11).map({ Array($0.utf8) }) {
            for _ in 0..<60 {
                var mutated = body
                for _ in 0..<Int(random.next() % 3 + 1) {
                    let position = Int(random.next() % UInt64(mutated.count + 1))
                    let byte = alphabet[Int(random.next() % UInt64(alphabet.count))]
                    switch random.next() % 3 {
                    case 0 where position < mutated.count: mutated[position] = byte
                    case 1 where position < mutated.count: mutated.remove(at: position)
                    default: mutated.insert(byte, at: position)
                    }
                }
                Self.decodeAllWays(mutated)
            }
        }
    }
}

/// A small deterministic generator for the mutations.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
