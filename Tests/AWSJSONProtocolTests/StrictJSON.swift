/// A validator of JSON as RFC 8259 defines it (UTF-8, no trailing commas, no leading zeros, escapes as listed),
/// written apart from `AWSJSONReader` so that FastReaderTests can tell a body that is not JSON from a reader's
/// mistake.
enum StrictJSON {
    static func isValid(_ bytes: [UInt8]) -> Bool {
        guard String(validating: bytes, as: UTF8.self) != nil else { return false }
        var position = 0
        func space() {
            while position < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) { position += 1 }
        }
        func take(_ byte: Character) -> Bool {
            space()
            guard position < bytes.count, bytes[position] == byte.asciiValue else { return false }
            position += 1
            return true
        }
        func literal(_ word: String) -> Bool {
            let word = Array(word.utf8)
            guard bytes.count - position >= word.count, Array(bytes[position..<position + word.count]) == word else {
                return false
            }
            position += word.count
            return true
        }
        func digits() -> Int {
            let start = position
            while position < bytes.count, (0x30...0x39).contains(bytes[position]) { position += 1 }
            return position - start
        }
        func number() -> Bool {
            if position < bytes.count, bytes[position] == 0x2D { position += 1 }
            let start = position
            let count = digits()
            guard count > 0, !(count > 1 && bytes[start] == 0x30) else { return false }
            if position < bytes.count, bytes[position] == 0x2E {
                position += 1
                guard digits() > 0 else { return false }
            }
            if position < bytes.count, bytes[position] == 0x65 || bytes[position] == 0x45 {
                position += 1
                if position < bytes.count, bytes[position] == 0x2B || bytes[position] == 0x2D { position += 1 }
                guard digits() > 0 else { return false }
            }
            return true
        }
        func hex(_ at: Int) -> UInt32? {
            guard at + 4 <= bytes.count, let text = String(validating: bytes[at..<at + 4], as: UTF8.self),
                text.allSatisfy(\.isHexDigit)
            else { return nil }
            return UInt32(text, radix: 16)
        }
        func string() -> Bool {
            guard take("\"") else { return false }
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                if byte == 0x22 { return true }
                if byte < 0x20 { return false }
                guard byte == 0x5C else { continue }
                guard position < bytes.count else { return false }
                let escape = bytes[position]
                position += 1
                if Array(#""\/bfnrt"#.utf8).contains(escape) { continue }
                guard escape == 0x75, let unit = hex(position) else { return false }
                position += 4
                if (0xDC00..<0xE000).contains(unit) { return false }
                if (0xD800..<0xDC00).contains(unit) {
                    guard position + 2 <= bytes.count, bytes[position] == 0x5C, bytes[position + 1] == 0x75,
                        let low = hex(position + 2), (0xDC00..<0xE000).contains(low)
                    else { return false }
                    position += 6
                }
            }
            return false
        }
        func value(_ depth: Int) -> Bool {
            space()
            guard position < bytes.count, depth <= 512 else { return false }
            switch bytes[position] {
            case 0x22: return string()
            case 0x7B:
                position += 1
                if take("}") { return true }
                repeat {
                    guard string(), take(":"), value(depth + 1) else { return false }
                } while take(",")
                return take("}")
            case 0x5B:
                position += 1
                if take("]") { return true }
                repeat {
                    guard value(depth + 1) else { return false }
                } while take(",")
                return take("]")
            case 0x74: return literal("true")
            case 0x66: return literal("false")
            case 0x6E: return literal("null")
            default: return number()
            }
        }
        let empty = bytes.allSatisfy { [0x20, 0x0A, 0x0D, 0x09].contains($0) }
        guard !empty else { return true }  // an empty body is `{}`
        guard value(1) else { return false }
        space()
        return position == bytes.count
    }
}
