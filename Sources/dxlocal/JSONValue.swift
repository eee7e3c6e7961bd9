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

    /// The value of JSON text (what `AWSJSONWriter` writes), members in the order written.
    init(json bytes: [UInt8]) throws {
        var parser = Parser(bytes: bytes)
        self = try parser.value()
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

    struct Malformed: Error {}

    /// A small recursive-descent reader of what `AWSJSONWriter` writes.
    struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
        }

        mutating func value() throws -> JSONValue {
            skipSpace()
            guard index < bytes.count else { throw Malformed() }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var members: [(String, JSONValue)] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                }
                while true {
                    skipSpace()
                    guard case .string(let key) = try value() else { throw Malformed() }
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw Malformed() }
                    index += 1
                    members.append((key, try value()))
                    skipSpace()
                    guard index < bytes.count else { throw Malformed() }
                    index += 1
                    if bytes[index - 1] == UInt8(ascii: "}") { return .object(members) }
                    guard bytes[index - 1] == UInt8(ascii: ",") else { throw Malformed() }
                }
            case UInt8(ascii: "["):
                index += 1
                var items: [JSONValue] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(items)
                }
                while true {
                    items.append(try value())
                    skipSpace()
                    guard index < bytes.count else { throw Malformed() }
                    index += 1
                    if bytes[index - 1] == UInt8(ascii: "]") { return .array(items) }
                    guard bytes[index - 1] == UInt8(ascii: ",") else { throw Malformed() }
                }
            case UInt8(ascii: "\""):
                let start = index
                index += 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    index += bytes[index] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard index < bytes.count else { throw Malformed() }
                index += 1
                let literal = Data(bytes[start..<index])
                return .string(try JSONDecoder().decode(String.self, from: literal))
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                for (word, result) in [("true", JSONValue.bool(true)), ("false", .bool(false)), ("null", .null)]
                where bytes[index...].starts(with: word.utf8) {
                    index += word.utf8.count
                    return result
                }
                throw Malformed()
            default:
                let start = index
                while index < bytes.count, !",]} \n\r\t".utf8.contains(bytes[index]) { index += 1 }
                guard index > start else { throw Malformed() }
                return .number(String(decoding: bytes[start..<index], as: UTF8.self))
            }
        }
    }
}
