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
        case map(key: String, value: String)
        case string(min: Int?)
        case integer(min: Int?)
        case boolean
    }

    /// Each operation's input shape, by operation name.
    let inputs: [String: String]
    let shapes: [String: Shape]

    /// Refuses `input` (the operation's input as JSON) with botocore's report when it does not fit the model.
    func check(_ input: JSONValue, operation: String) throws {
        guard let shape = inputs[operation] else { return }
        var problems: [String] = []
        validate(input, shape, name: "", into: &problems)
        guard problems.isEmpty else {
            throw ValidationError("Parameter validation failed:\n" + problems.joined(separator: "\n"))
        }
    }

    /// The required members of the operation's input that `input` lacks, in the model's order.
    func missingMembers(of input: JSONValue, operation: String) -> [String] {
        guard let name = inputs[operation], case .structure(_, let required) = shapes[name],
            case .object(let given) = input
        else { return [] }
        return required.filter { member in !given.contains { $0.0 == member } }
    }

    /// `check` of a shape built in Swift (the hand-written verbs'), as the JSON it will be sent as.
    func check(_ input: some AWSJSONValue, operation: String) throws {
        try check(try JSONValue(json: AWSJSONWriter.bytes(input)), operation: operation)
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
        case .map(let key, let valueShape):
            guard case .object(let entries) = value else { return wrongType("<class 'dict'>") }
            for (entry, item) in entries {
                validate(.string(entry), key, name: "\(name) (key: \(entry))", into: &problems)
                validate(item, valueShape, name: "\(name).\(entry)", into: &problems)
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
    fileprivate var isFraction: Bool { contains { $0 == "." || $0 == "e" || $0 == "E" } }
}

extension JSONValue {
    /// The value as Python's `str` (unquoted at the top) or `repr` (quoted, inside a container) prints what
    /// `json.loads` makes of it: botocore's reports print values so.
    fileprivate func python(quoted: Bool) -> String {
        switch self {
        case .object(let members):
            "{" + members.map { "'\($0.0)': \($0.1.python(quoted: true))" }.joined(separator: ", ") + "}"
        case .array(let items): "[" + items.map { $0.python(quoted: true) }.joined(separator: ", ") + "]"
        case .string(let text): quoted ? "'\(text)'" : text
        case .number(let text): text
        case .bool(let flag): flag ? "True" : "False"
        case .null: "None"
        }
    }

    /// The type `json.loads` gives the value, as Python prints it.
    fileprivate var pythonType: String {
        switch self {
        case .object: "<class 'dict'>"
        case .array: "<class 'list'>"
        case .string: "<class 'str'>"
        case .number(let text): text.isFraction ? "<class 'float'>" : "<class 'int'>"
        case .bool: "<class 'bool'>"
        case .null: "<class 'NoneType'>"
        }
    }
}
