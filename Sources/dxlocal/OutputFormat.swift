import AWSJSONProtocol
import ArgumentParser
import Foundation

/// `--output`: JSON (the default, as the AWS CLI's) or a table for people.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case json
    case table

    /// Renders a command's result under a title (the operation name): the bytes its JSON writer makes (the same
    /// writer the service answers with, members in the model's order), laid out as the AWS CLI prints them, or a
    /// table read from those bytes.
    func render(_ value: any AWSJSONValue, title: String) throws -> String {
        let bytes = AWSJSONWriter.bytes(value)
        switch self {
        case .json: return Self.indented(bytes)
        case .table: return TableRenderer.render(try JSONValue(json: bytes), title: title).joined(separator: "\n")
        }
    }

    /// Compact JSON (as `AWSJSONWriter` writes it: no space outside strings) laid out with four spaces a level, as
    /// the AWS CLI prints; the bytes are copied, never parsed into values.
    static func indented(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        var level = 0
        var inString = false
        var escaped = false
        func newline() {
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 4 * level))
        }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if inString {
                out.append(byte)
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                out.append(byte)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(byte)
                let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if index < bytes.count, bytes[index] == close {
                    // `{}` and `[]` stay on one line.
                    out.append(close)
                    index += 1
                } else {
                    level += 1
                    newline()
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                level -= 1
                newline()
                out.append(byte)
            case UInt8(ascii: ","):
                out.append(byte)
                newline()
            case UInt8(ascii: ":"):
                out.append(contentsOf: [UInt8(ascii: ":"), UInt8(ascii: " ")])
            default:
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Tables in the spirit of the AWS CLI's: a titled box of an object's scalar members, then one box per list,
/// with a column per scalar member of its items, then each item's own lists (MACsec keys, tags) below.
enum TableRenderer {
    static func render(_ value: JSONValue, title: String) -> [String] {
        switch value {
        case .object(let members):
            var lines: [String] = []
            let scalars = members.filter { $0.1.isScalar || isScalarList($0.1) }
            if !scalars.isEmpty {
                lines += box(title: title, header: nil, rows: scalars.map { [$0.0, $0.1.cell] })
            }
            for (key, member) in members where !(member.isScalar || isScalarList(member)) {
                lines += render(member, title: "\(title).\(key)")
            }
            return lines.isEmpty ? box(title: title, header: nil, rows: []) : lines
        case .array(let items):
            let objects = items.compactMap { item -> [(String, JSONValue)]? in
                if case .object(let members) = item { return members }
                return nil
            }
            guard objects.count == items.count else {
                return box(title: title, header: nil, rows: items.map { [$0.cell] })
            }
            var columns: [String] = []
            for members in objects {
                for (key, member) in members where member.isScalar || isScalarList(member) {
                    if !columns.contains(key) { columns.append(key) }
                }
            }
            columns = columns.filter(identifying.contains) + columns.filter { !identifying.contains($0) }
            let rows = objects.map { members in
                columns.map { column in members.first { $0.0 == column }?.1.cell ?? "" }
            }
            var lines = box(title: title, header: columns, rows: rows)
            for (index, members) in objects.enumerated() {
                let name = label(members) ?? "\(index)"
                for (key, member) in members where !(member.isScalar || isScalarList(member)) {
                    if case .array(let nested) = member, nested.isEmpty { continue }
                    lines += render(member, title: "\(title)[\(name)].\(key)")
                }
            }
            return lines
        default:
            return box(title: title, header: nil, rows: [[value.cell]])
        }
    }

    static func isScalarList(_ value: JSONValue) -> Bool {
        if case .array(let items) = value { return items.allSatisfy(\.isScalar) }
        return false
    }

    /// Members that identify an item, shown first and used to label its nested lists.
    static let identifying = ["connectionId", "lagId", "locationCode", "ckn", "key"]

    /// The member that best names an item: its ID.
    static func label(_ members: [(String, JSONValue)]) -> String? {
        for key in identifying {
            if let value = members.first(where: { $0.0 == key })?.1, value.isScalar { return value.cell }
        }
        return nil
    }

    static func box(title: String, header: [String]?, rows: [[String]]) -> [String] {
        let all = (header.map { [$0] } ?? []) + rows
        let count = all.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: count)
        for row in all {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        let inner = max(title.count, widths.reduce(0, +) + max(count - 1, 0) * 3)
        if count > 0 {
            widths[count - 1] += inner - (widths.reduce(0, +) + (count - 1) * 3)
        }
        // Widths count characters, as the cells are measured above (Foundation's padding counts UTF-16 units, and
        // cut a cell with characters outside the Basic Multilingual Plane short).
        func line(_ cells: [String]) -> String {
            "| "
                + cells.enumerated().map { $1 + String(repeating: " ", count: max(widths[$0] - $1.count, 0)) }
                .joined(separator: " | ") + " |"
        }
        let rule = "+" + String(repeating: "-", count: inner + 2) + "+"
        let padding = inner - title.count
        var lines = [
            rule,
            "| " + String(repeating: " ", count: padding / 2) + title
                + String(repeating: " ", count: padding - padding / 2) + " |",
            rule,
        ]
        if let header {
            lines.append(line(header))
            lines.append(rule)
        }
        lines += rows.map { line($0 + [String](repeating: "", count: count - $0.count)) }
        if !rows.isEmpty { lines.append(rule) }
        return lines
    }
}
