import AWSJSONProtocol
import DirectConnectModel
import Foundation
import NIOCore
import Testing

/// Golden wire fixtures: bodies compared after canonicalising JSON (sorted keys, no whitespace).
@Suite struct WireFixtureTests {
    static func fixture(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return try Data(contentsOf: url)
    }

    static func canonical(_ data: Data) throws -> String {
        let object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        let sorted = try JSONSerialization.data(
            withJSONObject: object,
            options: [.sortedKeys, .withoutEscapingSlashes]
        )
        return String(decoding: sorted, as: UTF8.self)
    }

    static func canonical(_ buffer: ByteBuffer) throws -> String {
        try canonical(Data(buffer.readableBytesView))
    }

    static func canonical(_ chunks: [ByteBuffer]) throws -> String {
        try canonical(joined(chunks))
    }

    static func joined(_ chunks: [ByteBuffer]) -> ByteBuffer {
        var all = ByteBuffer()
        for var chunk in chunks { all.writeBuffer(&chunk) }
        return all
    }

    @Test func associateRequestDecodesEveryMember() throws {
        let request = try AWSJSONCoding.decode(
            AssociateMacSecKeyRequest.self,
            from: Self.fixture("associate-mac-sec-key-request")
        )
        #expect(request.connectionId == "dxcon-fg31dyv6")
        #expect(request.ckn?.count == 64)
        #expect(request.cak?.count == 64)
        #expect(request.secretARN == nil)
        #expect(request.missingRequiredMembers.isEmpty)
    }

    @Test func connectionEncodesAsTheFixtureWithUnsetMembersOmitted() throws {
        let connection = Connection(
            ownerAccount: "111122223333",
            connectionId: "dxcon-fg31dyv6",
            connectionName: "primary",
            connectionState: .available,
            region: "us-east-1",
            location: "EqDC2",
            bandwidth: "10Gbps",
            vlan: 0,
            loaIssueTime: Date(timeIntervalSince1970: 1_800_000_000.5),
            awsDevice: "EqDC2-2nfhqv8ty0dp",
            jumboFrameCapable: true,
            hasLogicalRedundancy: .no,
            tags: [Tag(key: "team", value: "net"), Tag(key: "empty")],
            macSecCapable: true,
            portEncryptionStatus: "Encryption Up",
            encryptionMode: "must_encrypt",
            macSecKeys: [
                MacSecKey(
                    secretARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:directconnect!prod/us-east-1/"
                        + "directconnect/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef-AbC123",
                    ckn: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                    state: "associated",
                    startOn: "2027-01-15T08:00:00Z"
                )
            ]
        )
        let encoded = AWSJSONCoding.encode(connection)
        #expect(try Self.canonical(encoded) == Self.canonical(Self.fixture("connection-response")))
        #expect(!String(buffer: Self.joined(encoded)).contains("null"))
    }

    @Test func connectionRoundTripsThroughTheFixture() throws {
        let decoded = try AWSJSONCoding.decode(Connection.self, from: Self.fixture("connection-response"))
        #expect(decoded.loaIssueTime == Date(timeIntervalSince1970: 1_800_000_000.5))
        #expect(decoded.connectionState == .available)
        #expect(
            try Self.canonical(AWSJSONCoding.encode(decoded)) == Self.canonical(Self.fixture("connection-response"))
        )
    }

    @Test func errorBodyHasTypeAndMessage() throws {
        let body = AWSJSONCoding.errorBody(
            .init(
                code: "DirectConnectClientException",
                message: "Could not find Connection with ID dxcon-abcdefgh",
                status: 400
            )
        )
        #expect(try Self.canonical(body) == Self.canonical(Self.fixture("error-body")))
    }
}
