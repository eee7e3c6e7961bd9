import Foundation

/// A value read straight from JSON bytes by code generated from the model (`init?(json:)`): the one reading of a
/// request body (`AWSJSONCoding.decode`) and of a stored record (`RecordDocument.decode`).
///
/// The reader reads a document once, front to back. A member named twice in one object, or text that is not JSON,
/// ends the reading; a value of the wrong type, or one its type cannot hold, is noted and skipped, and reading goes
/// on, so that the failure reported is the first in the order `JSONDecoder` would meet it (members in the model's
/// order, elements in theirs), with the member's path: the answer `JSONDecoder` gives, which FastReaderTests holds
/// it to. (Our choices: JSON is taken as RFC 8259 writes it, also in members that are skipped, where `JSONDecoder`
/// lets trailing commas, bad escapes or `007` through; a number out of its member's range names the member; where a
/// body is both broken JSON and names a member twice, whichever comes first is reported.)
public protocol AWSJSONReadable {
    /// The value at the reader's position; `nil` when there is none, the reason noted in the reader (`failure`).
    init?(json reader: inout AWSJSONReader)
}

/// What comes next inside an object.
public enum AWSJSONMember {
    case key(String)
    case end
    /// The reading has ended (`AWSJSONReader.failure` says why).
    case unreadable
}

/// A cursor over the bytes of one JSON document (see `AWSJSONReadable`).
public struct AWSJSONReader {
    /// Why a document was refused.
    public struct Failure: Error, Equatable, Sendable {
        public enum Kind: Equatable, Sendable {
            /// A member named twice in one object (its name, as read: escapes decoded).
            case duplicate(String)
            /// Not JSON (or nested deeper than `maximumDepth`).
            case syntax
            /// A value of another type than the member's: `string`, `number`, `boolean`, `list` or `structure`.
            case type(String)
            /// A value of the member's type that the member cannot hold (a number out of range, invalid base64).
            case invalidValue
            /// A member the shape does not have, where the shape refuses those (the operator's bodies).
            case unknown(String)
        }

        public var kind: Kind
        /// The member at fault, as `JSONDecoder` names it (`tags.[0].key`); empty for the document itself.
        public var member: String

        /// The protocol's message for it, naming the member without echoing its value (it could be key material).
        public var message: String {
            switch kind {
            case .duplicate(let name):
                return
                    "Member \(String(decoding: Array(name.utf8.prefix(64)), as: UTF8.self)) appears more than once in one object"
            case .syntax:
                return "The request body is not valid JSON"
            case .type(let type):
                guard member.isEmpty else { return "Member \(member) must be of type \(type)" }
                // Every AWS body is an object; an operator's list of fault rules is an array.
                return type == "list"
                    ? "The request body must be a JSON array" : "The request body must be a JSON object"
            case .invalidValue:
                return member.isEmpty ? "The request body is not valid JSON" : "Member \(member) has an invalid value"
            case .unknown(let name):
                let name = String(decoding: Array(name.utf8.prefix(64)), as: UTF8.self)
                return "Member \(member.isEmpty ? name : member + "." + name) is not known here"
            }
        }
    }

    /// One step of the path to the value being read: a member (its place in the model's order, its wire name) or an
    /// element (its index).
    @usableFromInline
    struct Step {
        @usableFromInline var order: Int
        @usableFromInline var name: String?

        @usableFromInline
        init(order: Int, name: String?) {
            self.order = order
            self.name = name
        }
    }

    @usableFromInline let bytes: UnsafeBufferPointer<UInt8>
    @usableFromInline var index: Int
    /// Whether the reader stands right after an object's `{` or an array's `[` (no member or element yet).
    @usableFromInline var opened = false
    /// The failure that ended the reading, else the first wrong value in `JSONDecoder`'s order, if any.
    public private(set) var failure: Failure?
    /// The order of `failure`'s value (the steps' orders), to keep the first.
    private var failureOrder: [Int] = []
    /// Whether a failure ended the reading.
    @usableFromInline private(set) var stopped = false
    /// Whether failures carry their member's path and are ordered as `JSONDecoder` orders them (a request body);
    /// a stored record is only readable or corrupt, so its reading keeps no path and costs nothing for it.
    @usableFromInline let tracksPaths: Bool
    @usableFromInline var path: [Step] = []
    private var depth = 0
    /// How deep arrays and objects may nest: `JSONDecoder`'s limit.
    static let maximumDepth = 512

    /// A reader over `bytes`, which must stay valid while it is used.
    public init(_ bytes: UnsafeBufferPointer<UInt8>, tracksPaths: Bool = true) {
        self.bytes = bytes
        self.tracksPaths = tracksPaths
        index = 0
    }

    /// Reads a whole document as `T`: the value and nothing after it but whitespace, or why not.
    public static func decode<T: AWSJSONReadable>(
        _ type: T.Type,
        from bytes: UnsafeBufferPointer<UInt8>,
        tracksPaths: Bool = true
    ) -> Result<T, Failure> {
        var reader = AWSJSONReader(bytes, tracksPaths: tracksPaths)
        let value = T(json: &reader)
        if !reader.stopped {
            // A root of the wrong type was not read: the document must still be JSON, and name no member twice.
            if value == nil {
                reader.index = 0
                reader.opened = false
                _ = reader.skipValue()
            }
            if !reader.stopped {
                reader.skipWhitespace()
                if reader.index != bytes.count { reader.stop(.syntax) }
            }
        }
        if let failure = reader.failure { return .failure(failure) }
        guard let value else { return .failure(Failure(kind: .invalidValue, member: "")) }
        return .success(value)
    }

    /// Reads a whole document as `T`, or `nil` (no member path kept: a stored record).
    public static func read<T: AWSJSONReadable>(_ type: T.Type, from bytes: UnsafeBufferPointer<UInt8>) -> T? {
        try? decode(type, from: bytes, tracksPaths: false).get()
    }

    // MARK: Failures

    /// Ends the reading: the document is not JSON, or names a member twice.
    @usableFromInline
    mutating func stop(_ kind: Failure.Kind) {
        guard !stopped else { return }
        stopped = true
        failure = Failure(kind: kind, member: memberPath())
        failureOrder = []
    }

    /// Notes a wrong value at the current path, unless one `JSONDecoder` would meet first is noted already.
    @usableFromInline
    mutating func note(_ kind: Failure.Kind) {
        guard !stopped else { return }
        guard tracksPaths else {
            if failure == nil { failure = Failure(kind: kind, member: "") }
            return
        }
        let order = path.map(\.order)
        if failure != nil, !order.lexicographicallyPrecedes(failureOrder) { return }
        failure = Failure(kind: kind, member: memberPath())
        failureOrder = order
    }

    /// A value of another type than `expected` stands here: noted when it is a JSON value, else the end.
    @usableFromInline
    mutating func mismatch(_ expected: String) {
        switch peek() ?? 0 {
        case UInt8(ascii: "\""), UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "t"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            note(.type(expected))
        default:
            stop(.syntax)
        }
    }

    /// Notes that the value here is not one the member can hold (a reader that refuses a well-formed value).
    public mutating func refuse() {
        note(.invalidValue)
    }

    private func memberPath() -> String {
        path.map { $0.name ?? "[\($0.order)]" }.joined(separator: ".")
    }

    // MARK: Bytes

    @inlinable
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// The next byte after whitespace, not consumed.
    @inlinable
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    /// Consumes `literal` if it comes next.
    @inlinable
    mutating func consume(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let start = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != start[offset] { return false }
        index += count
        return true
    }

    // MARK: Objects

    /// Consumes the `{` of an object; `false` when something else comes (a structure was expected: noted).
    public mutating func beginObject() -> Bool {
        guard peek() == UInt8(ascii: "{") else {
            mismatch("structure")
            return false
        }
        guard enter() else { return false }
        index += 1
        opened = true
        return true
    }

    /// The next member's key (the reader then stands at its value), or the object's end (consumed); `unreadable`
    /// when the reading has ended. The caller finds a member named twice: a generated reader by the members it has
    /// read (`read(_:_:_:seen:)`) and the names it does not know (`skipUnknown`).
    public mutating func nextMember() -> AWSJSONMember {
        guard !stopped else { return .unreadable }
        guard let next = peek() else {
            stop(.syntax)
            return .unreadable
        }
        if next == UInt8(ascii: "}") {
            index += 1
            opened = false
            depth -= 1
            return .end
        }
        if !opened {
            guard next == UInt8(ascii: ",") else {
                stop(.syntax)
                return .unreadable
            }
            index += 1
        }
        opened = false
        guard peek() == UInt8(ascii: "\""), let key = scanString(), peek() == UInt8(ascii: ":") else {
            stop(.syntax)
            return .unreadable
        }
        index += 1
        return .key(key)
    }

    /// Skips an object and all it holds (the members of a shape that has none); anything else is a mismatch.
    public mutating func skipObject() -> Bool {
        guard peek() == UInt8(ascii: "{") else {
            mismatch("structure")
            return false
        }
        return skipValue()
    }

    // MARK: Arrays

    /// Consumes the `[` of an array; `false` when something else comes (a list was expected: noted).
    public mutating func beginArray() -> Bool {
        guard peek() == UInt8(ascii: "[") else {
            mismatch("list")
            return false
        }
        guard enter() else { return false }
        index += 1
        opened = true
        return true
    }

    /// Whether another element follows (its separator consumed), `false` at the array's end (consumed), `nil` when
    /// the reading has ended.
    public mutating func nextElement() -> Bool? {
        guard !stopped else { return nil }
        guard let next = peek() else {
            stop(.syntax)
            return nil
        }
        if next == UInt8(ascii: "]") {
            index += 1
            opened = false
            depth -= 1
            return false
        }
        if !opened {
            guard next == UInt8(ascii: ",") else {
                stop(.syntax)
                return nil
            }
            index += 1
            guard let following = peek(), following != UInt8(ascii: "]") else {
                stop(.syntax)
                return nil
            }
        }
        opened = false
        return true
    }

    /// One level deeper; past `maximumDepth` the reading ends.
    private mutating func enter() -> Bool {
        depth += 1
        guard depth <= Self.maximumDepth else {
            stop(.syntax)
            return false
        }
        return true
    }

    // MARK: Members and elements

    /// Reads a member's value into `member` (`nil` for `null`, as `decodeIfPresent` reads it). `order` is the
    /// member's place in the model (below 64) and `name` its wire name; `seen` holds a bit for each member of the
    /// object read so far, so that a member given twice ends the reading. A wrong value is noted and skipped; `false`
    /// only when the reading has ended.
    @inlinable
    public mutating func read<T: AWSJSONReadable>(
        _ member: inout T?,
        _ order: Int,
        _ name: StaticString,
        seen: inout UInt64
    ) -> Bool {
        let bit: UInt64 = 1 << UInt64(order & 63)
        guard seen & bit == 0 else {
            stop(.duplicate(name.description))
            return false
        }
        seen |= bit
        if tracksPaths { path.append(Step(order: order, name: name.description)) }
        defer { if tracksPaths { path.removeLast() } }
        if peek() == UInt8(ascii: "n") {
            guard consume("null") else {
                stop(.syntax)
                return false
            }
            member = nil
            return true
        }
        return readValue { member = $0 }
    }

    /// Ends the reading at a member the shape does not have, for a shape that refuses those.
    public mutating func refuseUnknown(_ key: String) {
        stop(.unknown(key))
    }

    /// Skips the value of a member the reader does not know, unless its name was given already in the object
    /// (`names`, the unknown names so far): then the reading ends.
    public mutating func skipUnknown(_ key: String, _ names: inout Set<String>) -> Bool {
        guard names.insert(key).inserted else {
            stop(.duplicate(key))
            return false
        }
        return skipValue()
    }

    /// An element of a list at `position`, appended to `elements` (`null` is a wrong value there, as for
    /// `JSONDecoder`); a wrong value is noted and skipped; `false` only when the reading has ended.
    @inlinable
    public mutating func readElement<T: AWSJSONReadable>(_ position: Int, into elements: inout [T]) -> Bool {
        if tracksPaths { path.append(Step(order: position, name: nil)) }
        defer { if tracksPaths { path.removeLast() } }
        return readValue { elements.append($0) }
    }

    /// A map's value under `key` (the `position`-th), kept in `members`; a key given twice ends the reading;
    /// otherwise as `readElement`.
    @inlinable
    public mutating func readValue<T: AWSJSONReadable>(
        _ position: Int,
        key: String,
        into members: inout [String: T]
    ) -> Bool {
        guard members[key] == nil else {
            stop(.duplicate(key))
            return false
        }
        if tracksPaths { path.append(Step(order: position, name: key)) }
        defer { if tracksPaths { path.removeLast() } }
        return readValue { members[key] = $0 }
    }

    @inlinable
    mutating func readValue<T: AWSJSONReadable>(_ keep: (T) -> Void) -> Bool {
        let mark = index
        if let value = T(json: &self) {
            keep(value)
            return true
        }
        guard !stopped else { return false }
        // Noted: skip the whole value from its start, still checking that it is JSON.
        index = mark
        opened = false
        return skipValue()
    }

    // MARK: Values

    /// A string (escapes decoded); anything else is noted as a mismatch.
    @usableFromInline
    mutating func string() -> String? {
        guard peek() == UInt8(ascii: "\"") else {
            mismatch("string")
            return nil
        }
        return scanString()
    }

    /// The string at the reader's position (its `"` next), of valid UTF-8, its escapes decoded as `JSONDecoder`
    /// decodes them; a raw control character, an unknown escape or a lone surrogate ends the reading.
    @usableFromInline
    mutating func scanString() -> String? {
        let start = index + 1
        var end = start
        var ascii = true
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") { return escapedString(from: start) }
            if byte < 0x20 { break }
            if byte >= 0x80 { ascii = false }
            end += 1
        }
        guard end < bytes.count, bytes[end] == UInt8(ascii: "\"") else {
            stop(.syntax)
            return nil
        }
        let content = UnsafeBufferPointer(rebasing: bytes[start..<end])
        // ASCII is valid UTF-8 as it is (nearly every string of a request); anything else is validated.
        guard let text = ascii ? String(decoding: content, as: UTF8.self) : String(validating: content, as: UTF8.self)
        else {
            stop(.syntax)
            return nil
        }
        index = end + 1
        return text
    }

    /// The rest of `scanString()` once an escape is met: the text is copied with its escapes decoded into UTF-8.
    private mutating func escapedString(from start: Int) -> String? {
        var text: [UInt8] = []
        text.reserveCapacity(32)
        var position = start
        func decoded() -> String? {
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(validating: text, as: UTF8.self)
                case 0..<0x20:
                    return nil
                case UInt8(ascii: "\\"):
                    guard position < bytes.count else { return nil }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escape)
                    case UInt8(ascii: "b"): text.append(0x08)
                    case UInt8(ascii: "f"): text.append(0x0C)
                    case UInt8(ascii: "n"): text.append(0x0A)
                    case UInt8(ascii: "r"): text.append(0x0D)
                    case UInt8(ascii: "t"): text.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let unit = hexUnit(at: position) else { return nil }
                        position += 4
                        var scalar = UInt32(unit)
                        if (0xD800..<0xDC00).contains(unit) {
                            // A high surrogate must be followed by an escaped low one.
                            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                                bytes[position + 1] == UInt8(ascii: "u"), let low = hexUnit(at: position + 2),
                                (0xDC00..<0xE000).contains(low)
                            else { return nil }
                            position += 6
                            scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        }
                        guard let character = Unicode.Scalar(scalar), let encoded = UTF8.encode(character) else {
                            return nil
                        }
                        text.append(contentsOf: encoded)
                    default:
                        return nil
                    }
                default:
                    text.append(byte)
                }
            }
            return nil
        }
        guard let string = decoded() else {
            stop(.syntax)
            return nil
        }
        index = position
        return string
    }

    /// Four hexadecimal digits at `position`, as a UTF-16 code unit.
    private func hexUnit(at position: Int) -> UInt16? {
        guard position + 4 <= bytes.count else { return nil }
        var unit: UInt16 = 0
        for offset in 0..<4 {
            let byte = bytes[position + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            unit = unit << 4 | UInt16(digit)
        }
        return unit
    }

    /// The text of the JSON number at the reader's position, consumed, and whether it has a fraction or an
    /// exponent; a number that breaks JSON's grammar ends the reading; anything else is noted as a mismatch.
    @usableFromInline
    mutating func number() -> (text: UnsafeBufferPointer<UInt8>, integral: Bool)? {
        guard let first = peek(), first == UInt8(ascii: "-") || (0x30...0x39).contains(first) else {
            mismatch("number")
            return nil
        }
        var position = index
        func digits() -> Int {
            let start = position
            while position < bytes.count, (0x30...0x39).contains(bytes[position]) { position += 1 }
            return position - start
        }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        let integerDigits = digits()
        var integral = true
        var wellFormed = integerDigits > 0 && !(integerDigits > 1 && bytes[integerStart] == UInt8(ascii: "0"))
        if wellFormed, position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            integral = false
            wellFormed = digits() > 0
        }
        if wellFormed, position < bytes.count,
            bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E")
        {
            position += 1
            integral = false
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            wellFormed = digits() > 0
        }
        guard wellFormed else {
            stop(.syntax)
            return nil
        }
        let text = UnsafeBufferPointer(rebasing: bytes[index..<position])
        index = position
        return (text, integral)
    }

    /// An integer that fits in `Int`: digits alone, or a number with a fraction or exponent whose value is a whole
    /// number in range, as `JSONDecoder` reads it; any other number is noted as invalid.
    @usableFromInline
    mutating func integer() -> Int? {
        guard let (text, integral) = number() else { return nil }
        if integral {
            var value = 0
            let negative = text[0] == UInt8(ascii: "-")
            for byte in text.dropFirst(negative ? 1 : 0) {
                let digit = Int(byte - UInt8(ascii: "0"))
                let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowSum) =
                    negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
                guard !overflowTimes, !overflowSum else {
                    note(.invalidValue)
                    return nil
                }
                value = sum
            }
            return value
        }
        guard let double = Double(String(decoding: text, as: UTF8.self)), double.rounded() == double,
            double >= -0x1p63, double < 0x1p63
        else {
            note(.invalidValue)
            return nil
        }
        return Int(double)
    }

    /// A JSON number as a `Double`, rounded as `JSONDecoder` rounds it (correctly, from its decimal text); one out
    /// of `Double`'s range is noted as invalid. (Our choice: `JSONDecoder` calls it "not valid JSON"; the member is
    /// named instead, as for any other value it cannot hold. Likewise for an integer out of `Int`'s range.)
    @usableFromInline
    mutating func double() -> Double? {
        guard let (text, _) = number() else { return nil }
        // Out of range either way: too large, or so small that it rounds to zero though its digits are not all zero
        // (`JSONDecoder` refuses both).
        let mantissa = text.prefix { $0 != UInt8(ascii: "e") && $0 != UInt8(ascii: "E") }
        guard let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite,
            value != 0
                || mantissa.allSatisfy({ $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
                )
        else {
            note(.invalidValue)
            return nil
        }
        return value
    }

    /// Skips the value at the reader's position (an unknown member's, or a wrong one), checking that it is JSON and
    /// names no member twice; `false` when the reading has ended.
    public mutating func skipValue() -> Bool {
        guard let next = peek() else {
            stop(.syntax)
            return false
        }
        switch next {
        case UInt8(ascii: "\""):
            return scanString() != nil
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            guard consume("true") || consume("false") || consume("null") else {
                stop(.syntax)
                return false
            }
            return true
        case UInt8(ascii: "{"):
            guard beginObject() else { return false }
            var names: Set<String> = []
            while true {
                switch nextMember() {
                case .end: return true
                case .unreadable: return false
                case .key(let key): guard skipUnknown(key, &names) else { return false }
                }
            }
        case UInt8(ascii: "["):
            guard beginArray() else { return false }
            while true {
                guard let more = nextElement() else { return false }
                if !more { return true }
                guard skipValue() else { return false }
            }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return number() != nil
        default:
            stop(.syntax)
            return false
        }
    }
}

extension String: AWSJSONReadable {
    @inlinable
    public init?(json reader: inout AWSJSONReader) {
        guard let value = reader.string() else { return nil }
        self = value
    }
}

extension Int: AWSJSONReadable {
    @inlinable
    public init?(json reader: inout AWSJSONReader) {
        guard let value = reader.integer() else { return nil }
        self = value
    }
}

extension Double: AWSJSONReadable {
    @inlinable
    public init?(json reader: inout AWSJSONReader) {
        guard let value = reader.double() else { return nil }
        self = value
    }
}

extension Date: AWSJSONReadable {
    /// Epoch seconds, the protocol's timestamp format (and `JSONDecoder`'s `.secondsSince1970`).
    @inlinable
    public init?(json reader: inout AWSJSONReader) {
        guard let seconds = reader.double() else { return nil }
        self.init(timeIntervalSince1970: seconds)
    }
}

extension Data: AWSJSONReadable {
    /// Base64, the protocol's blob format (and `JSONDecoder`'s default).
    @inlinable
    public init?(json reader: inout AWSJSONReader) {
        guard let text = reader.string() else { return nil }
        guard let data = Data(base64Encoded: text) else {
            reader.refuse()
            return nil
        }
        self = data
    }
}

extension Bool: AWSJSONReadable {
    @inlinable
    public init?(json reader: inout AWSJSONReader) {
        if reader.consume("true") {
            self = true
        } else if reader.consume("false") {
            self = false
        } else {
            if reader.peek() == UInt8(ascii: "t") || reader.peek() == UInt8(ascii: "f") {
                reader.stop(.syntax)
            } else {
                reader.mismatch("boolean")
            }
            return nil
        }
    }
}

extension Array: AWSJSONReadable where Element: AWSJSONReadable {
    @inlinable
    public init?(json reader: inout AWSJSONReader) {
        guard reader.beginArray() else { return nil }
        var elements: [Element] = []
        var position = 0
        while true {
            guard let more = reader.nextElement() else { return nil }
            if !more { break }
            guard reader.readElement(position, into: &elements) else { return nil }
            position += 1
        }
        self = elements
    }
}

extension Dictionary: AWSJSONReadable where Key == String, Value: AWSJSONReadable {
    @inlinable
    public init?(json reader: inout AWSJSONReader) {
        guard reader.beginObject() else { return nil }
        var members: [String: Value] = [:]
        var position = 0
        while true {
            switch reader.nextMember() {
            case .end:
                self = members
                return
            case .unreadable:
                return nil
            case .key(let key):
                guard reader.readValue(position, key: key, into: &members) else { return nil }
                position += 1
            }
        }
    }
}
