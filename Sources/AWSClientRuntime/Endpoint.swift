#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An endpoint URL as botocore reads it: checked when the client is made (``check(_:)``, botocore's
/// `is_valid_endpoint_url` or `is_valid_ipv6_endpoint_url`, else `Invalid endpoint: URL`), then split into what a
/// request needs when it is signed and sent, with the port and the scheme refused there in botocore's and
/// urllib3's words. Every text of a refusal is the one the AWS CLI prints for it.
struct Endpoint: Sendable {
    /// The Host header, as botocore's signer makes it: the host in lower case (an IPv6 one bracketed), the port
    /// only when it is not the scheme's.
    var hostHeader: String
    /// The path and the query as given (the path `/` when the URL has none).
    private var shownPath: String
    private var shownQuery: String
    private var scheme: String
    /// The network location as given (a user and the port's text included), for ``url``.
    private var netloc: String
    /// The host and port a request connects to.
    private var authority: String
    private var fragment: String

    /// The URL a failure names, as botocore joins the endpoint with the request's path (`_urljoin`): the scheme in
    /// lower case, `/` for an empty path, the rest (a user, a query, a fragment) as given.
    var url: String {
        "\(scheme)://\(netloc)\(shownPath)" + (shownQuery.isEmpty ? "" : "?\(shownQuery)")
            + (fragment.isEmpty ? "" : "#\(fragment)")
    }

    /// The path sent and signed, percent-encoded as urllib3 sends it.
    var path: String { Self.encoded(shownPath, alsoAllowed: "") }
    /// The query given in the URL, sent and signed with every request, percent-encoded as urllib3 sends it.
    var query: String { Self.encoded(shownQuery, alsoAllowed: "?") }

    /// The URL the request goes to: without a user or a fragment, the port as a number.
    var requestURL: String {
        "\(scheme)://\(authority)\(path)" + (query.isEmpty ? "" : "?\(query)")
    }

    /// The endpoint with a path of dxlocal's own after its own path (`/_dxlocal/...`).
    func appending(_ tail: String) -> Endpoint {
        var endpoint = self
        endpoint.shownPath = (shownPath.hasSuffix("/") ? String(shownPath.dropLast()) : shownPath) + tail
        return endpoint
    }

    /// A path or query as urllib3 sends it: what a URL may not hold percent-encoded as UTF-8, escapes already there
    /// kept (their digits in upper case), a `%` that starts none encoded.
    static func encoded(_ part: String, alsoAllowed: String) -> String {
        let allowed = Set(("!$&'()*+,;=:@/-._~" + alsoAllowed).unicodeScalars)
        let scalars = Array(part.unicodeScalars)
        var out = ""
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "%", index + 2 < scalars.count, scalars[index + 1].properties.isASCIIHexDigit,
                scalars[index + 2].properties.isASCIIHexDigit
            {
                out += "%" + String(String.UnicodeScalarView(scalars[index + 1...index + 2])).uppercased()
                index += 3
                continue
            }
            if scalar.isASCIIAlphanumeric || allowed.contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                for byte in String(scalar).utf8 { out += "%" + PythonRepr.hex(UInt32(byte), width: 2).uppercased() }
            }
            index += 1
        }
        return out
    }

    /// The check botocore makes when a client is made: a host that is a DNS name of labels or a bracketed IPv6
    /// address (with a zone), else `Invalid endpoint: URL`; what Python's `urlsplit` refuses in its words (an
    /// unmatched bracket, a bracketed address that is not IPv6). Letters and digits of a label are ASCII only (our
    /// choice: Python's pattern takes a few more Unicode characters that no resolver accepts).
    @discardableResult
    static func check(_ text: String) throws(AWSClientError) -> PythonURL {
        let unsafe = text.unicodeScalars.contains { $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard !unsafe else { throw invalid(text) }
        let parts = try PythonURL(text)
        guard let hostname = parts.hostname, isHostName(hostname) || isBracketedIPv6(hostname) else {
            throw invalid(text)
        }
        return parts
    }

    /// Checks the URL as ``check(_:)`` does, then reads its port (Python's `SplitResult.port`) and scheme as a
    /// request does: botocore's signer reads the port first, urllib3 refuses a scheme other than http and https.
    init(_ text: String) throws(AWSClientError) {
        let parts = try Self.check(text)
        let port = try parts.port()
        guard let hostname = parts.hostname else { throw Self.invalid(text) }
        let host = Self.isBracketedIPv6(hostname) ? "[\(hostname)]" : hostname
        let defaultPort = ["http": 80, "https": 443][parts.scheme]
        hostHeader = port.map { $0 == defaultPort ? host : "\(host):\($0)" } ?? host
        guard defaultPort != nil else {
            throw .configuration(
                "An HTTP Client raised an unhandled exception: Not supported URL scheme \(parts.scheme)"
            )
        }
        shownPath = parts.path.isEmpty ? "/" : parts.path
        shownQuery = parts.query
        scheme = parts.scheme
        netloc = parts.netloc
        authority = host + (port.map { ":\($0)" } ?? "")
        fragment = parts.fragment
    }

    private static func invalid(_ text: String) -> AWSClientError {
        .configuration("Invalid endpoint: \(text)")
    }

    /// Labels of 1 to 63 letters, digits and hyphens, no hyphen at either end, separated by dots; one dot may end
    /// the name; at most 255 characters in all.
    private static func isHostName(_ hostname: String) -> Bool {
        var scalars = Array(hostname.unicodeScalars)
        guard scalars.count <= 255 else { return false }
        if scalars.last == "." { scalars.removeLast() }
        return scalars.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCIIAlphanumeric || $0 == "-" }
        }
    }

    /// An IPv6 address with an optional zone (`%` or `%25`, then unreserved characters or percent escapes), as
    /// botocore's `IPV6_ADDRZ_RE` takes it.
    private static func isBracketedIPv6(_ hostname: String) -> Bool {
        let address: Substring
        var zone: Substring = ""
        if let percent = hostname.firstIndex(of: "%") {
            address = hostname[..<percent]
            zone = hostname[hostname.index(after: percent)...]
            if zone.hasPrefix("25"), isZone(zone.dropFirst(2)) {
                zone = zone.dropFirst(2)
            } else if !isZone(zone) {
                return false
            }
        } else {
            address = hostname[...]
        }
        return PythonURL.parsesAs(AF_INET6, String(address))
    }

    private static func isZone(_ zone: Substring) -> Bool {
        let unreserved = Set("._!-~".unicodeScalars)
        var scalars = zone.unicodeScalars[...]
        guard !scalars.isEmpty else { return false }
        while let first = scalars.first {
            if first == "%" {
                let escape = scalars.dropFirst().prefix(2)
                guard escape.count == 2, escape.allSatisfy({ $0.properties.isASCIIHexDigit }) else { return false }
                scalars = scalars.dropFirst(3)
            } else {
                guard first.isASCIIAlphanumeric || unreserved.contains(first) else { return false }
                scalars = scalars.dropFirst()
            }
        }
        return true
    }
}

/// A URL split as CPython 3.11's `urllib.parse.urlsplit` splits it, which botocore and the AWS CLI read endpoints
/// with: leading controls and spaces dropped, tabs and line ends removed, a scheme only when it is one, the network
/// location after `//`, then the fragment and the query. Its refusals are Python's `ValueError` texts.
package struct PythonURL: Sendable {
    package var scheme = ""
    package var netloc = ""
    package var path = ""
    package var query = ""
    package var fragment = ""

    package init(_ text: String) throws(AWSClientError) {
        var url = text.unicodeScalars.drop { $0.value <= 0x20 }.filter { $0 != "\t" && $0 != "\r" && $0 != "\n" }[...]
        if let colon = url.firstIndex(of: ":"), colon > url.startIndex, let first = url.first, first.isASCII,
            first.properties.isAlphabetic,
            url[..<colon].allSatisfy({ $0.isASCIIAlphanumeric || "+-.".unicodeScalars.contains($0) })
        {
            scheme = String(String.UnicodeScalarView(url[..<colon])).lowercased()
            url = url[url.index(after: colon)...]
        }
        if url.starts(with: "//".unicodeScalars) {
            let rest = url.dropFirst(2)
            let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
            netloc = String(String.UnicodeScalarView(rest[..<end]))
            url = rest[end...]
            if netloc.contains("[") != netloc.contains("]") { throw .configuration("Invalid IPv6 URL") }
            if let open = netloc.firstIndex(of: "[") {
                let inside = netloc[netloc.index(after: open)...]
                try Self.checkBracketed(String(inside.prefix { $0 != "]" }))
            }
        }
        if let hash = url.firstIndex(of: "#") {
            fragment = String(String.UnicodeScalarView(url[url.index(after: hash)...]))
            url = url[..<hash]
        }
        if let mark = url.firstIndex(of: "?") {
            query = String(String.UnicodeScalarView(url[url.index(after: mark)...]))
            url = url[..<mark]
        }
        path = String(String.UnicodeScalarView(url))
    }

    /// The host and the port's text (Python's `_hostinfo`): after the last `@`, a bracketed host or up to a colon.
    private var hostInfo: (host: Substring, port: Substring) {
        let info = netloc[(netloc.lastIndex(of: "@").map(netloc.index(after:)) ?? netloc.startIndex)...]
        if let open = info.firstIndex(of: "[") {
            let bracketed = info[info.index(after: open)...]
            let close = bracketed.firstIndex(of: "]") ?? bracketed.endIndex
            let after = bracketed[close...].dropFirst()
            return (bracketed[..<close], after.firstIndex(of: ":").map { after[after.index(after: $0)...] } ?? "")
        }
        let colon = info.firstIndex(of: ":")
        return (info[..<(colon ?? info.endIndex)], colon.map { info[info.index(after: $0)...] } ?? "")
    }

    /// The host in lower case (a zone after `%` as given), or nil when there is none.
    package var hostname: String? {
        let host = hostInfo.host
        guard !host.isEmpty else { return nil }
        guard let percent = host.firstIndex(of: "%") else { return host.lowercased() }
        return host[..<percent].lowercased() + host[percent...]
    }

    /// The port, read as Python reads it: ASCII digits only, 0 to 65535, else its `ValueError`.
    package func port() throws(AWSClientError) -> Int? {
        let text = hostInfo.port
        guard !text.isEmpty else { return nil }
        guard text.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else {
            throw .configuration("Port could not be cast to integer value as \(PythonRepr.string(String(text)))")
        }
        let digits = text.drop { $0 == "0" }
        guard digits.count <= 5, let port = Int(digits.isEmpty ? "0" : digits), port <= 65535 else {
            throw .configuration("Port out of range 0-65535")
        }
        return port
    }

    /// Python's check of a bracketed host: an IPvFuture form, or an IPv6 address (`ipaddress.ip_address`, with a
    /// zone), never IPv4.
    private static func checkBracketed(_ host: String) throws(AWSClientError) {
        if host.hasPrefix("v") {
            let body = host.dropFirst()
            let dot = body.firstIndex(of: ".")
            let valid =
                dot.map {
                    $0 > body.startIndex && body[..<$0].unicodeScalars.allSatisfy(\.properties.isASCIIHexDigit)
                        && body.index(after: $0) < body.endIndex
                        && !body[body.index(after: $0)...].contains("\n")
                } ?? false
            if !valid { throw .configuration("IPvFuture address is invalid") }
            return
        }
        if parsesAs(AF_INET, host) { throw .configuration("An IPv4 address cannot be in brackets") }
        let parts = host.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)
        let zoneIsValid = parts.count == 1 || (!parts[1].isEmpty && !parts[1].contains("%"))
        guard zoneIsValid, parsesAs(AF_INET6, String(parts[0])) else {
            throw .configuration("\(PythonRepr.string(host)) does not appear to be an IPv4 or IPv6 address")
        }
    }

    /// Whether the C library reads the text as an address of the family (as strict as Python's `ipaddress`: no
    /// leading zeros in IPv4, at most four hexadecimal digits a group in IPv6).
    static func parsesAs(_ family: Int32, _ text: String) -> Bool {
        var buffer = (UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &buffer) { inet_pton(family, text, $0.baseAddress) == 1 }
    }
}

/// Python's `repr` of a string, as botocore's and Python's messages print values: in single quotes unless it holds
/// one and no double quote; the quote and the backslash escaped, `\t`, `\n`, `\r`, and every other character Python
/// does not print (controls, format characters, separators other than the space, unassigned ones) as `\xNN`,
/// `\uNNNN` or `\UNNNNNNNN`.
package enum PythonRepr {
    package static func string(_ text: String) -> String {
        let quote: Unicode.Scalar = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var out = String(Character(quote))
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case quote: out += "\\" + String(Character(quote))
            case _ where isPrintable(scalar): out.unicodeScalars.append(scalar)
            case _ where scalar.value <= 0xFF: out += "\\x" + hex(scalar.value, width: 2)
            case _ where scalar.value <= 0xFFFF: out += "\\u" + hex(scalar.value, width: 4)
            default: out += "\\U" + hex(scalar.value, width: 8)
            }
        }
        out.unicodeScalars.append(quote)
        return out
    }

    /// Python's `str.isprintable` for one character: not of the categories Cc, Cf, Cs, Co, Cn, Zl, Zp, or Zs but
    /// the space.
    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator: false
        case .spaceSeparator: scalar == " "
        default: true
        }
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

extension Unicode.Scalar {
    /// An ASCII letter or digit.
    package var isASCIIAlphanumeric: Bool {
        isASCII && (properties.isAlphabetic || ("0"..."9").contains(self))
    }
}
