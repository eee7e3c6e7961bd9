import Foundation
import NIOCore

/// The JSON conventions of the protocol: timestamps as epoch seconds, blobs as base64, an empty body is `{}`.
public enum AWSJSONCoding {
    public static let contentType = "application/x-amz-json-1.1"

    /// Decodes a shape generated from the model: its generated reader first (`AWSJSONReadable`), and where that gives
    /// up, `JSONDecoder` (below), whose values and errors the answer then is.
    public static func decode<Shape: Decodable & AWSJSONReadable>(
        _ type: Shape.Type,
        from body: some Collection<UInt8>
    ) throws(AWSError)
        -> Shape
    {
        let fast = body.withContiguousStorageIfAvailable { bytes -> FastRead<Shape> in
            if bytes.allSatisfy(Self.isWhitespace) {
                let empty: StaticString = "{}"
                let braces = UnsafeBufferPointer(start: empty.utf8Start, count: empty.utf8CodeUnitCount)
                return AWSJSONReader.read(Shape.self, from: braces).map(FastRead.read) ?? .fallBack
            }
            if let duplicate = DuplicateKeyScanner.firstDuplicate(in: UnsafeRawBufferPointer(bytes)) {
                return .duplicate(duplicate)
            }
            return AWSJSONReader.read(Shape.self, from: bytes).map(FastRead.read) ?? .fallBack
        }
        switch fast {
        case .read(let shape): return shape
        case .duplicate(let member): throw .serialization(Self.duplicateMessage(member))
        // Where the reader gave up, the body was already found free of duplicate keys.
        case .fallBack: return try decodeWithFoundation(type, from: body, scanned: true)
        case nil: return try decodeWithFoundation(type, from: body)
        }
    }

    private enum FastRead<Shape> {
        case read(Shape)
        case duplicate(String)
        case fallBack
    }

    /// Decodes a request body into an input shape, mapping every failure to `SerializationException`.
    public static func decode<Shape: Decodable>(
        _ type: Shape.Type,
        from body: some Collection<UInt8>
    ) throws(AWSError)
        -> Shape
    {
        try decodeWithFoundation(type, from: body)
    }

    private static func duplicateMessage(_ member: String) -> String {
        "Member \(member) appears more than once in one object"
    }

    /// `scanned`: the body is known to hold no duplicate keys.
    private static func decodeWithFoundation<Shape: Decodable>(
        _ type: Shape.Type,
        from body: some Collection<UInt8>,
        scanned: Bool = false
    ) throws(AWSError)
        -> Shape
    {
        let data = body.allSatisfy(Self.isWhitespace) ? Data("{}".utf8) : Data(body)
        if !scanned, let duplicate = data.withUnsafeBytes({ DuplicateKeyScanner.firstDuplicate(in: $0) }) {
            throw .serialization(Self.duplicateMessage(duplicate))
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

    /// Encodes an output shape, unset members omitted, in chunks (`AWSJSONWriter`).
    public static func encode(_ value: some AWSJSONValue) -> [ByteBuffer] {
        AWSJSONWriter.write(value)
    }

    /// The longest message an error body carries; a message that repeats a caller's over-long value is cut.
    public static let maximumMessageLength = 1024

    /// The error body `{"__type": ..., "message": ...}`.
    public static func errorBody(_ error: AWSError) -> ByteBuffer {
        let message =
            error.message.count > maximumMessageLength
            ? String(error.message.prefix(maximumMessageLength)) + "..." : error.message
        var writer = AWSJSONWriter(capacity: 64 + message.utf8.count)
        writer.beginObject()
        writer.member("\"__type\":", error.code)
        writer.member("\"message\":", message)
        writer.endObject()
        return writer.finish().first ?? ByteBuffer()
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
