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
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA25 Credential=AKID/20261127/us-east-1/directconnect/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/directconnect/aws4_request/extra",
        "AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/directconnect/aws4_request ",
        "AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/directconnect/aws4_requesx",
        "AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/directconnect/aws4_reques",
        "AWS4-HMAC-SHA256 Credential=AKID/us-east-1/aws4_request, Credential=AKID/d/us-east-1/s/aws4_request",
        "AWS4-HMAC-SHA256 Credential",
    ])
    func malformedHeadersHaveNoCredential(_ header: String) {
        #expect(SigV4CredentialScope(authorization: header) == nil)
    }

    /// Parameters in any order, commas with or without spaces, empty parameters, and parts that may be empty.
    @Test(arguments: [
        ("AWS4-HMAC-SHA256 SignedHeaders=host,Credential=K/d/r/s/aws4_request", ["K", "d", "r", "s"]),
        ("AWS4-HMAC-SHA256 ,,  Credential=K/d/r/s/aws4_request,Signature=00", ["K", "d", "r", "s"]),
        ("AWS4-HMAC-SHA256Credential=K/d/r/s/aws4_request", ["K", "d", "r", "s"]),
        ("AWS4-HMAC-SHA256 Credential=K//r//aws4_request", ["K", "", "r", ""]),
        (
            "AWS4-HMAC-SHA256 Credential=ключ/20261127/eu-west-1/directconnect/aws4_request",
            ["ключ", "20261127", "eu-west-1", "directconnect"]
        ),
    ])
    func credentialScopeIsFoundAmongParameters(_ header: String, _ parts: [String]) throws {
        let credential = try #require(SigV4CredentialScope(authorization: header))
        #expect([credential.accessKeyId, credential.date, credential.region, credential.service] == parts)
    }
}
