// The duplicate-member scan the server ran before its readers found duplicates themselves: part of the reference.
/// Finds an object with the same member twice, which JSON parsers silently resolve one way or another; a request
/// that says two things is refused instead. Assumes nothing about validity: the decoder judges that afterwards.
enum DuplicateKeyScanner {
    /// The first member name that appears twice in one object, if any.
    static func firstDuplicate(in bytes: UnsafeRawBufferPointer) -> String? {
        var objects: [Set<[UInt8]>?] = []  // nil marks an array level
        var expectingKey = false
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "{"):
                objects.append([])
                expectingKey = true
            case UInt8(ascii: "["):
                objects.append(nil)
                expectingKey = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = objects.popLast()
                expectingKey = false
            case UInt8(ascii: ","):
                expectingKey = objects.last.map { $0 != nil } ?? false
            case UInt8(ascii: "\""):
                // Only member names are kept; a value's bytes are skipped.
                let isKey = expectingKey && objects.last.map { $0 != nil } ?? false
                var string: [UInt8] = []
                var escaped = false
                while let next = iterator.next() {
                    if escaped {
                        escaped = false
                    } else if next == UInt8(ascii: "\\") {
                        escaped = true
                    } else if next == UInt8(ascii: "\"") {
                        break
                    }
                    if isKey { string.append(next) }
                }
                if isKey {
                    // `"a"` and `"\u0061"` name the same member: names are compared as the decoder reads them.
                    if string.contains(UInt8(ascii: "\\")) { string = unescaped(string) }
                    let last = objects.count - 1
                    if objects[last]?.insert(string).inserted == false {
                        return String(decoding: string.prefix(64), as: UTF8.self)
                    }
                    expectingKey = false
                }
            default:
                continue
            }
        }
        return nil
    }

    /// A JSON string's content (between its quotes) with its escapes decoded, as UTF-8; a malformed escape is kept as
    /// it stands (the decoder refuses the body afterwards).
    static func unescaped(_ raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var index = 0
        func hex4(at position: Int) -> UInt32? {
            guard position + 4 <= raw.count else { return nil }
            var value: UInt32 = 0
            for byte in raw[position..<position + 4] {
                guard let digit = hexValue(byte) else { return nil }
                value = value << 4 | digit
            }
            return value
        }
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < raw.count else {
                out.append(byte)
                index += 1
                continue
            }
            let kind = raw[index + 1]
            switch kind {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(at: index + 2) else {
                    out.append(contentsOf: raw[index..<index + 2])
                    index += 2
                    continue
                }
                index += 6
                // A surrogate pair is one character.
                if (0xD800...0xDBFF).contains(scalar), index + 6 <= raw.count, raw[index] == UInt8(ascii: "\\"),
                    raw[index + 1] == UInt8(ascii: "u"), let low = hex4(at: index + 2), (0xDC00...0xDFFF).contains(low)
                {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8))
                continue
            default: out.append(kind)  // \" \\ \/ and anything else: the character itself
            }
            index += 2
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
