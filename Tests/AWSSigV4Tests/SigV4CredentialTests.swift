import AWSSigV4
import Testing

@Suite struct SigV4CredentialTests {
    @Test func credentialScopeOfABoto3HeaderIsParsed() throws {
        let header =
            "AWS4-HMAC-SHA256 Credential=111122223333/20261127/eu-central-1/directconnect/aws4_request, "
            + "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123abcd"
        let credential = try #require(SigV4CredentialScope(authorization: header))
        #expect(credential.accessKeyId == "111122223333")
        #expect(credential.date == "20261127")
        #expect(credential.region == "eu-central-1")
        #expect(credential.service == "directconnect")
    }

    @Test(arguments: [
        "",
        "Basic dXNlcjpwYXNz",
        "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/directconnect",
        "AWS4-HMAC-SHA256 Credential=/20261127/us-east-1/directconnect/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKID/20261127//directconnect/aws4_request",
    ])
    func malformedHeadersHaveNoCredential(_ header: String) {
        #expect(SigV4CredentialScope(authorization: header) == nil)
    }
}
