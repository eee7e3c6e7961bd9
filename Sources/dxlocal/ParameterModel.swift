import AWSClientRuntime
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

    /// Refuses `input` (the operation's input as JSON) with botocore's report when it does not fit the model; the
    /// members given in shorthand (`shorthand`) hold Python dicts, the others `json.loads`' ordered ones.
    func check(_ input: JSONValue, operation: String, shorthand: Set<String> = []) throws(Refusal) {
        guard let shape = inputs[operation] else { return }
        var problems: [String] = []
        validate(input, shape, name: "", plain: false, shorthand: shorthand, into: &problems)
        guard problems.isEmpty else { throw Refusal(problems: problems) }
    }

    /// The shape of a member of the operation's input.
    func memberShape(_ member: String, operation: String) -> String? {
        guard let name = inputs[operation], case .structure(let members, _) = shapes[name] else { return nil }
        return members.first { $0.name == member }?.shape
    }

    /// A shorthand value typed by its shape as the AWS CLI types it (its `BackCompatVisitor`): a single value where
    /// a list is due becomes a list of it; an integer is read as Python's `int` reads text (else its `ValueError` or
    /// `TypeError`, which the AWS CLI prints as it is); a boolean only from `true` or `false` in any case (any other
    /// text stays, for the check to refuse). Members the shape does not have are left for the check to name.
    func typed(_ value: JSONValue, shape shapeName: String) throws(VerbInput.ParamError) -> JSONValue {
        switch (shapes[shapeName], value) {
        case (.structure(let members, _), .object(let given)):
            return .object(
                try given.map { key, item throws(VerbInput.ParamError) in
                    guard let member = members.first(where: { $0.name == key }) else { return (key, item) }
                    return (key, try typed(item, shape: member.shape))
                }
            )
        case (.list(let member, _), .array(let items)):
            return .array(try items.map { item throws(VerbInput.ParamError) in try typed(item, shape: member) })
        case (.list, _):
            return .array([value])
        case (.integer, .string(let text)):
            guard let number = Self.pythonInt(text) else {
                // CPython's message holds at most 200 characters of the repr (`%.200R`).
                throw VerbInput.ParamError(
                    description:
                        "invalid literal for int() with base 10: \(String(PythonRepr.string(text).unicodeScalars.prefix(200)))"
                )
            }
            return .number(number)
        case (.integer, .array), (.integer, .object):
            throw VerbInput.ParamError(
                description: "int() argument must be a string, a bytes-like object or a real number, not "
                    + "'\(value.pythonClass(plain: true))'"
            )
        case (.boolean, .string(let text)) where ["true", "false"].contains(text.lowercased()):
            return .bool(text.lowercased() == "true")
        case (.boolean, .array), (.boolean, .object):
            // The AWS CLI lower-cases what it is given: an AttributeError, printed as it is.
            throw VerbInput.ParamError(
                description: "'\(value.pythonClass(plain: true))' object has no attribute 'lower'"
            )
        default:
            return value
        }
    }

    /// Python's `int(text)`: whitespace around, a sign, decimal digits of any script with single underscores
    /// between them; the number's decimal text, or nil.
    static func pythonInt(_ text: String) -> String? {
        var scalars = Substring(text).unicodeScalars.drop(while: Shorthand.isPythonSpace)
        while let last = scalars.last, Shorthand.isPythonSpace(last) { scalars = scalars.dropLast() }
        var negative = false
        if let sign = scalars.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            scalars = scalars.dropFirst()
        }
        var digits = ""
        var underscoreAllowed = false
        for scalar in scalars {
            if scalar == "_", underscoreAllowed {
                underscoreAllowed = false
            } else if scalar.properties.numericType == .decimal, let value = scalar.properties.numericValue {
                digits.append(String(Int(value)))
                underscoreAllowed = true
            } else {
                return nil
            }
        }
        guard underscoreAllowed else { return nil }
        let trimmed = digits.drop { $0 == "0" }
        return trimmed.isEmpty ? "0" : (negative ? "-" : "") + trimmed
    }

    /// The required members of the operation's input that `input` lacks, in the model's order.
    func missingMembers(of input: JSONValue, operation: String) -> [String] {
        guard let name = inputs[operation], case .structure(_, let required) = shapes[name],
            case .object(let given) = input
        else { return [] }
        return required.filter { member in !given.contains { $0.0 == member } }
    }

    private func validate(
        _ value: JSONValue,
        _ shapeName: String,
        name: String,
        plain: Bool,
        shorthand: Set<String> = [],
        into problems: inout [String]
    ) {
        guard let shape = shapes[shapeName] else { return }
        let shown = name.isEmpty ? "input" : name.hasPrefix(".") ? String(name.dropFirst()) : name
        func wrongType(_ valid: String) {
            problems.append(
                "Invalid type for parameter \(shown), value: \(value.python(quoted: false, plain: plain)), "
                    + "type: \(value.pythonType(plain: plain)), valid types: \(valid)"
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
                let plain = plain || (name.isEmpty && shorthand.contains(key))
                validate(item, member.shape, name: "\(name).\(key)", plain: plain, into: &problems)
            }
        case .list(let member, let min):
            guard case .array(let items) = value else { return wrongType("<class 'list'>, <class 'tuple'>") }
            if let min, items.count < min {
                problems.append(
                    "Invalid length for parameter \(shown), value: \(items.count), valid min length: \(min)"
                )
            }
            for (index, item) in items.enumerated() {
                validate(item, member, name: "\(name)[\(index)]", plain: plain, into: &problems)
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
    /// `json.loads(..., object_pairs_hook=OrderedDict)` makes of it, or with `plain` its shorthand parser (a plain
    /// dict): botocore's reports print values so.
    fileprivate func python(quoted: Bool, plain: Bool) -> String {
        switch self {
        case .object(let members) where plain:
            "{"
                + members.map { "\(PythonRepr.string($0.0)): \($0.1.python(quoted: true, plain: true))" }
                .joined(separator: ", ") + "}"
        case .object(let members):
            members.isEmpty
                ? "OrderedDict()"
                : "OrderedDict(["
                    + members.map { "(\(PythonRepr.string($0.0)), \($0.1.python(quoted: true, plain: false)))" }
                    .joined(separator: ", ") + "])"
        case .array(let items):
            "[" + items.map { $0.python(quoted: true, plain: plain) }.joined(separator: ", ") + "]"
        case .string(let text): quoted ? PythonRepr.string(text) : text
        case .number(let text): text.isFraction ? Double(text).map { "\($0)" } ?? text : text
        case .bool(let flag): flag ? "True" : "False"
        case .null: "None"
        }
    }

    /// The class `json.loads` gives the value (an object an `OrderedDict`, as the AWS CLI reads it; a plain `dict`
    /// from shorthand), as Python names it.
    fileprivate func pythonClass(plain: Bool) -> String {
        switch self {
        case .object: plain ? "dict" : "collections.OrderedDict"
        case .array: "list"
        case .string: "str"
        case .number(let text): text.isFraction ? "float" : "int"
        case .bool: "bool"
        case .null: "NoneType"
        }
    }

    /// The value's type as Python prints it (`<class 'list'>`).
    fileprivate func pythonType(plain: Bool) -> String {
        "<class '\(pythonClass(plain: plain))'>"
    }
}
