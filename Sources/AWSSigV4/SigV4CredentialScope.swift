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
    /// Every request is parsed, so this walks the header's UTF-8 bytes in place and allocates only the four
    /// strings it answers (splitting into `Character`s, then into arrays of bytes, cost more than the rest of a
    /// small request's routing).
    public init?(authorization header: String) {
        var header = header
        guard let scope = header.withUTF8({ Self.parse($0) }) else { return nil }
        self = scope
    }

    /// After the algorithm, the comma-separated parameters, each with leading spaces dropped: the first that starts
    /// with `Credential=` must be five `/`-separated parts ending in `aws4_request`, with a key and a region.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> SigV4CredentialScope? {
        guard let afterAlgorithm = match("AWS4-HMAC-SHA256", in: bytes, at: 0) else { return nil }
        var start = afterAlgorithm
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: ",") { end += 1 }
            var first = start
            while first < end && bytes[first] == UInt8(ascii: " ") { first += 1 }
            if let value = match("Credential=", in: bytes, at: first), value <= end {
                return credential(UnsafeBufferPointer(rebasing: bytes[value..<end]))
            }
            start = end + 1
        }
        return nil
    }

    /// `<key>/<date>/<region>/<service>/aws4_request`.
    private static func credential(_ bytes: UnsafeBufferPointer<UInt8>) -> SigV4CredentialScope? {
        func slash(after start: Int) -> Int {
            var index = start
            while index < bytes.count && bytes[index] != UInt8(ascii: "/") { index += 1 }
            return index
        }
        let first = slash(after: 0)
        let second = slash(after: first + 1)
        let third = slash(after: second + 1)
        let fourth = slash(after: third + 1)
        guard fourth < bytes.count, first > 0, third > second + 1,
            match("aws4_request", in: bytes, at: fourth + 1) == bytes.count
        else {
            return nil
        }
        func string(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        return SigV4CredentialScope(
            accessKeyId: string(0..<first),
            date: string(first + 1..<second),
            region: string(second + 1..<third),
            service: string(third + 1..<fourth)
        )
    }

    /// The index after `literal` when `bytes` holds it at `index`.
    private static func match(_ literal: StaticString, in bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return nil }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] { return nil }
        return index + count
    }
}
