import Foundation

/// A shape read straight from JSON bytes by code generated from the model (`init?(json:)`), without `JSONDecoder`.
///
/// The reader is the fast path of `AWSJSONCoding.decode` (and of `RecordDocument.decode`), and only a fast path: it
/// reads objects, arrays, strings (escapes decoded), numbers, booleans and null, and gives up (`nil`) on anything
/// else: invalid or unusual JSON, a type that does not match. `JSONDecoder` then reads the body again and answers, so every value and every error is exactly what it gives;
/// where the fast path does read a body, it reads what `JSONDecoder` would. Duplicate members were refused before.
public protocol AWSJSONReadable {
    /// The value at the reader's position, or `nil` when the fast path cannot read it.
    init?(json reader: inout AWSJSONReader)
}

/// What comes next inside an object.
public enum AWSJSONMember {
    case key(String)
    case end
    case unreadable
}

/// A cursor over the bytes of one JSON document (see `AWSJSONReadable`).
public struct AWSJSONReader {
    @usableFromInline let bytes: UnsafeBufferPointer<UInt8>
    @usableFromInline var index: Int
    /// Whether the reader stands right after an object's `{` or an array's `[` (no member or element yet).
    @usableFromInline var opened = false
    /// How deep skipped values may nest before the fast path gives up.
    @usableFromInline static let maximumSkipDepth = 64

    /// A reader over `bytes`, which must stay valid while it is used.
    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        index = 0
    }

    /// Reads a whole document as `T`: the value and nothing after it but whitespace.
    public static func read<T: AWSJSONReadable>(_ type: T.Type, from bytes: UnsafeBufferPointer<UInt8>) -> T? {
        var reader = AWSJSONReader(bytes)
        guard let value = T(json: &reader) else { return nil }
        reader.skipWhitespace()
        return reader.index == bytes.count ? value : nil
    }

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

    /// Consumes the `{` of an object; `false` when something else comes.
    public mutating func beginObject() -> Bool {
        guard peek() == UInt8(ascii: "{") else { return false }
        index += 1
        opened = true
        return true
    }

    /// The next member's key (the reader then stands at its value), or the object's end (consumed).
    public mutating func nextMember() -> AWSJSONMember {
        guard let next = peek() else { return .unreadable }
        if next == UInt8(ascii: "}") {
            index += 1
            opened = false
            return .end
        }
        if !opened {
            guard next == UInt8(ascii: ",") else { return .unreadable }
            index += 1
        }
        opened = false
        guard let key = string(), peek() == UInt8(ascii: ":") else { return .unreadable }
        index += 1
        return .key(key)
    }

    // MARK: Arrays

    /// Consumes the `[` of an array; `false` when something else comes.
    public mutating func beginArray() -> Bool {
        guard peek() == UInt8(ascii: "[") else { return false }
        index += 1
        opened = true
        return true
    }

    /// Whether another element follows (its separator consumed), `false` at the array's end (consumed), `nil` when
    /// the array is malformed.
    public mutating func nextElement() -> Bool? {
        guard let next = peek() else { return nil }
        if next == UInt8(ascii: "]") {
            index += 1
            opened = false
            return false
        }
        if !opened {
            guard next == UInt8(ascii: ",") else { return nil }
            index += 1
            guard let following = peek(), following != UInt8(ascii: "]") else { return nil }
        }
        opened = false
        return true
    }

    // MARK: Values

    /// A member's value: `.some(nil)` for `null` (JSONDecoder's `decodeIfPresent` reads `null` as absent), `nil`
    /// when the fast path cannot read it.
    @inlinable
    public mutating func optional<T: AWSJSONReadable>(_ type: T.Type) -> T?? {
        if peek() == UInt8(ascii: "n") {
            return consume("null") ? .some(nil) : nil
        }
        guard let value = T(json: &self) else { return nil }
        return .some(value)
    }

    /// Reads a member's value into `member` (`nil` for `null`); `false`, leaving it as it was, when the fast path
    /// cannot read it.
    @inlinable
    public mutating func read<T: AWSJSONReadable>(_ member: inout T?) -> Bool {
        guard let value = optional(T.self) else { return false }
        member = value
        return true
    }

    /// Skips an object and all it holds; `false` when the next value is not an object or cannot be read.
    public mutating func skipObject() -> Bool {
        peek() == UInt8(ascii: "{") && skipValue(depth: 0)
    }

    /// A string of valid UTF-8, its escapes decoded as `JSONDecoder` decodes them; `nil` for anything it refuses
    /// (a raw control character, an unknown escape, a lone surrogate), which `JSONDecoder` then refuses in its words.
    @usableFromInline
    mutating func string() -> String? {
        guard peek() == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        var end = start
        var ascii = true
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") { return escapedString(from: start) }
            if byte < 0x20 { return nil }
            if byte >= 0x80 { ascii = false }
            end += 1
        }
        guard end < bytes.count else { return nil }
        index = end + 1
        let content = UnsafeBufferPointer(rebasing: bytes[start..<end])
        // ASCII is valid UTF-8 as it is (nearly every string of a request); anything else is validated.
        if ascii { return String(decoding: content, as: UTF8.self) }
        return String(validating: content, as: UTF8.self)
    }

    /// The rest of `string()` once an escape is met: the text is copied with its escapes decoded into UTF-8.
    private mutating func escapedString(from start: Int) -> String? {
        var text: [UInt8] = []
        text.reserveCapacity(32)
        var position = start
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                index = position
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

    /// An integer without fraction or exponent that fits in `Int`.
    @usableFromInline
    mutating func integer() -> Int? {
        guard let first = peek() else { return nil }
        var position = index
        let negative = first == UInt8(ascii: "-")
        if negative { position += 1 }
        let digitsStart = position
        var value = 0
        while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
            let digit = Int(bytes[position] - UInt8(ascii: "0"))
            let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) =
                negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflowTimes, !overflowSum else { return nil }
            value = sum
            position += 1
        }
        let digits = position - digitsStart
        guard digits > 0, !(digits > 1 && bytes[digitsStart] == UInt8(ascii: "0")), !(negative && value == 0) else {
            return nil
        }
        if position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
            default: break
            }
        }
        index = position
        return value
    }

    /// A JSON number as a `Double`, rounded as `JSONDecoder` rounds it (correctly, from its decimal text).
    @usableFromInline
    mutating func double() -> Double? {
        guard peek() != nil else { return nil }
        var position = index
        func digits() -> Int {
            let start = position
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                position += 1
            }
            return position - start
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        let integerDigits = digits()
        guard integerDigits > 0, !(integerDigits > 1 && bytes[integerStart] == UInt8(ascii: "0")) else { return nil }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { return nil }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard digits() > 0 else { return nil }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return nil }
        index = position
        return value
    }

    /// Skips the value at the reader's position (an unknown member's); `false` when the fast path cannot.
    public mutating func skipValue() -> Bool {
        skipValue(depth: 0)
    }

    @usableFromInline
    mutating func skipValue(depth: Int) -> Bool {
        guard depth < Self.maximumSkipDepth, let next = peek() else { return false }
        switch next {
        case UInt8(ascii: "\""):
            return string() != nil
        case UInt8(ascii: "t"):
            return consume("true")
        case UInt8(ascii: "f"):
            return consume("false")
        case UInt8(ascii: "n"):
            return consume("null")
        case UInt8(ascii: "{"):
            guard beginObject() else { return false }
            while true {
                switch nextMember() {
                case .end: return true
                case .unreadable: return false
                case .key: guard skipValue(depth: depth + 1) else { return false }
                }
            }
        case UInt8(ascii: "["):
            guard beginArray() else { return false }
            while true {
                guard let more = nextElement() else { return false }
                if !more { return true }
                guard skipValue(depth: depth + 1) else { return false }
            }
        default:
            return integer() != nil
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
        guard let text = reader.string(), let data = Data(base64Encoded: text) else { return nil }
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
            return nil
        }
    }
}

extension Array: AWSJSONReadable where Element: AWSJSONReadable {
    @inlinable
    public init?(json reader: inout AWSJSONReader) {
        guard reader.beginArray() else { return nil }
        var elements: [Element] = []
        while true {
            guard let more = reader.nextElement() else { return nil }
            if !more { break }
            // JSONDecoder refuses null where an element must be.
            guard let element = Element(json: &reader) else { return nil }
            elements.append(element)
        }
        self = elements
    }
}

extension Dictionary: AWSJSONReadable where Key == String, Value: AWSJSONReadable {
    @inlinable
    public init?(json reader: inout AWSJSONReader) {
        guard reader.beginObject() else { return nil }
        var members: [String: Value] = [:]
        while true {
            switch reader.nextMember() {
            case .end:
                self = members
                return
            case .unreadable:
                return nil
            case .key(let key):
                guard let value = Value(json: &reader) else { return nil }
                members[key] = value
            }
        }
    }
}
