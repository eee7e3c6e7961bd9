import AWSJSONProtocol
import Foundation

/// The parameters of a request in AWS's Query protocol, as EC2 speaks it: the names and values of its form-encoded
/// body (`Action=DescribeVpcs&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-...`).
///
/// Every dotted prefix of a name is kept too (`Filter`, `Filter.1`, `Filter.1.Value`), so that a structure or a list
/// element is found present in one lookup, whatever the number of parameters.
public struct QueryParameters: Sendable {
    private var values: [String: String] = [:]
    private var prefixes: Set<String> = []
    /// The names in the order the request gives them.
    private var names: [String] = []

    /// The longest parameter name taken, and the most dots in one (our choice: EC2's deepest names, such as
    /// `TagSpecification.1.Tag.1.Key`, have a handful of each; every prefix of a name is kept, so a name of a million
    /// dots would cost memory in the square of its length).
    static let longestName = 512
    static let mostDots = 32

    /// Parses a form-encoded body (`application/x-www-form-urlencoded`): `+` is a space, `%XX` a byte, names and
    /// values UTF-8. A malformed escape, bytes that are not UTF-8, or a name given twice is refused, naming the
    /// parameter and never its value. (our choice: EC2 documents no answer to those)
    public init(form: some Collection<UInt8>) throws(AWSError) {
        for pair in form.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            let name = try Self.decode(pair[..<(equals ?? pair.endIndex)], what: "a parameter name")
            var value = ""
            if let equals { value = try Self.decode(pair[pair.index(after: equals)...], what: "the value of \(name)") }
            try add(name, value)
        }
    }

    private mutating func add(_ name: String, _ value: String) throws(AWSError) {
        guard name.utf8.count <= Self.longestName,
            name.utf8.lazy.filter({ $0 == UInt8(ascii: ".") }).count <= Self.mostDots
        else {
            throw Self.malformed(
                "The parameter name \(name.prefix(64))... has more than \(Self.longestName) characters or \(Self.mostDots) dots"
            )
        }
        guard values.updateValue(value, forKey: name) == nil else {
            throw Self.malformed("The parameter \(name) is given more than once")
        }
        names.append(name)
        var end = name.endIndex
        while let dot = name[..<end].lastIndex(of: ".") {
            guard prefixes.insert(String(name[..<dot])).inserted else { break }
            end = dot
        }
    }

    /// The value of the parameter `name`, if the request has one.
    public subscript(name: String) -> String? { values[name] }

    /// Whether the request has `name` or any parameter below it (`name.…`).
    public func has(_ name: String) -> Bool { values[name] != nil || prefixes.contains(name) }

    /// The name of `member` below `parent` (the top level when `parent` is empty).
    public static func name(_ parent: String, _ member: String) -> String {
        parent.isEmpty ? member : parent + "." + member
    }

    static func malformed(_ message: String) -> AWSError {
        AWSError(code: "MalformedQueryString", message: message, status: 400)
    }

    private static func decode(
        _ bytes: some Collection<UInt8>,
        what: @autoclosure () -> String
    ) throws(AWSError)
        -> String
    {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                let high = bytes.index(after: index)
                guard high != bytes.endIndex, bytes.index(after: high) != bytes.endIndex,
                    let h = hexValue(bytes[high]), let l = hexValue(bytes[bytes.index(after: high)])
                else { throw malformed("The request has a malformed escape in \(what())") }
                out.append(h << 4 | l)
                index = bytes.index(high, offsetBy: 2)
                continue
            }
            out.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index = bytes.index(after: index)
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw malformed("The request has bytes that are not UTF-8 in \(what())")
        }
        return text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// A value read from Query parameters: a scalar at a name, a list at `name.1`, `name.2`, …, a structure's members at
/// `name.Member`.
public protocol AWSQueryReadable: Sendable {
    /// The value at `name`, or `nil` when the request has none; a value of the wrong form is EC2's
    /// `InvalidParameterValue`, naming the parameter.
    static func read(_ query: QueryParameters, _ name: String) throws(AWSError) -> Self?

    /// The type of what a parameter names one segment below a value of this type (`segment` a structure's member, a
    /// list's index), or `nil` when there is nothing there: a scalar's.
    static func queryChild(_ segment: Substring) -> (any AWSQueryReadable.Type)?

    /// Whether a value of this type is a scalar, a list or a structure.
    static var queryKind: AWSQueryKind { get }
}

/// What a parameter's name reaches: a value, or a list or structure whose parts are named below it.
public enum AWSQueryKind: Sendable {
    case scalar, list, structure
}

extension AWSQueryReadable {
    public static func queryChild(_ segment: Substring) -> (any AWSQueryReadable.Type)? { nil }
    public static var queryKind: AWSQueryKind { .scalar }
}

extension AWSQueryShape {
    public static var queryKind: AWSQueryKind { .structure }
}

extension QueryParameters {
    /// The parameters every request may name beside its input's members: EC2's common parameters (its action and
    /// version, and those of Signature Versions 4 and 2 when a request is signed in its body).
    static let common: Set<String> = [
        "Action", "Version", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Security-Token",
        "X-Amz-Signature", "X-Amz-SignedHeaders", "AWSAccessKeyId", "SignatureMethod", "SignatureVersion", "Timestamp",
        "Expires", "Signature",
    ]

    /// EC2's `UnknownParameter` when a parameter names something `input` does not have, naming the first segment of
    /// its name that is not recognized, as EC2 does (`The parameter DryRun is not recognized`), for the first such
    /// parameter in the request's order; checked before the input is read, so that nothing a client meant is ignored
    /// in silence. So, too, a list's index after a gap (`Tag.2` without `Tag.1`: the reader stops at the first
    /// missing index), and a value given at a list's or a structure's own name (`InvalidParameterValue`; botocore
    /// sends an empty value there for an empty list, which is taken). (our choice: EC2 documents neither answer)
    public func requireRecognized(by input: any AWSQueryReadable.Type) throws(AWSError) {
        for name in names where !Self.common.contains(name) {
            var type: any AWSQueryReadable.Type = input
            var end = name.startIndex
            for segment in name.split(separator: ".", omittingEmptySubsequences: false) {
                let parent = name[..<end]
                end = segment.endIndex
                guard let child = type.queryChild(segment),
                    type.queryKind != .list || segment == "1" || has("\(parent).\((Int(segment) ?? 1) - 1)")
                else {
                    throw AWSError(
                        code: "UnknownParameter",
                        message: "The parameter \(segment.prefix(128)) is not recognized",
                        status: 400
                    )
                }
                type = child
            }
            if type.queryKind != .scalar, values[name]?.isEmpty == false {
                let parts = type.queryKind == .list ? "\(name).1, \(name).2, ..." : "\(name).<member>"
                throw .invalidParameterValue("The parameter \(name) takes its value as \(parts)")
            }
        }
    }
}

extension AWSError {
    /// EC2's refusal of a parameter's value.
    public static func invalidParameterValue(_ message: String) -> AWSError {
        AWSError(code: "InvalidParameterValue", message: message, status: 400)
    }
}

extension String: AWSQueryReadable {
    public static func read(_ query: QueryParameters, _ name: String) -> String? { query[name] }
}

extension Int: AWSQueryReadable {
    public static func read(_ query: QueryParameters, _ name: String) throws(AWSError) -> Int? {
        guard let text = query[name] else { return nil }
        guard let value = Int(text) else {
            throw .invalidParameterValue("Value for parameter \(name) is invalid: expected an integer")
        }
        return value
    }
}

extension Double: AWSQueryReadable {
    public static func read(_ query: QueryParameters, _ name: String) throws(AWSError) -> Double? {
        guard let text = query[name] else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw .invalidParameterValue("Value for parameter \(name) is invalid: expected a number")
        }
        return value
    }
}

extension Bool: AWSQueryReadable {
    public static func read(_ query: QueryParameters, _ name: String) throws(AWSError) -> Bool? {
        guard let text = query[name] else { return nil }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw .invalidParameterValue("Value for parameter \(name) is invalid: expected true or false")
        }
    }
}

extension Array: AWSQueryReadable where Element: AWSQueryReadable {
    /// A list's elements at `name.1`, `name.2`, … up to the first number the request does not have, as botocore
    /// numbers them.
    public static func read(_ query: QueryParameters, _ name: String) throws(AWSError) -> [Element]? {
        guard query.has(name) else { return nil }
        var elements: [Element] = []
        while let element = try Element.read(query, "\(name).\(elements.count + 1)") { elements.append(element) }
        return elements
    }

    public static var queryKind: AWSQueryKind { .list }

    /// An element, at a positive index written in decimal digits.
    public static func queryChild(_ segment: Substring) -> (any AWSQueryReadable.Type)? {
        guard let first = segment.utf8.first, first != UInt8(ascii: "0"),
            segment.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return Element.self
    }
}

extension Date: AWSQueryReadable {
    /// An instant in ISO 8601 (`2026-12-03T10:00:00Z`, fractional seconds allowed), as botocore sends timestamps.
    public static func read(_ query: QueryParameters, _ name: String) throws(AWSError) -> Date? {
        guard let text = query[name] else { return nil }
        let plain = Date.ISO8601FormatStyle()
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        guard let value = (try? plain.parse(text)) ?? (try? fractional.parse(text)) else {
            throw .invalidParameterValue("Value for parameter \(name) is invalid: expected an ISO 8601 timestamp")
        }
        return value
    }
}
