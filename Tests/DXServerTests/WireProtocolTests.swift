import AWSJSONProtocol
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import Storage
import StorageSQLite
import Testing

@testable import DXServer

/// SPEC section 1 through the router, in process.
@Suite struct WireProtocolTests {
    static let requestIdField = HTTPField.Name(RequestID.header)!

    static func expectAWSShaped(_ response: TestResponse, status: Int, code: String) throws {
        #expect(response.status.code == status)
        #expect(response.headers[.contentType] == AWSJSONCoding.contentType)
        #expect(UUID(uuidString: response.headers[requestIdField] ?? "") != nil)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
        #expect(json["__type"] as? String == code)
        #expect((json["message"] as? String)?.isEmpty == false)
    }

    @Test func successCarriesARequestIdAndTheJSONContentType() async throws {
        try await ServerFixture.with { fixture in
            try await fixture.app.test(.router) { client in
                let response = try await client.executeRequest(
                    uri: "/",
                    method: .post,
                    headers: ServerFixture.headers(target: "OvertureService.DescribeLocations"),
                    body: nil
                )
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == AWSJSONCoding.contentType)
                #expect(UUID(uuidString: response.headers[Self.requestIdField] ?? "") != nil)
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect((json?["locations"] as? [Any])?.isEmpty == false)
            }
        }
    }

    @Test func unknownTargetIsAnUnknownOperation() async throws {
        try await ServerFixture.with { fixture in
            try await fixture.app.test(.router) { client in
                for target in ["OvertureService.FlyToTheMoon", "NoSuchService.DescribeConnections", "garbage"] {
                    let response = try await client.executeRequest(
                        uri: "/",
                        method: .post,
                        headers: ServerFixture.headers(target: target),
                        body: nil
                    )
                    try Self.expectAWSShaped(response, status: 400, code: "UnknownOperationException")
                }
                let missing = try await client.executeRequest(
                    uri: "/",
                    method: .post,
                    headers: ServerFixture.headers(target: nil),
                    body: nil
                )
                try Self.expectAWSShaped(missing, status: 400, code: "UnknownOperationException")
            }
        }
    }

    /// Every Direct Connect operation is served (SPEC 7); Secrets Manager's beyond SPEC 6 are not.
    @Test func anOperationNotServedAnswers501NamingIt() async throws {
        try await ServerFixture.with { fixture in
            try await fixture.app.test(.router) { client in
                let response = try await client.executeRequest(
                    uri: "/",
                    method: .post,
                    headers: ServerFixture.headers(target: "secretsmanager.RotateSecret"),
                    body: ByteBuffer(string: #"{"SecretId":"s"}"#)
                )
                try Self.expectAWSShaped(response, status: 501, code: "NotImplemented")
                #expect(String(buffer: response.body).contains("RotateSecret"))
            }
        }
    }

    @Test(arguments: ["{", "[]", "nonsense", #"{"connectionId": 5}"#, #"{"maxResults": "ten"}"#])
    func malformedBodiesAreSerializationErrors(_ body: String) async throws {
        try await ServerFixture.with { fixture in
            try await fixture.app.test(.router) { client in
                let response = try await client.executeRequest(
                    uri: "/",
                    method: .post,
                    headers: ServerFixture.headers(target: "OvertureService.DescribeConnections"),
                    body: ByteBuffer(string: body)
                )
                try Self.expectAWSShaped(response, status: 400, code: "SerializationException")
            }
        }
    }

    @Test func aBodyOverTheLimitIsRefusedAWSShaped() async throws {
        try await ServerFixture.with(maximumBodySize: 256) { fixture in
            try await fixture.app.test(.router) { client in
                let response = try await client.executeRequest(
                    uri: "/",
                    method: .post,
                    headers: ServerFixture.headers(target: "OvertureService.DescribeConnections"),
                    body: ByteBuffer(string: #"{"connectionId":""# + String(repeating: "a", count: 1000) + #""}"#)
                )
                try Self.expectAWSShaped(response, status: 413, code: "RequestEntityTooLargeException")
            }
        }
    }

    @Test func otherPathsAndMethodsAreRefusedAWSShaped() async throws {
        try await ServerFixture.with { fixture in
            try await fixture.app.test(.router) { client in
                let elsewhere = try await client.executeRequest(
                    uri: "/elsewhere",
                    method: .post,
                    headers: [:],
                    body: nil
                )
                #expect((400..<500).contains(elsewhere.status.code))
                #expect(elsewhere.headers[Self.requestIdField] != nil)
                let get = try await client.executeRequest(uri: "/", method: .get, headers: [:], body: nil)
                #expect((400..<500).contains(get.status.code))
                #expect(get.headers[Self.requestIdField] != nil)
                let json = try JSONSerialization.jsonObject(with: Data(buffer: get.body)) as? [String: Any]
                #expect(json?["__type"] is String)
            }
        }
    }

    /// SPEC 11: the version and the store; a store that cannot answer makes it 503, `unavailable`, for GET and HEAD.
    @Test(arguments: [true, false])
    func healthReportsTheStore(available: Bool) async throws {
        try await ServerFixture.with { fixture in
            if !available { try await fixture.store.close() }
            let state = available ? "ok" : "unavailable"
            try await fixture.app.test(.router) { client in
                for method in [HTTPRequest.Method.get, .head] {
                    let response = try await client.executeRequest(
                        uri: "/_dxlocal/health",
                        method: method,
                        headers: [:],
                        body: nil
                    )
                    #expect(response.status == (available ? .ok : .serviceUnavailable))
                    let expected =
                        #"{"status":"\#(state)","version":"\#(DXServer.version)","store":{"backend":"sqlite","status":"\#(state)"}}"#
                    #expect(String(buffer: response.body) == (method == .get ? expected : ""))
                }
            }
        }
    }

    @Test func accountAndRegionComeFromTheCredentialScope() async throws {
        try await ServerFixture.with { fixture in
            try await fixture.app.test(.router) { client in
                let created = try await client.call(
                    "CreateConnection",
                    #"{"location":"EqDC2","bandwidth":"10Gbps","connectionName":"a"}"#
                )
                #expect(created.status == 200)
                #expect(created.json["ownerAccount"] as? String == "111122223333")
                let mine = try await client.call("DescribeConnections")
                #expect((mine.json["connections"] as? [Any])?.count == 1)
                let otherAccount = try await client.call("DescribeConnections", account: "999988887777")
                #expect((otherAccount.json["connections"] as? [Any])?.isEmpty == true)
                let otherRegion = try await client.call("DescribeConnections", region: "us-west-2")
                #expect((otherRegion.json["connections"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test func unsignedRequestsUseTheDefaultAccountAndRegion() {
        let scope = CallerResolver().scope(authorization: nil)
        #expect(scope.account == "123456789012")
        #expect(scope.region == "us-east-1")
        let mapped = CallerResolver(accounts: ["AKIDEXAMPLE": "555566667777"])
        #expect(mapped.account(forAccessKey: "AKIDEXAMPLE") == "555566667777")
        #expect(mapped.account(forAccessKey: "AKIDOTHER") == "123456789012")
        #expect(mapped.account(forAccessKey: "000011112222") == "000011112222")
        #expect(mapped.account(forAccessKey: "00001111222") == "123456789012")
    }
}

/// The one-pass reading of the protocol's headers answers what `HTTPFields`' subscript answers.
@Suite struct ProtocolHeadersTests {
    static let target = HTTPField.Name("X-Amz-Target")!

    @Test(arguments: [
        [(String, String)](),
        [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "OvertureService.DescribeConnections")],
        [("content-type", "a"), ("CONTENT-TYPE", "b"), ("authorization", "AWS4-HMAC-SHA256 Credential=x")],
        [("Host", "localhost"), ("x-amz-target", "T1"), ("User-Agent", "boto3"), ("X-AMZ-TARGET", "T2")],
        [("Authorization", ""), ("Authorization", "second"), ("X-Amz-Date", "20261127T000000Z")],
    ])
    func eachHeaderIsWhatTheSubscriptAnswers(_ pairs: [(String, String)]) throws {
        var fields = HTTPFields()
        for (name, value) in pairs { fields.append(HTTPField(name: try #require(HTTPField.Name(name)), value: value)) }
        let headers = ProtocolHeaders(fields)
        #expect(headers.contentType == fields[.contentType])
        #expect(headers.authorization == fields[.authorization])
        #expect(headers.target == fields[Self.target])
    }
}
