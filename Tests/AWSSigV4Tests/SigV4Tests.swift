import AWSSigV4
import Crypto
import Foundation
import Testing

/// The published SigV4 examples, and verification of requests built from them.
@Suite struct SigV4Tests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

    /// AWS's worked example: IAM ListUsers, 2015-08-30T12:36:00Z, us-east-1.
    static let listUsers = SigV4.Request(
        method: "GET",
        path: "/",
        query: "Action=ListUsers&Version=2010-05-08",
        headers: [
            ("Host", "iam.amazonaws.com"),
            ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
            ("X-Amz-Date", "20150830T123600Z"),
        ],
        body: []
    )

    @Test func theWorkedExampleGivesThePublishedCanonicalRequestKeyAndSignature() {
        let canonical = SigV4.canonicalRequest(
            Self.listUsers,
            signedHeaders: ["content-type", "host", "x-amz-date"],
            payloadHash: SigV4.sha256Hex([UInt8]())
        )
        #expect(
            canonical == """
                GET
                /
                Action=ListUsers&Version=2010-05-08
                content-type:application/x-www-form-urlencoded; charset=utf-8
                host:iam.amazonaws.com
                x-amz-date:20150830T123600Z

                content-type;host;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """
        )
        #expect(
            SigV4.sha256Hex(Array(canonical.utf8))
                == "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        )
        let key = SigV4.signingKey(secret: Self.secret, date: "20150830", region: "us-east-1", service: "iam")
        #expect(
            key.withUnsafeBytes { SigV4.hex($0) }
                == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        )
        let toSign = SigV4.stringToSign(
            amzDate: "20150830T123600Z",
            scope: "20150830/us-east-1/iam/aws4_request",
            canonicalRequest: canonical
        )
        #expect(
            SigV4.signature(key: key, stringToSign: toSign)
                == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        )
    }

    static let verifier = SigV4Verifier(credentials: [
        SigV4Credential(accessKeyId: "AKIDEXAMPLE", secretAccessKey: secret, account: "111122223333"),
        SigV4Credential(
            accessKeyId: "ASIAEXAMPLE",
            secretAccessKey: secret,
            account: "444455556666",
            sessionToken: "session-token"
        ),
    ])
    static let signedAt = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z

    /// A JSON 1.1 request signed with the example key by the client's signer.
    static func signed(
        body: String = #"{"connectionId":"dxcon-fg31dyv6"}"#,
        key: String = "AKIDEXAMPLE",
        secret: String = secret,
        token: String? = nil,
        at date: Date = signedAt
    ) -> SigV4.Request {
        var request = SigV4.Request(
            method: "POST",
            path: "/",
            query: "",
            headers: [
                ("Host", "127.0.0.1:4587"),
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", "OvertureService.DescribeConnections"),
            ],
            body: Array(body.utf8)
        )
        SigV4.sign(
            &request,
            credentials: SigV4.SigningCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token),
            region: "us-east-1",
            service: "directconnect",
            date: date
        )
        return request
    }

    @Test func theSignerReproducesThePublishedSignature() throws {
        var request = Self.listUsers
        request.headers.removeAll { $0.name == "X-Amz-Date" }
        SigV4.sign(
            &request,
            credentials: SigV4.SigningCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: Self.secret),
            region: "us-east-1",
            service: "iam",
            date: Self.signedAt
        )
        let authorization = try #require(request.header("authorization"))
        #expect(
            authorization
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-date, "
                + "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        )
    }

    @Test func signingTwiceReplacesTheFirstSignature() throws {
        var request = Self.signed(token: "session-token")
        SigV4.sign(
            &request,
            credentials: SigV4.SigningCredentials(
                accessKeyId: "ASIAEXAMPLE",
                secretAccessKey: Self.secret,
                sessionToken: "session-token"
            ),
            region: "us-east-1",
            service: "directconnect",
            date: Self.signedAt
        )
        #expect(request.headers.filter { $0.name.lowercased() == "authorization" }.count == 1)
        #expect(request.headers.filter { $0.name.lowercased() == "x-amz-security-token" }.count == 1)
        #expect(try Self.verifier.verify(request, now: Self.signedAt).account == "444455556666")
    }

    static func failure(_ request: SigV4.Request, now: Date = signedAt) -> SigV4Failure? {
        do {
            _ = try verifier.verify(request, now: now)
            return nil
        } catch {
            return error
        }
    }

    @Test func aCorrectlySignedRequestIsTheCallersAccount() throws {
        #expect(try Self.verifier.verify(Self.signed(), now: Self.signedAt).account == "111122223333")
        let temporary = Self.signed(key: "ASIAEXAMPLE", token: "session-token")
        #expect(try Self.verifier.verify(temporary, now: Self.signedAt).account == "444455556666")
    }

    @Test func oneChangedByteOfTheBodyIsRefused() {
        var request = Self.signed()
        request.body[request.body.count - 3] ^= 0x01
        #expect(Self.failure(request)?.code == "InvalidSignatureException")
    }

    @Test func aWrongSecretIsAnInvalidSignature() {
        let wrong = Self.failure(Self.signed(secret: "not-the-secret"))
        #expect(wrong?.code == "InvalidSignatureException")
        #expect(wrong?.reason == .mismatch)
    }

    @Test func anUnknownKeyIsUnrecognized() {
        #expect(Self.failure(Self.signed(key: "AKIDUNKNOWN"))?.code == "UnrecognizedClientException")
        #expect(Self.failure(Self.signed(key: "AKIDUNKNOWN"))?.reason == .unrecognized)
    }

    @Test func sessionCredentialsNeedTheirToken() {
        #expect(Self.failure(Self.signed(key: "ASIAEXAMPLE"))?.code == "UnrecognizedClientException")
        #expect(
            Self.failure(Self.signed(key: "ASIAEXAMPLE", token: "other"))?.code == "UnrecognizedClientException"
        )
    }

    @Test func requestsOutsideTheFifteenMinuteWindowAreRefused() {
        let request = Self.signed()
        #expect(Self.failure(request, now: Self.signedAt.addingTimeInterval(15 * 60)) == nil)
        let late = Self.failure(request, now: Self.signedAt.addingTimeInterval(15 * 60 + 1))
        #expect(late?.code == "InvalidSignatureException")
        #expect(late?.message.hasPrefix("Signature expired") == true)
        #expect(late?.reason == .expired)
        let early = Self.failure(request, now: Self.signedAt.addingTimeInterval(-15 * 60 - 1))
        #expect(early?.code == "InvalidSignatureException")
        #expect(early?.reason == .expired)
    }

    @Test func aScopeNamingAnotherServiceIsRefusedWhereTheServiceIsKnown() throws {
        let request = Self.signed()  // scoped to directconnect
        #expect(
            try Self.verifier.verify(request, now: Self.signedAt, services: ["directconnect"]).account == "111122223333"
        )
        do {
            _ = try Self.verifier.verify(request, now: Self.signedAt, services: ["secretsmanager", "ec2"])
            Issue.record("a directconnect scope was taken for secretsmanager")
        } catch {
            #expect(error.code == "InvalidSignatureException")
            #expect(error.message == "Credential should be scoped to correct service: 'secretsmanager'. ")
            #expect(error.reason == .mismatch)
        }
    }

    @Test func aMissingHeaderIsAMissingToken() {
        var request = Self.signed()
        request.headers.removeAll { $0.name == "Authorization" }
        #expect(Self.failure(request)?.code == "MissingAuthenticationTokenException")
    }

    @Test(arguments: [
        "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/directconnect/aws4_request, Signature=00",
        "AWS4-HMAC-SHA1 Credential=AKIDEXAMPLE/20150830/us-east-1/directconnect/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1, SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/directconnect/aws4_request, "
            + "SignedHeaders=x-amz-date, Signature=00",
    ])
    func malformedHeadersAreIncompleteSignatures(_ header: String) {
        var request = Self.signed()
        request.headers.removeAll { $0.name == "Authorization" }
        request.headers.append(("Authorization", header))
        #expect(Self.failure(request)?.code == "IncompleteSignatureException")
    }

    @Test func theCredentialsFileNamesKeysAccountsAndTokens() throws {
        let credentials = try SigV4Verifier.parseCredentialsFile(
            """
            # access key, secret, account, optional session token
            AKIDONE secret-one 111122223333

            ASIATWO secret-two 444455556666 token-two
            """
        )
        #expect(credentials.map(\.account) == ["111122223333", "444455556666"])
        #expect(credentials[1].sessionToken == "token-two")
        #expect(throws: SigV4Verifier.CredentialsFileError.self) {
            try SigV4Verifier.parseCredentialsFile("AKID secret not-an-account")
        }
    }
}
