import AWSJSONProtocol
import Foundation

/// A JSON value that keeps the order of object members as written, so renderers can choose the order.
indirect enum JSONValue: Equatable, Sendable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.object(let a), .object(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        case (.array(let a), .array(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        default: false
        }
    }

    /// The value of JSON text, members in the order written, read as Python's `json.loads` reads it (`Parser`).
    init(json bytes: [UInt8]) throws(Malformed) {
        var parser = Parser(bytes: bytes)
        self = try parser.document()
    }

    /// The value as JSON text (strings escaped as `AWSJSONWriter` escapes them, numbers as written).
    var bytes: [UInt8] {
        switch self {
        case .object(let members):
            Array("{".utf8)
                + members.map { AWSJSONWriter.bytes($0.0) + Array(":".utf8) + $0.1.bytes }
                .joined(separator: Array(",".utf8)) + Array("}".utf8)
        case .array(let items):
            Array("[".utf8) + items.map(\.bytes).joined(separator: Array(",".utf8)) + Array("]".utf8)
        case .string(let text): AWSJSONWriter.bytes(text)
        case .number(let text): Array(text.utf8)
        case .bool(let flag): Array((flag ? "true" : "false").utf8)
        case .null: Array("null".utf8)
        }
    }

    /// The value as Python's `json.loads` reads it: a member given twice keeps the place of its first and the
    /// value of its last, at every depth.
    var lastMemberWins: JSONValue {
        switch self {
        case .object(let members):
            var kept: [(String, JSONValue)] = []
            for (name, value) in members {
                if let index = kept.firstIndex(where: { $0.0 == name }) {
                    kept[index].1 = value.lastMemberWins
                } else {
                    kept.append((name, value.lastMemberWins))
                }
            }
            return .object(kept)
        case .array(let items): return .array(items.map(\.lastMemberWins))
        default: return self
        }
    }

    var isScalar: Bool {
        switch self {
        case .object, .array: false
        default: true
        }
    }

    /// The text a table cell shows.
    var cell: String {
        switch self {
        case .string(let text): text
        case .number(let text): text
        case .bool(let flag): flag ? "True" : "False"
        case .null: "None"
        case .array(let items): items.map(\.cell).joined(separator: ", ")
        case .object: "{...}"
        }
    }

    /// Why JSON text was refused, as Python's `json.loads` says it (`JSONDecodeError`'s text: the message, then the
    /// line, column and character it stopped at, counted in characters).
    struct Malformed: Error, CustomStringConvertible {
        var message: String
        var line: Int
        var column: Int
        var character: Int
        /// Nested deeper than Python's recursion limit lets `json.loads` go (its `RecursionError`, not a
        /// `JSONDecodeError`: the message alone).
        var tooDeep = false

        var description: String {
            tooDeep ? message : "\(message): line \(line) column \(column) (char \(character))"
        }
    }

    /// How many arrays and objects deep `json.loads` reads in the AWS CLI (1.45 on CPython 3.11: its recursion
    /// limit less the frames under the call; measured with the `aws` command, 981 read and the 982nd refused;
    /// `python -m awscli` reads 979). Our choice: the bound of `aws`, which also keeps this recursive reader's
    /// stack small.
    static let maximumDepth = 981

    /// JSON text read as CPython 3.11's `json.loads` reads it (the AWS CLI reads a parameter's JSON with it): the
    /// same values, NaN and the infinities among them, and the same refusals at the same places, so that one
    /// strict reader serves the CLI's arguments and the server's answers alike.
    struct Parser {
        let text: [Unicode.Scalar]
        private var depth = 0

        init(bytes: [UInt8]) { text = Array(String(decoding: bytes, as: UTF8.self).unicodeScalars) }

        /// The whole text as one value, with only whitespace around it.
        mutating func document() throws(Malformed) -> JSONValue {
            let start = skipSpace(0)
            guard let (value, end) = try scan(start) else { throw malformed("Expecting value", start) }
            let rest = skipSpace(end)
            guard rest == text.count else { throw malformed("Extra data", rest) }
            return value
        }

        private func malformed(_ message: String, _ position: Int) -> Malformed {
            let before = text[..<min(position, text.count)]
            let lastBreak = before.lastIndex(of: "\n")
            return Malformed(
                message: message,
                line: before.count(where: { $0 == "\n" }) + 1,
                column: position - (lastBreak ?? -1),
                character: position
            )
        }

        private func skipSpace(_ start: Int) -> Int {
            var index = start
            while index < text.count, [" ", "\t", "\n", "\r"].contains(text[index]) { index += 1 }
            return index
        }

        private func at(_ index: Int) -> Unicode.Scalar? { index < text.count ? text[index] : nil }

        private func startsWith(_ word: String, at index: Int) -> Bool {
            text[min(index, text.count)...].starts(with: word.unicodeScalars)
        }

        /// The value that starts at `index` and the index after it; `nil` when none starts there (Python's
        /// `StopIteration`, which its caller reports as "Expecting value" at `index`).
        private mutating func scan(_ index: Int) throws(Malformed) -> (JSONValue, Int)? {
            guard let first = at(index) else { return nil }
            switch first {
            case "\"":
                let (string, end) = try string(from: index + 1)
                return (.string(string), end)
            case "{", "[":
                guard depth < JSONValue.maximumDepth else {
                    var refusal = malformed(
                        "maximum recursion depth exceeded while decoding a JSON \(first == "{" ? "object" : "array") "
                            + "from a unicode string",
                        index
                    )
                    refusal.tooDeep = true
                    throw refusal
                }
                depth += 1
                defer { depth -= 1 }
                return first == "{" ? try object(from: index + 1) : try array(from: index + 1)
            default: break
            }
            let words: [(String, JSONValue)] = [
                ("null", .null), ("true", .bool(true)), ("false", .bool(false)), ("NaN", .number("NaN")),
                ("Infinity", .number("Infinity")), ("-Infinity", .number("-Infinity")),
            ]
            for (word, value) in words where startsWith(word, at: index) {
                return (value, index + word.unicodeScalars.count)
            }
            return number(from: index)
        }

        private func isDigit(_ index: Int) -> Bool { at(index).map { ("0"..."9").contains($0) } ?? false }

        /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, a fraction or exponent taken only when digits follow.
        private func number(from start: Int) -> (JSONValue, Int)? {
            var index = start
            if at(index) == "-" { index += 1 }
            guard isDigit(index) else { return nil }
            if at(index) == "0" {
                index += 1
            } else {
                while isDigit(index) { index += 1 }
            }
            if at(index) == ".", isDigit(index + 1) {
                index += 1
                while isDigit(index) { index += 1 }
            }
            if at(index) == "e" || at(index) == "E" {
                var exponent = index + 1
                if at(exponent) == "+" || at(exponent) == "-" { exponent += 1 }
                if isDigit(exponent) {
                    while isDigit(exponent) { exponent += 1 }
                    index = exponent
                }
            }
            var digits = String.UnicodeScalarView()
            digits.append(contentsOf: text[start..<index])
            return (.number(String(digits)), index)
        }

        private mutating func object(from start: Int) throws(Malformed) -> (JSONValue, Int) {
            var index = skipSpace(start)
            var members: [(String, JSONValue)] = []
            if at(index) == "}" { return (.object(members), index + 1) }
            while true {
                guard at(index) == "\"" else {
                    throw malformed("Expecting property name enclosed in double quotes", index)
                }
                let (name, afterKey) = try string(from: index + 1)
                index = skipSpace(afterKey)
                guard at(index) == ":" else { throw malformed("Expecting ':' delimiter", index) }
                index = skipSpace(index + 1)
                guard let (value, afterValue) = try scan(index) else { throw malformed("Expecting value", index) }
                members.append((name, value))
                index = skipSpace(afterValue)
                if at(index) == "}" { return (.object(members), index + 1) }
                guard at(index) == "," else { throw malformed("Expecting ',' delimiter", index) }
                index = skipSpace(index + 1)
            }
        }

        private mutating func array(from start: Int) throws(Malformed) -> (JSONValue, Int) {
            var index = skipSpace(start)
            var items: [JSONValue] = []
            if at(index) == "]" { return (.array(items), index + 1) }
            while true {
                guard let (value, afterValue) = try scan(index) else { throw malformed("Expecting value", index) }
                items.append(value)
                index = skipSpace(afterValue)
                if at(index) == "]" { return (.array(items), index + 1) }
                guard at(index) == "," else { throw malformed("Expecting ',' delimiter", index) }
                index = skipSpace(index + 1)
            }
        }

        /// A string whose opening quote is just before `start`; control characters are refused (strict), a lone
        /// surrogate escape (which Python keeps) reads as U+FFFD, which a Swift string can hold.
        private func string(from start: Int) throws(Malformed) -> (String, Int) {
            var out = String.UnicodeScalarView()
            var index = start
            while true {
                guard let scalar = at(index) else { throw malformed("Unterminated string starting at", start - 1) }
                if scalar == "\"" { return (String(out), index + 1) }
                if scalar.value < 0x20 { throw malformed("Invalid control character at", index) }
                guard scalar == "\\" else {
                    out.append(scalar)
                    index += 1
                    continue
                }
                guard let escaped = at(index + 1) else {
                    throw malformed("Unterminated string starting at", start - 1)
                }
                let simple: [Unicode.Scalar: Unicode.Scalar] = [
                    "\"": "\"", "\\": "\\", "/": "/", "b": "\u{08}", "f": "\u{0C}", "n": "\n", "r": "\r", "t": "\t",
                ]
                if let replacement = simple[escaped] {
                    out.append(replacement)
                    index += 2
                    continue
                }
                guard escaped == "u" else { throw malformed("Invalid \\escape", index) }
                guard let unit = hex4(at: index + 2) else { throw malformed("Invalid \\uXXXX escape", index + 1) }
                index += 6
                if (0xD800..<0xDC00).contains(unit), at(index) == "\\", at(index + 1) == "u",
                    let low = hex4(at: index + 2), (0xDC00..<0xE000).contains(low)
                {
                    index += 6
                    out.append(Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)) ?? "\u{FFFD}")
                } else {
                    out.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
                }
            }
        }

        private func hex4(at index: Int) -> UInt32? {
            guard index + 4 <= text.count else { return nil }
            var value: UInt32 = 0
            for scalar in text[index..<index + 4] {
                guard scalar.isASCII, let digit = Character(scalar).hexDigitValue else { return nil }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
    }
}
