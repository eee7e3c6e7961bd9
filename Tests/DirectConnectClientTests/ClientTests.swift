import AWSSigV4
import DirectConnectClient
import Foundation
import SecretsManagerClient
import Testing

@testable import AWSClientRuntime

/// The typed clients against dxlocal's real server in this process.
@Suite struct ClientTests {
    static let ckn = String(repeating: "ab", count: 32)
    static let cak = String(repeating: "cd", count: 32)

    @Test func aKeyIsAssociatedDescribedAndDisassociated() async throws {
        try await LiveServer.with { server in
            let client = server.directConnect()
            let id = try await server.macSecConnection(client)
            let associated = try await client.associateMacSecKey(
                .init(connectionId: id, ckn: Self.ckn, cak: Self.cak)
            )
            let key = try #require(associated.macSecKeys?.last)
            #expect(key.ckn == Self.ckn)
            #expect(key.state == "associating")
            let arn = try #require(key.secretARN)
            #expect(arn.hasPrefix("arn:aws:secretsmanager:us-east-1:111122223333:secret:directconnect!prod/"))

            let connection = try #require(
                try await client.describeConnections(.init(connectionId: id)).connections?.first
            )
            #expect(connection.portEncryptionStatus == "Encryption Up")
            #expect(connection.ownerAccount == "111122223333")
            #expect(connection.macSecKeys?.last?.state == "associated")

            let secret = try await server.secretsManager().describeSecret(.init(secretId: arn))
            #expect(secret.owningService == "directconnect")

            let removed = try await client.disassociateMacSecKey(.init(connectionId: id, secretARN: arn))
            #expect(removed.macSecKeys?.first?.state == "disassociating")
            #expect(try await server.keychain(client, id).isEmpty)
        }
    }

    @Test func serviceErrorsCarryCodeMessageAndRequestID() async throws {
        try await LiveServer.with { server in
            let error = await #expect(throws: AWSClientError.self) {
                try await server.directConnect().describeConnections(.init(connectionId: "dxcon-zzzzzzzz"))
            }
            #expect(error?.kind == .service)
            #expect(error?.code == "DirectConnectClientException")
            #expect(error?.statusCode == 400)
            #expect(error?.message.contains("Could not find Connection with ID dxcon-zzzzzzzz") == true)
            #expect(error?.requestID?.count == 36)

            let secretError = await #expect(throws: AWSClientError.self) {
                try await server.secretsManager().getSecretValue(.init(secretId: "nope"))
            }
            #expect(secretError?.code == "ResourceNotFoundException")
        }
    }

    @Test func aMalformedCAKIsRefusedWithoutEchoingIt() async throws {
        try await LiveServer.with { server in
            let client = server.directConnect()
            let id = try await server.macSecConnection(client)
            let badCAK = String(repeating: "z", count: 64)
            let error = await #expect(throws: AWSClientError.self) {
                try await client.associateMacSecKey(.init(connectionId: id, ckn: Self.ckn, cak: badCAK))
            }
            #expect(error?.code == "DirectConnectClientException")
            #expect(error?.description.contains(badCAK) == false)
        }
    }

    @Test func signedCallsPassAServerThatVerifiesSignatures() async throws {
        let verifier = SigV4Verifier(credentials: [
            SigV4Credential(accessKeyId: "AKIDCLIENT", secretAccessKey: "client-secret", account: "444455556666")
        ])
        try await LiveServer.with(verifier: verifier) { server in
            let good = DirectConnectClient(
                configuration: server.configuration(
                    credentials: SigV4.SigningCredentials(accessKeyId: "AKIDCLIENT", secretAccessKey: "client-secret")
                )
            )
            let created = try await good.createConnection(
                .init(location: "EqDC2", bandwidth: "10Gbps", connectionName: "signed")
            )
            #expect(created.ownerAccount == "444455556666")

            let bad = DirectConnectClient(
                configuration: server.configuration(
                    credentials: SigV4.SigningCredentials(accessKeyId: "AKIDCLIENT", secretAccessKey: "wrong")
                )
            )
            let error = await #expect(throws: AWSClientError.self) { try await bad.describeConnections() }
            #expect(error?.code == "InvalidSignatureException")
            #expect(error?.statusCode == 403)
        }
    }

    @Test func noAnswerIsATransportError() async throws {
        let client = DirectConnectClient(
            configuration: AWSClientConfiguration(
                region: "us-east-1",
                endpoint: "http://127.0.0.1:1",
                credentials: LiveServer.credentials,
                retry: .none
            )
        )
        let error = await #expect(throws: AWSClientError.self) { try await client.describeLocations() }
        #expect(error?.kind == .transport)
        // botocore's EndpointConnectionError, word for word.
        #expect(error?.message == #"Could not connect to the endpoint URL: "http://127.0.0.1:1/""#)
        let unknownHost = DirectConnectClient(
            configuration: AWSClientConfiguration(
                region: "us-east-1",
                endpoint: "http://host.invalid",
                credentials: LiveServer.credentials,
                retry: .none
            )
        )
        let unresolved = await #expect(throws: AWSClientError.self) { try await unknownHost.describeLocations() }
        #expect(unresolved?.message == #"Could not connect to the endpoint URL: "http://host.invalid/""#)
    }

    @Test(arguments: [
        (TransportFailure.connectTimeout, #"Connect timeout on endpoint URL: "http://h:1/""#),
        (.readTimeout, #"Read timeout on endpoint URL: "http://h:1/""#),
        (.closed, #"Connection was closed before we received a valid response from endpoint URL: "http://h:1/"."#),
    ])
    func eachTransportFailureIsWordedAsBotocoreWordsIt(failure: TransportFailure, message: String) async {
        let client = DirectConnectClient(
            configuration: AWSClientConfiguration(
                region: "us-east-1",
                endpoint: "http://h:1",
                credentials: LiveServer.credentials,
                retry: .none
            ),
            transport: ScriptedTransport([.failure(failure)])
        )
        let error = await #expect(throws: AWSClientError.self) { try await client.describeLocations() }
        #expect(error?.kind == .transport && error?.message == message)
    }

    /// What is read of the endpoint only when a request is made, as botocore's signer (the port) and urllib3 (the
    /// scheme) refuse it, in the AWS CLI's words; nothing is sent.
    @Test(arguments: [
        ("http://x:99999", "Port out of range 0-65535"),
        ("http://x:abc", "Port could not be cast to integer value as 'abc'"),
        ("http://x:-1/", "Port could not be cast to integer value as '-1'"),
        ("http://x:+1/", "Port could not be cast to integer value as '+1'"),
        ("http://h:80:90/", "Port could not be cast to integer value as '80:90'"),
        ("ftp://x", "An HTTP Client raised an unhandled exception: Not supported URL scheme ftp"),
        ("ftp://x:99999", "Port out of range 0-65535"),
    ])
    func anEndpointsPortAndSchemeAreReadWhenTheRequestIsMade(url: String, message: String) async {
        let transport = ScriptedTransport([])
        let client = DirectConnectClient(
            configuration: AWSClientConfiguration(
                region: "us-east-1",
                endpoint: url,
                credentials: LiveServer.credentials
            ),
            transport: transport
        )
        let error = await #expect(throws: AWSClientError.self) { try await client.describeLocations() }
        #expect(error?.kind == .configuration && error?.message == message)
        #expect(transport.sent.isEmpty)
    }

    /// botocore's request for an endpoint with a user, a port of the scheme's, a path, a query and a fragment: the
    /// query sent and signed, the Host header without the port, the URL a failure names as botocore joins it.
    @Test func anEndpointIsUsedAsBotocoreUsesIt() async throws {
        let transport = ScriptedTransport([.failure(TransportFailure.connectTimeout)])
        let client = DirectConnectClient(
            configuration: AWSClientConfiguration(
                region: "us-east-1",
                endpoint: "Http://U:P@Host.Example:0080/base?a=b#frag",
                credentials: LiveServer.credentials,
                retry: .none
            ),
            transport: transport
        )
        let error = await #expect(throws: AWSClientError.self) { try await client.describeLocations() }
        #expect(error?.message == #"Connect timeout on endpoint URL: "http://U:P@Host.Example:0080/base?a=b#frag""#)
        let sent = try #require(transport.sent.first)
        #expect(sent.url == "http://host.example:80/base?a=b")
        // What a URL may not hold is percent-encoded as urllib3 sends it, escapes already there kept.
        #expect(Endpoint.encoded("/p%2f x/é", alsoAllowed: "") == "/p%2F%20x/%C3%A9")
        #expect(Endpoint.encoded("y=%2F&z=a b?%zz", alsoAllowed: "?") == "y=%2F&z=a%20b?%25zz")
        #expect(sent.headers.first { $0.name == "Host" }?.value == "host.example")
    }

    /// A query in the endpoint URL is signed with the request: the server, which checks signatures over the query
    /// it receives, takes the call.
    @Test func anEndpointsQueryIsSigned() async throws {
        let verifier = SigV4Verifier(credentials: [
            SigV4Credential(accessKeyId: "AKIDCLIENT", secretAccessKey: "client-secret", account: "444455556666")
        ])
        try await LiveServer.with(verifier: verifier) { server in
            let client = DirectConnectClient(
                configuration: AWSClientConfiguration(
                    region: "us-east-1",
                    endpoint: server.endpoint + "/?source=test#ignored",
                    credentials: SigV4.SigningCredentials(accessKeyId: "AKIDCLIENT", secretAccessKey: "client-secret"),
                    retry: .none
                )
            )
            let created = try await client.createConnection(
                .init(location: "EqDC2", bandwidth: "10Gbps", connectionName: "query")
            )
            #expect(created.ownerAccount == "444455556666")
        }
    }

    @Test func generatedKeysHaveTheFormAssociateMacSecKeyTakes() throws {
        let pairs = (0..<20).map { _ in MacSecKeyPair.generate() }
        for pair in pairs {
            #expect(pair.ckn.count == 64 && pair.cak.count == 64)
            #expect(pair.ckn.allSatisfy(\.isHexDigit) && pair.cak.allSatisfy(\.isHexDigit))
            #expect(!pair.description.contains(pair.cak))
            #expect(try MacSecKeyPair(ckn: pair.ckn, cak: pair.cak) == pair)
        }
        #expect(Set(pairs.map(\.cak)).count == 20)
        #expect(throws: MacSecKeyPairError.invalidCAK) { try MacSecKeyPair(ckn: Self.ckn, cak: "abc") }
        #expect(throws: MacSecKeyPairError.invalidCKN) {
            try MacSecKeyPair(ckn: "g" + Self.ckn.dropFirst(), cak: Self.cak)
        }
    }
}
