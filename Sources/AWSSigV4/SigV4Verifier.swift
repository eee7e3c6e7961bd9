import Crypto
import Foundation

/// Who may call, with what secret, as which account.
public struct SigV4Credential: Hashable, Sendable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var account: String
    /// Set for temporary credentials: requests must carry it in `X-Amz-Security-Token`.
    public var sessionToken: String?

    public init(accessKeyId: String, secretAccessKey: String, account: String, sessionToken: String? = nil) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.account = account
        self.sessionToken = sessionToken
    }
}

/// Why a request was refused, with the code the JSON services answer (all HTTP 403); `reason` lets a service
/// of another protocol answer with its own (EC2's Query API).
public struct SigV4Failure: Error, Hashable, Sendable {
    public enum Reason: Hashable, Sendable {
        /// No `Authorization` header.
        case missing
        /// A header that is not a complete SigV4 authorization.
        case incomplete
        /// An access key (or session token) no credential has.
        case unrecognized
        /// Signed at a time more than 15 minutes from the server's.
        case expired
        /// Signed with another secret, or for another date or service than the scope says.
        case mismatch
    }

    public var reason: Reason
    public var code: String
    public var message: String

    static func missing() -> SigV4Failure {
        SigV4Failure(
            reason: .missing,
            code: "MissingAuthenticationTokenException",
            message: "Missing Authentication Token"
        )
    }

    static func incomplete(_ message: String) -> SigV4Failure {
        SigV4Failure(reason: .incomplete, code: "IncompleteSignatureException", message: message)
    }

    static func unrecognized() -> SigV4Failure {
        SigV4Failure(
            reason: .unrecognized,
            code: "UnrecognizedClientException",
            message: "The security token included in the request is invalid."
        )
    }

    static func expired(_ message: String) -> SigV4Failure {
        SigV4Failure(reason: .expired, code: "InvalidSignatureException", message: message)
    }

    static func invalid(_ message: String) -> SigV4Failure {
        SigV4Failure(reason: .mismatch, code: "InvalidSignatureException", message: message)
    }
}

/// Verifies SigV4-signed requests exactly as AWS does for JSON 1.1 services.
public struct SigV4Verifier: Sendable {
    /// How far a request's time may be from the server's.
    public static let allowedSkew: TimeInterval = 15 * 60

    public let credentials: [String: SigV4Credential]

    public init(credentials: [SigV4Credential]) {
        self.credentials = Dictionary(credentials.map { ($0.accessKeyId, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// The parts of an `Authorization` header.
    struct Authorization {
        var credential: SigV4CredentialScope
        var signedHeaders: [String]
        var signature: String
    }

    static func parse(_ header: String) throws(SigV4Failure) -> Authorization {
        guard header.hasPrefix(SigV4.algorithm + " ") else {
            throw .incomplete("Authorization header requires the \(SigV4.algorithm) algorithm.")
        }
        var fields: [String: String] = [:]
        for part in header.dropFirst(SigV4.algorithm.count + 1).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            fields[String(pair[0])] = String(pair[1])
        }
        var missing: [String] = []
        for name in ["Credential", "SignedHeaders", "Signature"] where fields[name] == nil {
            missing.append("Authorization header requires '\(name)' parameter.")
        }
        guard missing.isEmpty, let credential = fields["Credential"], let signed = fields["SignedHeaders"],
            let signature = fields["Signature"]
        else { throw .incomplete(missing.joined(separator: " ")) }
        guard let scope = SigV4CredentialScope(authorization: "\(SigV4.algorithm) Credential=\(credential)") else {
            throw .incomplete("Credential should be scoped to a valid region, service and 'aws4_request'.")
        }
        let signedHeaders = signed.split(separator: ";").map { $0.lowercased() }
        guard signedHeaders == signedHeaders.sorted(), !signedHeaders.isEmpty else {
            throw .incomplete("SignedHeaders must list lower-case header names in sorted order.")
        }
        return Authorization(credential: scope, signedHeaders: signedHeaders, signature: signature.lowercased())
    }

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        return calendar
    }()

    /// `YYYYMMDD'T'HHMMSS'Z'`.
    public static func amzDate(_ date: Date) -> String {
        let c = utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ",
            c.year ?? 0,
            c.month ?? 0,
            c.day ?? 0,
            c.hour ?? 0,
            c.minute ?? 0,
            c.second ?? 0
        )
    }

    static func parseAmzDate(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard bytes[range].allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            return Int(String(decoding: bytes[range], as: UTF8.self))
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15)
        else { return nil }
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard components.isValidDate(in: utcCalendar) else { return nil }
        return utcCalendar.date(from: components)
    }

    /// The credential a valid request was signed with; its credential scope must name one of `services` when they
    /// are given (the signing names of the services the request may be for; the first is the one a refusal names).
    public func verify(
        _ request: SigV4.Request,
        now: Date,
        services: [String]? = nil
    ) throws(SigV4Failure) -> SigV4Credential {
        guard let header = request.header("authorization") else { throw .missing() }
        let authorization = try Self.parse(header)
        guard authorization.signedHeaders.contains("host") else {
            throw .incomplete("'Host' must be a signed header.")
        }
        guard let amzDate = request.header("x-amz-date") else {
            throw .incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        }
        guard let date = Self.parseAmzDate(amzDate) else {
            throw .incomplete("X-Amz-Date must be in the form YYYYMMDD'T'HHMMSS'Z'.")
        }
        guard let credential = credentials[authorization.credential.accessKeyId] else { throw .unrecognized() }
        let token = request.header("x-amz-security-token")
        guard token == credential.sessionToken else { throw .unrecognized() }
        if date.timeIntervalSince(now) > Self.allowedSkew {
            throw .expired(
                "Signature not yet current: \(amzDate) is still later than "
                    + "\(Self.amzDate(now.addingTimeInterval(Self.allowedSkew))) (\(Self.amzDate(now)) + 15 min.)"
            )
        }
        guard now.timeIntervalSince(date) <= Self.allowedSkew else {
            throw .expired(
                "Signature expired: \(amzDate) is now earlier than "
                    + "\(Self.amzDate(now.addingTimeInterval(-Self.allowedSkew))) "
                    + "(\(Self.amzDate(now)) - 15 min.)"
            )
        }
        let scope = authorization.credential
        guard scope.date == String(amzDate.prefix(8)) else {
            throw .invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.")
        }
        if let services, let named = services.first, !services.contains(scope.service) {
            throw .invalid("Credential should be scoped to correct service: '\(named)'. ")
        }
        let canonical = SigV4.canonicalRequest(
            request,
            signedHeaders: authorization.signedHeaders,
            payloadHash: SigV4.sha256Hex(request.body)
        )
        let scopeText = "\(scope.date)/\(scope.region)/\(scope.service)/aws4_request"
        let expected = SigV4.signature(
            key: SigV4.signingKey(
                secret: credential.secretAccessKey,
                date: scope.date,
                region: scope.region,
                service: scope.service
            ),
            stringToSign: SigV4.stringToSign(amzDate: amzDate, scope: scopeText, canonicalRequest: canonical)
        )
        guard Self.constantTimeEqual(expected, authorization.signature) else {
            throw .invalid(
                "The request signature we calculated does not match the signature you provided. Check your AWS "
                    + "Secret Access Key and signing method. Consult the service documentation for details."
            )
        }
        return credential
    }

    static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// Reads a credentials file: one `ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID [SESSION_TOKEN]` a line;
    /// blank lines and lines starting with `#` are skipped.
    public static func parseCredentialsFile(_ text: String) throws -> [SigV4Credential] {
        var result: [SigV4Credential] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard (3...4).contains(fields.count), fields[2].count == 12, fields[2].allSatisfy(\.isNumber) else {
                throw CredentialsFileError(line: number + 1)
            }
            result.append(
                SigV4Credential(
                    accessKeyId: fields[0],
                    secretAccessKey: fields[1],
                    account: fields[2],
                    sessionToken: fields.count == 4 ? fields[3] : nil
                )
            )
        }
        return result
    }

    /// Names the line only: the file holds secrets.
    public struct CredentialsFileError: Error, CustomStringConvertible {
        public var line: Int
        public var description: String {
            "credentials file line \(line): expected ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID(12 digits) [SESSION_TOKEN]"
        }
    }
}
