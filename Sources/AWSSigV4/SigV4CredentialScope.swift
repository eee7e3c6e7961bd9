/// The credential of a SigV4 `Authorization` header: `Credential=<key>/<date>/<region>/<service>/aws4_request`.
///
/// Parsing only: it names who claims to call and where; verification is separate.
public struct SigV4CredentialScope: Hashable, Sendable {
    public var accessKeyId: String
    public var date: String
    public var region: String
    public var service: String

    public init(accessKeyId: String, date: String, region: String, service: String) {
        self.accessKeyId = accessKeyId
        self.date = date
        self.region = region
        self.service = service
    }

    /// The credential of an `AWS4-HMAC-SHA256` header, or `nil` when the header is not one.
    public init?(authorization header: String) {
        let algorithm = "AWS4-HMAC-SHA256"
        guard header.hasPrefix(algorithm) else { return nil }
        let parameters = header.dropFirst(algorithm.count).split(separator: ",")
        for parameter in parameters {
            let trimmed = parameter.drop { $0 == " " }
            guard trimmed.hasPrefix("Credential=") else { continue }
            let scope = trimmed.dropFirst("Credential=".count).split(separator: "/", omittingEmptySubsequences: false)
            guard scope.count == 5, scope[4] == "aws4_request", !scope[0].isEmpty, !scope[2].isEmpty else {
                return nil
            }
            self.init(
                accessKeyId: String(scope[0]),
                date: String(scope[1]),
                region: String(scope[2]),
                service: String(scope[3])
            )
            return
        }
        return nil
    }
}
