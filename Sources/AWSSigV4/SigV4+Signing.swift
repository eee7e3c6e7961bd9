import Crypto
import Foundation

extension SigV4 {
    /// The keys a request is signed with.
    public struct SigningCredentials: Hashable, Sendable {
        public var accessKeyId: String
        public var secretAccessKey: String
        /// Set for temporary credentials; sent as `X-Amz-Security-Token`.
        public var sessionToken: String?

        public init(accessKeyId: String, secretAccessKey: String, sessionToken: String? = nil) {
            self.accessKeyId = accessKeyId
            self.secretAccessKey = secretAccessKey
            self.sessionToken = sessionToken
        }
    }

    /// Headers a signer leaves out: ones proxies and transports may rewrite, and the signature itself.
    static let unsignedHeaders: Set<String> = ["authorization", "user-agent", "content-length", "expect"]

    /// Signs a request in place: adds `X-Amz-Date`, `X-Amz-Security-Token` when the credentials carry one, and
    /// `Authorization` over every other header present (which must include `Host`). The verifier recomputes the
    /// same canonical request, so the two cannot drift apart.
    public static func sign(
        _ request: inout Request,
        credentials: SigningCredentials,
        region: String,
        service: String,
        date: Date
    ) {
        let amzDate = SigV4Verifier.amzDate(date)
        let replaced: Set<String> = ["authorization", "x-amz-date", "x-amz-security-token"]
        request.headers.removeAll { replaced.contains($0.name.lowercased()) }
        request.headers.append(("X-Amz-Date", amzDate))
        if let token = credentials.sessionToken {
            request.headers.append(("X-Amz-Security-Token", token))
        }
        let signedHeaders = Set(request.headers.map { $0.name.lowercased() })
            .subtracting(unsignedHeaders)
            .sorted()
        let day = String(amzDate.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let canonical = canonicalRequest(request, signedHeaders: signedHeaders, payloadHash: sha256Hex(request.body))
        let signature = signature(
            key: signingKey(secret: credentials.secretAccessKey, date: day, region: region, service: service),
            stringToSign: stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonical)
        )
        request.headers.append(
            (
                "Authorization",
                "\(algorithm) Credential=\(credentials.accessKeyId)/\(scope), "
                    + "SignedHeaders=\(signedHeaders.joined(separator: ";")), Signature=\(signature)"
            )
        )
    }
}
