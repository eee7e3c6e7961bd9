import Foundation
import NIOCore

/// The JSON conventions of the protocol: timestamps as epoch seconds, blobs as base64, an empty body is `{}`.
public enum AWSJSONCoding {
    public static let contentType = "application/x-amz-json-1.1"

    /// Decodes a shape generated from the model with its generated reader (`AWSJSONReadable`): an empty body is
    /// `{}`; a body the reader refuses is a `SerializationException` naming the member at fault.
    public static func decode<Shape: AWSJSONReadable>(
        _ type: Shape.Type,
        from body: some Collection<UInt8>
    ) throws(AWSError)
        -> Shape
    {
        func read(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Shape, AWSJSONReader.Failure> {
            guard bytes.allSatisfy(Self.isWhitespace) else { return AWSJSONReader.decode(Shape.self, from: bytes) }
            let empty: StaticString = "{}"
            return AWSJSONReader.decode(
                Shape.self,
                from: UnsafeBufferPointer(start: empty.utf8Start, count: empty.utf8CodeUnitCount)
            )
        }
        let result = body.withContiguousStorageIfAvailable(read) ?? Array(body).withUnsafeBufferPointer(read)
        switch result {
        case .success(let shape): return shape
        case .failure(let failure): throw .serialization(failure.message)
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
}
