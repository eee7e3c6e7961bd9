import Crypto
import Foundation

/// AWS Signature Version 4 for JSON 1.1 services: the canonical request, the string to sign, the signing key and
/// the signature. The server's verifier and the client's signer both use it, so they cannot disagree.
public enum SigV4 {
    public static let algorithm = "AWS4-HMAC-SHA256"

    /// A request as SigV4 sees it.
    public struct Request: Sendable {
        public var method: String
        /// The path, as sent (percent-encoded).
        public var path: String
        /// The query string without `?`, as sent.
        public var query: String
        /// Header names and values as sent; names compare case-insensitively.
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public init(
            method: String,
            path: String,
            query: String,
            headers: [(name: String, value: String)],
            body: [UInt8]
        ) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
        }

        /// All values of a header, joined as SigV4 joins repeated headers.
        public func header(_ name: String) -> String? {
            let values = headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
            return values.isEmpty ? nil : values.map(SigV4.trimmed).joined(separator: ",")
        }
    }

    /// Collapses runs of spaces and trims, as canonical header values are.
    static func trimmed(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
    }

    static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8)

    /// RFC 3986 encoding of every byte but the unreserved ones.
    static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var result = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                result.append(Character(UnicodeScalar(byte)))
            } else {
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }

    static func decode(_ text: Substring) -> String {
        String(text).removingPercentEncoding ?? String(text)
    }

    /// The path normalised (no `.`/`..`/empty segments) and encoded twice, as every service but S3 expects.
    static func canonicalPath(_ path: String) -> String {
        var segments: [String] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(encode(encode(decode(segment))))
            }
        }
        let joined = "/" + segments.joined(separator: "/")
        return path.hasSuffix("/") && !segments.isEmpty ? joined + "/" : joined
    }

    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { item -> (String, String) in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = encode(decode(parts[0]))
            let value = parts.count > 1 ? encode(decode(parts[1])) : ""
            return (key, value)
        }
        return pairs.sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    public static func sha256Hex(_ bytes: some DataProtocol) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// The canonical request over the named headers (lower-case, sorted).
    public static func canonicalRequest(_ request: Request, signedHeaders: [String], payloadHash: String) -> String {
        let headers = signedHeaders.map { "\($0):\(request.header($0) ?? "")\n" }.joined()
        return [
            request.method,
            canonicalPath(request.path),
            canonicalQuery(request.query),
            headers,
            signedHeaders.joined(separator: ";"),
            payloadHash,
        ].joined(separator: "\n")
    }

    public static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        [algorithm, amzDate, scope, sha256Hex(Array(canonicalRequest.utf8))].joined(separator: "\n")
    }

    public static func signingKey(secret: String, date: String, region: String, service: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(secret)".utf8))
        for part in [date, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return key
    }

    public static func signature(key: SymmetricKey, stringToSign: String) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }
}
