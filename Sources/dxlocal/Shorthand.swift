import AWSClientRuntime
import Foundation

/// The AWS CLI's shorthand syntax (`--new-bgp-peer asn=65000,addressFamily=ipv4`, `tags=[{key=a,value=b}]`): read
/// by the grammar of the AWS CLI 1.45's parser, character for character (its backtracking, its whitespace, its
/// quoting and escaped commas, `key@=file://PATH`), then typed by the parameter's model as it types it
/// (``ParameterModel/typed(_:shape:)``). Its refusals are its texts.
struct Shorthand {
    /// The text as Python indexes it: by code point.
    private let text: [Unicode.Scalar]
    private var index = 0
    /// Whether the values of the member being read are `file://` paths to read (`key@=`).
    private var readsFiles = false
    /// How many brackets the reader is inside.
    private var depth = 0
    /// The deepest nesting of brackets read: the AWS CLI 1.45's parser, two Python frames a level, stops at the
    /// 488th with Python's `RecursionError` (measured on a structure's parameter).
    static let maximumDepth = 487
    private let option: String

    /// A syntax refusal, which a comma-separated list backs up from (the AWS CLI's `ShorthandParseSyntaxError`).
    private struct Failure: Error {
        var message: String
    }

    private init(_ text: String, option: String) {
        self.text = Array(text.unicodeScalars)
        self.option = option
    }

    /// `name=value` pairs separated by commas, as one structure (untyped: every scalar a string).
    static func parse(_ text: String, option: String) throws(VerbInput.ParamError) -> JSONValue {
        var parser = Shorthand(text, option: option)
        do {
            return try parser.parameter()
        } catch let failure as Failure {
            throw VerbInput.ParamError(option: option, failure.message)
        } catch let error as VerbInput.ParamError {
            throw error
        } catch {
            throw VerbInput.ParamError(option: option, "\(error)")
        }
    }

    // parameter = keyval *("," keyval); a key given twice is refused.
    private mutating func parameter() throws -> JSONValue {
        var members: [(String, JSONValue)] = [try keyValue()]
        var keys: Set<String> = [members[0].0]
        var last = index
        while index < text.count {
            try expect(",", skippingWhitespace: true)
            let (key, value) = try keyValue()
            guard keys.insert(key).inserted else {
                throw VerbInput.ParamError(
                    option: option,
                    "Second instance of key \"\(key)\" encountered for input:\n\(location(at: last + 1))\n"
                        + "This is often because there is a preceding \",\" instead of a space."
                )
            }
            members.append((key, value))
            last = index
        }
        return .object(members)
    }

    // keyval = key "=" [values] / key "@=" [values read from files]
    private mutating func keyValue() throws -> (String, JSONValue) {
        (try keyAndEquals(), try values())
    }

    /// A key and its `=` (or `@=`, whose values name files to read).
    private mutating func keyAndEquals() throws -> String {
        let key = self.key()
        readsFiles = (try? expect("@", skippingWhitespace: true)) != nil
        try expect("=", skippingWhitespace: true)
        return key
    }

    /// After an item in brackets: whitespace, then a comma unless the bracket closes.
    private mutating func separator(before closing: Unicode.Scalar) throws {
        skipWhitespace()
        if current != closing {
            try expect(",")
            skipWhitespace()
        }
    }

    private mutating func key() -> String {
        let start = index
        while let current, current.isASCIIAlphanumeric || "-_.#/:".unicodeScalars.contains(current) { index += 1 }
        return string(start..<index)
    }

    private mutating func values() throws -> JSONValue {
        switch current {
        case nil: .string("")
        case "[": try explicitList()
        case "{": try hashLiteral()
        default: try commaSeparated()
        }
    }

    /// `a=b` is the string `b`; `a=b,c` the list `[b, c]`; at `a=b,c=d` the list ends before `c` (the parser backs
    /// up to the comma when what follows it is a key).
    private mutating func commaSeparated() throws -> JSONValue {
        let first = try firstValue()
        skipWhitespace()
        guard current == "," else { return first }
        try expect(",", skippingWhitespace: true)
        var list = [first]
        while true {
            do {
                let next = try secondValue()
                skipWhitespace()
                if current == nil {
                    list.append(next)
                    break
                }
                try expect(",", skippingWhitespace: true)
                list.append(next)
            } catch let failure as Failure {
                if current == nil { throw failure }
                while index < text.count, text[index] != "," { index -= 1 }
                break
            }
        }
        return list.count == 1 ? first : .array(list)
    }

    private mutating func explicitList() throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        try expect("[", skippingWhitespace: true)
        var items: [JSONValue] = []
        while current != "]" {
            items.append(try explicitValue())
            try separator(before: "]")
        }
        try expect("]")
        return .array(items)
    }

    private mutating func explicitValue() throws -> JSONValue {
        switch current {
        case "[": try explicitList()
        case "{": try hashLiteral()
        default: try firstValue()
        }
    }

    /// `{key=value,...}`: a key given twice keeps its first place and its last value (a Python dict).
    private mutating func hashLiteral() throws -> JSONValue {
        try enter()
        defer { depth -= 1 }
        try expect("{", skippingWhitespace: true)
        var members: [(String, JSONValue)] = []
        var places: [String: Int] = [:]
        while current != "}" {
            let key = try keyAndEquals()
            let value = try explicitValue()
            try separator(before: "}")
            if let place = places[key] {
                members[place].1 = value
            } else {
                places[key] = members.count
                members.append((key, value))
            }
        }
        try expect("}")
        return .object(members)
    }

    /// A first value (or one in brackets), which may be empty (`a=` is the empty string).
    private mutating func firstValue() throws -> JSONValue {
        try value(following: Self.firstFollows, mayBeEmpty: true)
    }

    /// A later value of a comma-separated list, which may hold `[`, `{` but not `=`, and may not be empty.
    private mutating func secondValue() throws -> JSONValue {
        try value(following: Self.secondFollows, mayBeEmpty: false)
    }

    private mutating func value(following follows: (Unicode.Scalar) -> Bool, mayBeEmpty: Bool) throws -> JSONValue {
        switch current {
        case "'": return try quoted("'")
        case "\"": return try quoted("\"")
        default:
            let start = index
            word(following: follows)
            guard mayBeEmpty || index > start else { throw syntax(expected: "<second>", actual: "<none>") }
            return try resolved(unescaped(start..<index))
        }
    }

    /// A value's characters: an escaped comma (`\,`) or a character that may start one, then escaped commas or
    /// characters of the class that may follow.
    private mutating func word(following follows: (Unicode.Scalar) -> Bool) {
        var first = true
        while let current {
            if current == "\\", index + 1 < text.count, text[index + 1] == "," {
                index += 2
            } else if first ? Self.starts(current) : follows(current) {
                index += 1
            } else {
                break
            }
            first = false
        }
    }

    /// The value's text with `\,` as `,` and trailing whitespace dropped.
    private func unescaped(_ range: Range<Int>) -> String {
        let value = string(range).replacing("\\,", with: ",")
        return String(
            String.UnicodeScalarView(value.unicodeScalars.reversed().drop(while: Self.isPythonSpace).reversed())
        )
    }

    /// A quoted value: up to the closing quote, `\'` (or `\"`) standing for the quote and `\\` for a backslash.
    /// Without a closing quote, the last escaped quote closes it (the AWS CLI's pattern backs up to it).
    private mutating func quoted(_ quote: Unicode.Scalar) throws -> JSONValue {
        var position = index + 1
        var lastEscaped: Int?
        var end: Int?
        while position < text.count {
            if text[position] == "\\", position + 1 < text.count, text[position + 1] == quote {
                lastEscaped = position + 1
                position += 2
            } else if text[position] == quote {
                end = position
                break
            } else {
                position += 1
            }
        }
        guard let close = end ?? lastEscaped else {
            throw syntax(expected: quote == "'" ? "<singled quoted>" : "<double quoted>", actual: "<none>")
        }
        let inside = string(index + 1..<close)
        index = close + 1
        let quoteText = String(Character(quote))
        return try resolved(inside.replacing("\\" + quoteText, with: quoteText).replacing("\\\\", with: "\\"))
    }

    /// With `key@=`, a value naming `file://PATH` is the file's text, refused as the AWS CLI refuses a file it
    /// cannot read (printed as it is, not as the parameter's error). A `fileb://PATH` file is read as bytes, which
    /// no parameter of Direct Connect takes: refused once read (our choice of words; botocore's check refuses the
    /// bytes).
    private func resolved(_ value: String) throws -> JSONValue {
        guard readsFiles else { return .string(value) }
        if value.hasPrefix("fileb://") {
            _ = try VerbInput.loaded(value, option: nil, prefix: "fileb://")
            throw VerbInput.ParamError(
                option: option,
                "\(value) is read as bytes, which no Direct Connect parameter takes: use file://"
            )
        }
        guard value.hasPrefix("file://") else { return .string(value) }
        return .string(try VerbInput.loaded(value, option: nil))
    }

    /// One bracket deeper, refused past ``maximumDepth`` in Python's words, as the AWS CLI prints them.
    private mutating func enter() throws(VerbInput.ParamError) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw VerbInput.ParamError(description: "maximum recursion depth exceeded")
        }
    }

    private mutating func expect(_ character: Unicode.Scalar, skippingWhitespace: Bool = false) throws {
        if skippingWhitespace { skipWhitespace() }
        guard let current else { throw syntax(expected: String(Character(character)), actual: "EOF") }
        guard current == character else {
            throw syntax(expected: String(Character(character)), actual: String(Character(current)))
        }
        index += 1
        if skippingWhitespace { skipWhitespace() }
    }

    /// The AWS CLI 1.45's syntax refusal, word for word: its message template lacks the `f` that would fill in
    /// where the input went wrong, so it prints `{self._error_location()}` as it is.
    private func syntax(expected: String, actual: String) -> Failure {
        Failure(message: "Expected: '\(expected)', received: '\(actual)' for input:\n{self._error_location()}")
    }

    /// The input with a caret under `position`, on the line it is in.
    private func location(at position: Int) -> String {
        let before = text[..<min(position, text.count)]
        let column = before.lastIndex(of: "\n").map { position - $0 - 1 } ?? position
        let lineEnd = text[min(position, text.count)...].firstIndex(of: "\n") ?? text.count
        let caret = String(repeating: " ", count: column) + "^"
        return string(0..<lineEnd) + "\n" + caret + string(lineEnd..<text.count)
    }

    private var current: Unicode.Scalar? { index < text.count ? text[index] : nil }

    private func string(_ range: Range<Int>) -> String {
        String(String.UnicodeScalarView(text[range]))
    }

    /// Python's `string.whitespace`, which the parser skips.
    private mutating func skipWhitespace() {
        while let current, " \t\n\r\u{0B}\u{0C}".unicodeScalars.contains(current) { index += 1 }
    }

    /// Python's `str.isspace`, which `rstrip` and the pattern's `\s` use.
    static func isPythonSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }

    /// What may start an unquoted value: not a control, space, quote, comma, `=`, `[` or `{`, nor past U+FFFF.
    private static func starts(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value > 0x20 && scalar.value <= 0xFFFF && !"\"',=[{".unicodeScalars.contains(scalar)
    }

    /// What may follow in a first value (or one in brackets): whitespace too, `=`, `[`, `{`; not `]` or `}`.
    private static func firstFollows(_ scalar: Unicode.Scalar) -> Bool {
        isPythonSpace(scalar)
            || (scalar.value > 0x20 && scalar.value <= 0xFFFF && !"\"',]}".unicodeScalars.contains(scalar))
    }

    /// What may follow in a later value of a comma-separated list: anything a value may hold but `=`.
    private static func secondFollows(_ scalar: Unicode.Scalar) -> Bool {
        isPythonSpace(scalar)
            || (scalar.value > 0x20 && scalar.value <= 0xFFFF && !"\"',=".unicodeScalars.contains(scalar))
    }
}
