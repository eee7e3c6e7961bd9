import AWSJSONProtocol
import ArgumentParser
import DirectConnectModel
import Foundation

/// The input of a verb (generated in `Generated/DirectConnectVerbs.swift` or written by hand), gathered from its
/// options as one JSON object, checked as botocore checks it (`ParameterModel`) and read by the input shape's
/// generated reader, as the server reads it: what the model refuses is refused here, before any call.
struct VerbInput {
    /// Each member's name and value, in the order the options give them.
    private var members: [(String, JSONValue)] = []
    /// The members given in shorthand, whose values the model types (`ParameterModel.typed`) before the checks.
    private var shorthand: Set<String> = []

    private mutating func add(_ name: String, _ value: JSONValue?) {
        if let value { members.append((name, value)) }
    }

    mutating func string(_ name: String, _ value: String?) { add(name, value.map(JSONValue.string)) }

    mutating func int(_ name: String, _ value: Int?) { add(name, value.map { .number(String($0)) }) }

    mutating func bool(_ name: String, _ value: Bool?) { add(name, value.map(JSONValue.bool)) }

    mutating func strings(_ name: String, _ values: [String]) {
        if !values.isEmpty { add(name, .array(values.map(JSONValue.string))) }
    }

    /// A list of structures (tags, prefixes) as the AWS CLI takes it: one JSON list (or `file://PATH` to one), else
    /// one item a value, all JSON objects or all shorthand (`Shorthand`): whether they are JSON is decided by the
    /// first, after leading whitespace, as the AWS CLI decides it.
    mutating func structures(_ name: String, _ items: [String], option: String) throws {
        guard !items.isEmpty else { return }
        var items = items
        if items.count == 1 { items[0] = try Self.loaded(items[0], option: option) }
        if Self.looksLikeJSON(items[0]) {
            if items.count == 1, Self.startsJSON(items[0], with: "[") {
                add(name, try Self.parsed(items[0], option: option))
                return
            }
            add(
                name,
                .array(
                    try items.map { item throws(ParamError) in
                        guard Self.startsJSON(item, with: "{") else {
                            // An empty item is an IndexError of the AWS CLI's, printed as it is.
                            guard item.unicodeScalars.contains(where: { !Shorthand.isPythonSpace($0) }) else {
                                throw ParamError(description: "string index out of range")
                            }
                            throw ParamError(option: option, "Invalid JSON:\n\(item)")
                        }
                        return try Self.parsed(item, option: option)
                    }
                )
            )
            return
        }
        add(name, .array(try items.map { try Shorthand.parse($0, option: option) }))
        shorthand.insert(name)
    }

    /// A structure, list or map given as JSON text, or as the AWS CLI's shorthand (`Shorthand`) when it does not
    /// start with a bracket; either may be in a file named by `file://PATH`, as the AWS CLI also takes it. A
    /// structure or map (`object`) in JSON must be an object: a list is refused as the AWS CLI refuses it.
    mutating func json(_ name: String, _ text: String?, option: String, object: Bool = false) throws {
        guard let text else { return }
        let loaded = try Self.loaded(text, option: option)
        if object, Self.startsJSON(loaded, with: "[") {
            throw ParamError(option: option, "Invalid JSON:\n\(loaded)")
        }
        if Self.looksLikeJSON(loaded) {
            add(name, try Self.parsed(loaded, option: option))
        } else {
            add(name, try Shorthand.parse(loaded, option: option))
            shorthand.insert(name)
        }
    }

    /// Whether the AWS CLI reads the text as JSON rather than shorthand: a bracket after whitespace.
    private static func looksLikeJSON(_ text: String) -> Bool {
        startsJSON(text, with: "[") || startsJSON(text, with: "{")
    }

    /// Whether the text starts with the bracket after whitespace, as Python's `strip` takes it.
    private static func startsJSON(_ text: String, with bracket: Unicode.Scalar) -> Bool {
        text.unicodeScalars.first { !Shorthand.isPythonSpace($0) } == bracket
    }

    /// A parameter's value, or with `file://PATH` the file's text as it is (not trimmed: the places a JSON error
    /// names count its every character), refused as the AWS CLI refuses a file it cannot read (without naming the
    /// parameter when `option` is nil, as it prints a shorthand value's file it cannot read).
    static func loaded(_ value: String, option: String?, prefix: String = "file://") throws(ParamError) -> String {
        guard value.hasPrefix(prefix) else { return value }
        let path = String(value.dropFirst(prefix.count))
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
        guard exists, !isFolder.boolValue, let data = FileManager.default.contents(atPath: path) else {
            let (number, reason) =
                !exists
                ? (2, "No such file or directory")
                : isFolder.boolValue ? (21, "Is a directory") : (13, "Permission denied")
            let message = "Unable to load paramfile \(value): [Errno \(number)] \(reason): '\(path)'"
            throw option.map { ParamError(option: $0, message) } ?? ParamError(description: message)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// JSON text as Python's `json.loads` makes it, which the AWS CLI sends: a member given twice has its last
    /// value, in the place of its first; text it refuses is refused in the AWS CLI's words.
    private static func parsed(_ text: String, option: String) throws(ParamError) -> JSONValue {
        do {
            return try JSONValue(json: Array(text.utf8)).lastMemberWins
        } catch  where error.tooDeep {
            // Python's RecursionError, which the AWS CLI prints as it is.
            throw ParamError(description: error.message)
        } catch {
            throw ParamError(option: option, "Invalid JSON: \(error)\nJSON received: \(text)")
        }
    }

    /// A parameter the AWS CLI cannot read (its `ParamError`, or an error it prints as it is), printed as it prints
    /// it (exit 64 here, as every argument refused).
    struct ParamError: Error, CustomStringConvertible {
        var description: String

        init(description: String) { self.description = description }

        init(option: String, _ message: String) { description = "Error parsing parameter '\(option)': \(message)" }
    }

    /// The input shape of `operation`, refused as the AWS CLI refuses it: a required parameter missing (its options
    /// are not all required to parse: a list's is one that may repeat), then what the model's checks refuse
    /// (`ParameterModel`: a nested structure's required or unknown members, a value's type, a length under the
    /// model's minimum, such as an empty tag list or a tag's empty key).
    /// Between the two, the client's settings are checked (`VerbClient`), as botocore makes the client there.
    func decode<Shape: AWSShape>(
        _ type: Shape.Type = Shape.self,
        operation: String,
        client: VerbClient
    ) throws -> Shape {
        let model = ParameterModel.directConnect
        let missing = model.missingMembers(of: .object(members), operation: operation)
        guard missing.isEmpty else {
            let options = missing.map { "--" + Self.optionName($0) }
            throw ValidationError("the following arguments are required: \(options.joined(separator: ", "))")
        }
        let value = JSONValue.object(
            try members.map { name, value throws(ParamError) in
                guard shorthand.contains(name), let shape = model.memberShape(name, operation: operation) else {
                    return (name, value)
                }
                return (name, try model.typed(value, shape: shape))
            }
        )
        try client.checkSettings()
        try model.check(value, operation: operation, shorthand: shorthand)
        return try read(type, from: value.bytes)
    }

    /// The AWS CLI's option name of a member: `resourceArns` -> `resource-arns`, `secretARN` -> `secret-arn`.
    static func optionName(_ member: String) -> String {
        let characters = Array(member)
        var name = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase, index > 0 {
                let previousIsLower = characters[index - 1].isLowercase
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                if previousIsLower || (nextIsLower && characters[index - 1].isUppercase) { name.append("-") }
            }
            name.append(Character(character.lowercased()))
        }
        return name
    }

    /// The input shape, or the reader's complaint naming the member.
    private func read<Shape: AWSJSONReadable>(_ type: Shape.Type, from document: [UInt8]) throws -> Shape {
        do {
            return try AWSJSONCoding.decode(type, from: document)
        } catch {
            throw ValidationError("The input does not fit the model: \(error.message)")
        }
    }
}
