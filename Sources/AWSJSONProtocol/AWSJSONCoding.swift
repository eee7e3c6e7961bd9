import Foundation

/// The JSON conventions of the protocol: timestamps as epoch seconds, blobs as base64, an empty body is `{}`.
public enum AWSJSONCoding {
    public static let contentType = "application/x-amz-json-1.1"

    /// Decodes a request body into an input shape, mapping every failure to `SerializationException`.
    public static func decode<Shape: Decodable>(
        _ type: Shape.Type,
        from body: some Collection<UInt8>
    ) throws(AWSError)
        -> Shape
    {
        let data = body.allSatisfy(Self.isWhitespace) ? Data("{}".utf8) : Data(body)
        if let duplicate = DuplicateKeyScanner.firstDuplicate(in: data) {
            throw .serialization("Member \(duplicate) appears more than once in one object")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do {
            return try decoder.decode(Shape.self, from: data)
        } catch let error as DecodingError {
            throw .serialization(Self.describe(error))
        } catch {
            throw .serialization("The request body is not valid JSON")
        }
    }

    /// Encodes an output shape; unset members are omitted.
    public static func encode<Shape: Encodable>(_ value: Shape) throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// The longest message an error body carries; a message that repeats a caller's over-long value is cut.
    public static let maximumMessageLength = 1024

    /// The error body `{"__type": ..., "message": ...}`.
    public static func errorBody(_ error: AWSError) -> Data {
        struct Body: Encodable {
            var type: String
            var message: String
            enum CodingKeys: String, CodingKey {
                case type = "__type"
                case message
            }
        }
        // Encoding two strings cannot fail; fall back to a fixed body rather than trap.
        let message =
            error.message.count > maximumMessageLength
            ? String(error.message.prefix(maximumMessageLength)) + "..." : error.message
        return (try? encode(Body(type: error.code, message: message)))
            ?? Data(#"{"__type":"InternalFailure","message":"error"}"#.utf8)
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// Names the member at fault without echoing its value (it could be key material).
    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, let context):
            let member = path(context.codingPath)
            if member.isEmpty { return "The request body must be a JSON object" }
            return "Member \(member) must be of type \(Self.wireName(of: type))"
        case .valueNotFound(let type, let context):
            let member = path(context.codingPath)
            if member.isEmpty { return "The request body must be a JSON object" }
            return "Member \(member) must be of type \(Self.wireName(of: type))"
        case .keyNotFound(let key, _):
            return "Member \(key.stringValue) is missing"
        case .dataCorrupted(let context):
            let member = path(context.codingPath)
            if member.isEmpty { return "The request body is not valid JSON" }
            return "Member \(member) has an invalid value"
        @unknown default:
            return "The request body could not be read"
        }
    }

    private static func wireName(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "string"
        case is Int.Type, is Double.Type: "number"
        case is Bool.Type: "boolean"
        case is Date.Type: "timestamp"
        case is Data.Type: "blob"
        default: String(describing: type).hasPrefix("Array") ? "list" : "structure"
        }
    }
}
