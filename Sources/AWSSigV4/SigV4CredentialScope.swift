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
    ///
    /// Works on the header's UTF-8 bytes: every request is parsed, and splitting into `Character`s (grapheme
    /// clusters) cost more than the rest of a small request's routing.
    public init?(authorization header: String) {
        let bytes = Array(header.utf8)
        let algorithm = Array("AWS4-HMAC-SHA256".utf8)
        let credential = Array("Credential=".utf8)
        guard bytes.starts(with: algorithm) else { return nil }
        for parameter in bytes[algorithm.count...].split(separator: UInt8(ascii: ",")) {
            let trimmed = parameter.drop { $0 == UInt8(ascii: " ") }
            guard trimmed.starts(with: credential) else { continue }
            let scope = trimmed.dropFirst(credential.count).split(
                separator: UInt8(ascii: "/"),
                omittingEmptySubsequences: false
            )
            guard scope.count == 5, scope[4].elementsEqual("aws4_request".utf8), !scope[0].isEmpty,
                !scope[2].isEmpty
            else {
                return nil
            }
            self.init(
                accessKeyId: String(decoding: scope[0], as: UTF8.self),
                date: String(decoding: scope[1], as: UTF8.self),
                region: String(decoding: scope[2], as: UTF8.self),
                service: String(decoding: scope[3], as: UTF8.self)
            )
            return
        }
        return nil
    }
}
