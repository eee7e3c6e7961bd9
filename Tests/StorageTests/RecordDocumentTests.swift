import AWSJSONProtocol
import Foundation
import Storage
import Testing

/// Record documents written member by member read back as the same records and are the JSON `JSONEncoder` wrote, for
/// every record type with every optional member set (a member the writer forgot would fail both). The generated
/// readers read what `JSONDecoder` reads, and give up (to it) where a string holds an escape.
@Suite struct RecordDocumentTests {
    static let instant = Date(timeIntervalSince1970: 1_800_000_000.25)

    /// What the generated reader alone makes of a document.
    static func fastRead<T: AWSJSONReadable>(_ type: T.Type, _ document: String) -> T? {
        var document = document
        return document.withUTF8 { AWSJSONReader.read(T.self, from: $0) }
    }

    static func expectFaithful<T: Codable & Equatable & AWSJSONValue & AWSJSONReadable>(
        _ record: T,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let document = RecordDocument.encode(record)
        // The same text written into a lent block, whether the block holds it or it outgrows it (the SQLite store
        // binds it from there).
        for size in [0, 64, 100, 8192] {
            let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: size)
            defer { scratch.deallocate() }
            let lent = RecordDocument.withEncoded(record, in: scratch) { String(decoding: $0, as: UTF8.self) }
            #expect(lent == document, "block of \(size) bytes", sourceLocation: sourceLocation)
        }
        #expect(try RecordDocument.decode(T.self, from: document) == record, sourceLocation: sourceLocation)
        let reference = try RecordDocument.decodeWithFoundation(T.self, from: document)
        #expect(reference == record, sourceLocation: sourceLocation)
        // The generated reader reads every document, escapes included, and reads it right.
        #expect(fastRead(T.self, document) == record, sourceLocation: sourceLocation)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        let ours = try JSONSerialization.jsonObject(with: Data(document.utf8)) as? NSDictionary
        let theirs = try JSONSerialization.jsonObject(with: encoder.encode(record)) as? NSDictionary
        #expect(ours != nil && ours == theirs)
    }

    static let key = KeyRecord(
        secretARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:a/\"quoted\"\\-AbCdEf",
        ckn: "ab",
        startOn: instant,
        associatedAt: instant.addingTimeInterval(1),
        disassociationRequestedAt: instant.addingTimeInterval(2),
        disassociatedAt: instant.addingTimeInterval(3),
        expiresAt: instant.addingTimeInterval(4)
    )
    static let port = PortRecord(
        location: "EqDC2",
        bandwidth: "10Gbps",
        awsDevice: "EqDC2-a",
        awsDeviceV2: "EqDC2-b",
        awsLogicalDeviceId: "EqDC2-c",
        providerName: "provider\n\u{1}",
        macSecCapable: true,
        encryptionMode: .mustEncrypt
    )

    @Test func connectionsAndLagsRoundTrip() throws {
        let state = SettlingState(transitional: .requested, settlesAt: Self.instant)
        let tags = [TagRecord(key: "k", value: "v"), TagRecord(key: "no value", value: nil)]
        try Self.expectFaithful(
            ConnectionRecord(
                id: "dxcon-aaaaaaaa",
                kind: .interconnect,
                name: "n\u{E9}",
                port: Self.port,
                vlan: 7,
                lagId: "dxlag-aaaaaaaa",
                state: state,
                createdAt: Self.instant,
                tags: tags,
                keys: [Self.key, Self.key]
            )
        )
        try Self.expectFaithful(
            ConnectionRecord(
                id: "dxcon-bbbbbbbb",
                kind: .connection,
                name: "",
                port: Self.port,
                vlan: 0,
                lagId: nil,
                state: state,
                createdAt: .distantPast,
                tags: [],
                keys: []
            )
        )
        try Self.expectFaithful(
            LagRecord(
                id: "dxlag-aaaaaaaa",
                name: "lag",
                port: Self.port,
                minimumLinks: 2,
                state: state,
                createdAt: Self.instant,
                tags: tags,
                keys: [Self.key]
            )
        )
    }

    @Test func plainRecordsAreReadWithoutJSONDecoder() throws {
        var plain = Self.port
        plain.providerName = "provider"
        var key = Self.key
        key.secretARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:directconnect!prod/ab-AbCdEf"
        key.startOn = Date(timeIntervalSince1970: 1_800_000_000.123456789)
        key.associatedAt = Date(timeIntervalSince1970: -0.5)
        let record = ConnectionRecord(
            id: "dxcon-aaaaaaaa",
            kind: .connection,
            name: "caf\u{E9}",
            port: plain,
            vlan: 4094,
            lagId: nil,
            state: SettlingState(transitional: .pending, settlesAt: .distantFuture),
            createdAt: Self.instant,
            tags: [TagRecord(key: "k", value: nil)],
            keys: [key]
        )
        try Self.expectFaithful(record)
        #expect(Self.fastRead(ConnectionRecord.self, RecordDocument.encode(record)) == record)
    }

    @Test(arguments: [
        #"{"key":"k","value":"v","newer":[1,{"a":null}]}"#,  // a member this build does not know: skipped
        #"{"value":"v"}"#,  // a required member missing
        #"{"key":null}"#,  // a required member null
        #"{"key":5}"#,  // a member of the wrong type
    ])
    func theReaderAgreesWithJSONDecoderOrGivesUp(_ document: String) throws {
        let reference = try? RecordDocument.decodeWithFoundation(TagRecord.self, from: document)
        let fast = Self.fastRead(TagRecord.self, document)
        #expect(fast == nil || fast == reference)
        #expect((try? RecordDocument.decode(TagRecord.self, from: document)) == reference)
    }

    @Test(arguments: ["0", "-0.5", "1800000000.123456789", "1.5e9", "1E-7", "123456789012345678"])
    func timesAreReadAsJSONDecoderReadsThem(_ seconds: String) throws {
        let document = #"{"transitional":"pending","settlesAt":\#(seconds)}"#
        let reference = try RecordDocument.decodeWithFoundation(SettlingState.self, from: document)
        #expect(Self.fastRead(SettlingState.self, document) == reference)
    }

    @Test func secretsRoundTrip() throws {
        let version = SecretVersionRecord(
            versionId: "v1",
            sealedValue: Data([0, 1, 2, 253, 254, 255]),
            masterKeyId: "k1",
            stages: ["AWSCURRENT", "custom"],
            createdAt: Self.instant
        )
        try Self.expectFaithful(
            SecretRecord(
                arn: "arn:s",
                name: "name",
                description: "d",
                kmsKeyId: "kms",
                owningService: "directconnect",
                ckn: "ab",
                versions: [version, version],
                createdAt: Self.instant,
                lastChangedAt: Self.instant,
                lastAccessedAt: Self.instant,
                deletionDate: Self.instant,
                tags: [TagRecord(key: "k", value: "v")]
            )
        )
        try Self.expectFaithful(
            SecretRecord(
                arn: "arn:t",
                name: "plain",
                owningService: nil,
                ckn: nil,
                versions: [],
                createdAt: Self.instant,
                lastChangedAt: Self.instant,
                deletionDate: nil,
                tags: []
            )
        )
    }
}
