/// A wire shape of an AWS JSON 1.1 service model.
///
/// Every member of a generated shape is optional so that a request missing a required member still decodes
/// and the service can answer with its own error code instead of a generic serialization failure.
public protocol AWSShape: Codable, Sendable, Hashable, AWSJSONValue, AWSJSONReadable {
    /// Wire names of required members that are unset, in model order.
    var missingRequiredMembers: [String] { get }
}

extension AWSShape {
    public var missingRequiredMembers: [String] { [] }
}

/// One operation of a service model, tying its wire name to its input and output shapes.
public protocol AWSOperation: Sendable {
    associatedtype Input: AWSShape
    associatedtype Output: AWSShape
    /// The operation name as it appears after the target prefix in `X-Amz-Target`.
    static var name: String { get }
}

/// The shape of an operation that the model gives no input or output.
public struct EmptyShape: AWSShape {
    public init() {}

    public func writeJSON(to writer: inout AWSJSONWriter) {
        writer.beginObject()
        writer.endObject()
    }

    public init?(json reader: inout AWSJSONReader) {
        guard reader.skipObject() else { return nil }
    }

    /// An object with any members (they are ignored), as every input shape reads; the synthesized conformance
    /// would take any JSON value at all (`[1, 2]`, `null`, `5`).
    public init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: AnyMember.self)
    }

    private struct AnyMember: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
