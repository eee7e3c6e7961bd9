import AWSJSONProtocol
import Foundation
import Storage
import Testing

/// Record documents written member by member read back as the same records and are the JSON `JSONEncoder` wrote, for
/// every record type with every optional member set (a member the writer forgot would fail both).
@Suite struct RecordDocumentTests {
    static let instant = Date(timeIntervalSince1970: 1_800_000_000.25)

    static func expectFaithful<T: Codable & Equatable & AWSJSONValue>(_ record: T) throws {
        let document = RecordDocument.encode(record)
        #expect(try RecordDocument.decode(T.self, from: document) == record)
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
        encryptionMode: "must_encrypt"
    )

    @Test func connectionsAndLagsRoundTrip() throws {
        let state = SettlingState(transitional: "requested", settlesAt: Self.instant)
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
