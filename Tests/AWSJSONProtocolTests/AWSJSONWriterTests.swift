import AWSJSONProtocol
import DirectConnectModel
import Foundation
import NIOCore
import SecretsManagerModel
import Testing

/// The generated writers put the same JSON on the wire as `JSONEncoder` under the protocol's settings did.
@Suite struct AWSJSONWriterTests {
    static func viaEncoder(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try WireFixtureTests.canonical(encoder.encode(value))
    }

    static func viaWriter(_ value: some AWSJSONValue) throws -> String {
        try WireFixtureTests.canonical(AWSJSONWriter.write(value))
    }

    static let awkward =
        "quote \" backslash \\ slash / newline \n tab \t cr \r bell \u{7} nul \u{0} "
        + "del \u{7F} e-acute \u{E9} emoji \u{1F510} line-separator \u{2028}"

    @Test func stringsAreEscapedAsTheEncoderEscapesThem() throws {
        let tag = DirectConnectModel.Tag(key: Self.awkward, value: "")
        #expect(try Self.viaWriter(tag) == Self.viaEncoder(tag))
        let raw = String(buffer: WireFixtureTests.joined(AWSJSONWriter.write(tag)))
        #expect(raw.contains(#"\u0000"#) && raw.contains(#"\u0007"#) && raw.contains(#"\n"#))
        #expect(raw.contains("slash /"))
    }

    /// The writer scans eight bytes at a time before it escapes byte by byte: a character that needs escaping (and
    /// some that do not, either side of the bounds) is found at every place of strings across several words.
    @Test func escapesAreFoundAtEveryPlaceOfAWord() throws {
        let characters = [
            "\"", "\\", "\n", "\u{1F}", "\u{0}", " ", "!", "#", "[", "]", "\u{7F}", "\u{E9}", "\u{1F510}",
        ]
        for length in 1...20 {
            for place in 0..<length {
                for character in characters {
                    var text = String(repeating: "a", count: place) + character
                    text += String(repeating: "b", count: length - place - 1)
                    let tag = DirectConnectModel.Tag(key: text, value: character + text)
                    #expect(try Self.viaWriter(tag) == Self.viaEncoder(tag), "\(text.debugDescription)")
                }
            }
        }
    }

    @Test func everyControlCharacterRoundTrips() throws {
        let all = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self)
        let decoded = try JSONDecoder().decode(
            DirectConnectModel.Tag.self,
            from: Data(WireFixtureTests.joined(AWSJSONWriter.write(DirectConnectModel.Tag(key: all))).readableBytesView)
        )
        #expect(decoded.key == all)
    }

    @Test func aLagWithMembersKeysAndTagsMatches() throws {
        let key = MacSecKey(
            secretARN: "arn:aws:secretsmanager:us-east-1:123456789012:secret:a/b",
            ckn: "ab",
            state: "associated",
            startOn: "2027-01-15T08:00:00Z"
        )
        let member = Connection(
            ownerAccount: "123456789012",
            connectionId: "dxcon-abcdefgh",
            connectionName: Self.awkward,
            connectionState: .available,
            vlan: 0,
            lagId: "dxlag-abcdefgh",
            jumboFrameCapable: false,
            hasLogicalRedundancy: .unknown,
            tags: [],
            macSecCapable: true,
            macSecKeys: [key, key]
        )
        let lag = Lag(
            connectionsBandwidth: "10Gbps",
            numberOfConnections: 2,
            lagId: "dxlag-abcdefgh",
            minimumLinks: 1,
            connections: Array(repeating: member, count: 40),
            tags: [DirectConnectModel.Tag(key: "k", value: "v")],
            macSecKeys: [key]
        )
        #expect(try Self.viaWriter(lag) == Self.viaEncoder(lag))
        #expect(try Self.viaWriter(Lags(lags: [lag, lag])) == Self.viaEncoder(Lags(lags: [lag, lag])))
        // Large enough for several chunks: every chunk but the last is full up to a value.
        let many = Lags(lags: Array(repeating: lag, count: 60))
        let chunks = AWSJSONWriter.write(many)
        #expect(chunks.count > 2)
        #expect(chunks.allSatisfy { $0.readableBytes <= AWSJSONWriter.chunkSize })
        #expect(try WireFixtureTests.canonical(chunks) == Self.viaEncoder(many))
    }

    @Test func timestampsBlobsAndMapsMatch() throws {
        let described = DescribeSecretResponse(
            arn: "arn",
            name: "name",
            rotationEnabled: false,
            lastChangedDate: Date(timeIntervalSince1970: 1_800_000_000),
            lastAccessedDate: Date(timeIntervalSince1970: 1_800_000_000.125),
            deletedDate: Date(timeIntervalSince1970: 1_764_219_123.456789),
            tags: [SecretsManagerModel.Tag(key: "a", value: "b")],
            versionIdsToStages: ["v1": ["AWSCURRENT"], "v2": ["AWSPREVIOUS", "custom"], "v3": []],
            createdDate: Date(timeIntervalSince1970: 0)
        )
        #expect(try Self.viaWriter(described) == Self.viaEncoder(described))
        let value = GetSecretValueResponse(
            arn: "arn",
            secretBinary: Data([0, 1, 2, 250, 251, 252, 253]),
            versionStages: ["AWSCURRENT"],
            createdDate: Date(timeIntervalSince1970: -1.5)
        )
        #expect(try Self.viaWriter(value) == Self.viaEncoder(value))
        let raw = String(buffer: WireFixtureTests.joined(AWSJSONWriter.write(described)))
        #expect(raw.contains(#""LastChangedDate":1800000000,"#))
        #expect(raw.contains(#""LastAccessedDate":1800000000.125"#))
    }

    /// Numbers that are not whole are written as `description` writes them (the shortest text that reads back as
    /// the same `Double`), though the writer asks the standard library for the digits without a String.
    @Test func fractionalNumbersAreWrittenAsTheirDescription() {
        func written(_ value: Double) -> String {
            var writer = AWSJSONWriter()
            writer.number(value)
            return String(decoding: writer.finishBytes(), as: UTF8.self)
        }
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [
            0.001, 0.5, -0.5, 0.999, 1.1, 1.25, 1_764_219_123.456, 1_800_000_000.125, -1.5, 999_999_999_999.999,
            1e12 + 0.5, 0.1 + 0.2, 1.0 / 3, 1e-7, 1_764_219_123.456789, 4_503_599_627_370_495.5, -0.0005,
        ]
        for _ in 0..<20_000 {
            let whole = Double(Int.random(in: 0..<1_000_000_000_000, using: &generator) >> Int.random(in: 0...40))
            let milliseconds = Double(Int.random(in: 1..<1000, using: &generator)) / 1000
            let sign: Double = Bool.random(using: &generator) ? -1 : 1
            values.append(sign * (whole + milliseconds))
            values.append(sign * Double.random(in: 0..<2e12, using: &generator))
            values.append(Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator)))
        }
        for value in values where value.isFinite && value != value.rounded(.towardZero) {
            #expect(written(value) == value.description, "\(value)")
        }
    }

    @Test func unsetMembersAndEmptyShapesAreOmittedNotNull() throws {
        #expect(String(buffer: WireFixtureTests.joined(AWSJSONWriter.write(Connection()))) == "{}")
        #expect(String(buffer: WireFixtureTests.joined(AWSJSONWriter.write(EmptyShape()))) == "{}")
        #expect(
            String(buffer: WireFixtureTests.joined(AWSJSONWriter.write(Connections(connections: []))))
                == #"{"connections":[]}"#
        )
    }
}
