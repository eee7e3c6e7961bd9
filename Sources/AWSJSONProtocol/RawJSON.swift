/// A JSON value kept as its text: read by checking and skipping it (valid JSON, no member named twice), written back
/// as it was. A state document (`GET /_dxlocal/state`) carries each stored record this way, so a record's own reader,
/// chosen by its kind, reads it afterwards.
public struct RawJSON: Hashable, Sendable, Codable, AWSJSONValue, AWSJSONReadable {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public func writeJSON(to writer: inout AWSJSONWriter) {
        writer.raw(bytes)
    }

    public init?(json reader: inout AWSJSONReader) {
        guard reader.peek() != nil else { return nil }
        let start = reader.index
        guard reader.skipValue() else { return nil }
        bytes = Array(reader.bytes[start..<reader.index])
    }

    /// As a string of the JSON text (no caller encodes a state document with `Codable`; the generated shapes
    /// conform to it).
    public init(from decoder: any Decoder) throws {
        bytes = Array(try decoder.singleValueContainer().decode(String.self).utf8)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(String(decoding: bytes, as: UTF8.self))
    }
}
