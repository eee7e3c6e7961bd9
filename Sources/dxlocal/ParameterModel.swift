import AWSJSONProtocol
import ArgumentParser

/// The input shapes of a service as the AWS CLI checks a call's parameters before it sends them (botocore's
/// `ParamValidator`): every structure's required members, no member the shape does not have, each value of its
/// shape's type, and the lengths and values at least the model's `min`. Every problem is reported, each on its line,
/// with botocore's texts, so that a script sees here what `aws directconnect` would print. Tables come from the
/// model (`Generated/DirectConnectParameters.swift`).
struct ParameterModel: Sendable {
    enum Shape: Sendable {
        case structure(members: [(name: String, shape: String)], required: [String])
        case list(member: String, min: Int?)
        case string(min: Int?)
        case integer(min: Int?)
        case boolean
    }

    /// Each operation's input shape, by operation name.
    let inputs: [String: String]
    let shapes: [String: Shape]

    /// botocore's refusal: its report, one problem a line.
    struct Refusal: Error, CustomStringConvertible {
        var problems: [String]
        var description: String { "Parameter validation failed:\n" + problems.joined(separator: "\n") }
    }

    /// Refuses `input` (the operation's input as JSON) with botocore's report when it does not fit the model.
    func check(_ input: JSONValue, operation: String) throws(Refusal) {
        guard let shape = inputs[operation] else { return }
        var problems: [String] = []
        validate(input, shape, name: "", into: &problems)
        guard problems.isEmpty else { throw Refusal(problems: problems) }
    }

    /// The required members of the operation's input that `input` lacks, in the model's order.
    func missingMembers(of input: JSONValue, operation: String) -> [String] {
        guard let name = inputs[operation], case .structure(_, let required) = shapes[name],
            case .object(let given) = input
        else { return [] }
        return required.filter { member in !given.contains { $0.0 == member } }
    }

    private func validate(_ value: JSONValue, _ shapeName: String, name: String, into problems: inout [String]) {
        guard let shape = shapes[shapeName] else { return }
        let shown = name.isEmpty ? "input" : name.hasPrefix(".") ? String(name.dropFirst()) : name
        func wrongType(_ valid: String) {
            problems.append(
                "Invalid type for parameter \(shown), value: \(value.python(quoted: false)), "
                    + "type: \(value.pythonType), valid types: \(valid)"
            )
        }
        switch shape {
        case .structure(let members, let required):
            guard case .object(let given) = value else { return wrongType("<class 'dict'>") }
            for member in required where !given.contains(where: { $0.0 == member }) {
                problems.append("Missing required parameter in \(shown): \"\(member)\"")
            }
            let valid = members.map(\.name).joined(separator: ", ")
            for (key, _) in given where !members.contains(where: { $0.name == key }) {
                problems.append("Unknown parameter in \(shown): \"\(key)\", must be one of: \(valid)")
            }
            for (key, item) in given {
                guard let member = members.first(where: { $0.name == key }) else { continue }
                validate(item, member.shape, name: "\(name).\(key)", into: &problems)
            }
        case .list(let member, let min):
            guard case .array(let items) = value else { return wrongType("<class 'list'>, <class 'tuple'>") }
            if let min, items.count < min {
                problems.append(
                    "Invalid length for parameter \(shown), value: \(items.count), valid min length: \(min)"
                )
            }
            for (index, item) in items.enumerated() {
                validate(item, member, name: "\(name)[\(index)]", into: &problems)
            }
        case .string(let min):
            guard case .string(let text) = value else { return wrongType("<class 'str'>") }
            // Python's len counts code points.
            if let min, text.unicodeScalars.count < min {
                problems.append(
                    "Invalid length for parameter \(shown), value: \(text.unicodeScalars.count), "
                        + "valid min length: \(min)"
                )
            }
        case .integer(let min):
            // A boolean is an int to Python, so botocore lets it pass: the shape's reader refuses it after this.
            if case .bool = value { return }
            guard case .number(let text) = value, !text.isFraction else { return wrongType("<class 'int'>") }
            // A whole number past 64 bits is an int to Python: the shape's reader refuses it after this check.
            if let min, let number = Int(text), number < min {
                problems.append("Invalid value for parameter \(shown), value: \(number), valid min value: \(min)")
            }
        case .boolean:
            guard case .bool = value else { return wrongType("<class 'bool'>") }
        }
    }
}

extension String {
    /// Whether a JSON number's text is one `json.loads` reads as a float (a fraction or an exponent).
    fileprivate var isFraction: Bool {
        contains { $0 == "." || $0 == "e" || $0 == "E" } || self == "NaN" || hasSuffix("Infinity")
    }
}

extension JSONValue {
    /// The value as Python's `str` (at the top) or `repr` (inside a container) prints what the AWS CLI's
    /// `json.loads(..., object_pairs_hook=OrderedDict)` makes of it: botocore's reports print values so.
    fileprivate func python(quoted: Bool) -> String {
        switch self {
        case .object(let members):
            members.isEmpty
                ? "OrderedDict()"
                : "OrderedDict(["
                    + members.map { "(\(Self.pythonRepr($0.0)), \($0.1.python(quoted: true)))" }
                    .joined(separator: ", ") + "])"
        case .array(let items): "[" + items.map { $0.python(quoted: true) }.joined(separator: ", ") + "]"
        case .string(let text): quoted ? Self.pythonRepr(text) : text
        case .number(let text): text.isFraction ? Double(text).map { "\($0)" } ?? text : text
        case .bool(let flag): flag ? "True" : "False"
        case .null: "None"
        }
    }

    /// Python's `repr` of a string: in single quotes unless it holds one and no double quote; the quote, the
    /// backslash and the common control characters escaped.
    private static func pythonRepr(_ text: String) -> String {
        let quote: Character = text.contains("'") && !text.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case quote: out += "\\" + String(quote)
            default: out.append(character)
            }
        }
        out.append(quote)
        return out
    }

    /// The type `json.loads` gives the value (an object an `OrderedDict`, as the AWS CLI reads it), as Python
    /// prints it.
    fileprivate var pythonType: String {
        switch self {
        case .object: "<class 'collections.OrderedDict'>"
        case .array: "<class 'list'>"
        case .string: "<class 'str'>"
        case .number(let text): text.isFraction ? "<class 'float'>" : "<class 'int'>"
        case .bool: "<class 'bool'>"
        case .null: "<class 'NoneType'>"
        }
    }
}
