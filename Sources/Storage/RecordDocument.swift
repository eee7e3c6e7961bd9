import AWSJSONProtocol
import Foundation

/// How every backend stores a record: one JSON document (timestamps as epoch seconds) in a text column. Part of
/// the schema's meaning, so SQLite and PostgreSQL read each other's dumps the same way.
package enum RecordDocument {
    /// What a record type is to a store: read by its generated reader (`JSONDecoder` is the tests' reference).
    package typealias Readable = Decodable & AWSJSONReadable

    /// The document of a record (its generated writer: what `JSONEncoder` would write, faster).
    package static func encode(_ record: some AWSJSONValue) -> String {
        AWSJSONWriter.string(record)
    }

    /// The document of a record, the same text as `encode`'s, written into `scratch` (one longer than it into
    /// memory of its own) and handed to `body` while it lasts: for documents made one after another on one thread,
    /// with no allocation for each (a document's block and its string were two requests of 1 KiB or more to the
    /// allocator per record the store wrote).
    package static func withEncoded<R>(
        _ record: some AWSJSONValue,
        in scratch: UnsafeMutableBufferPointer<UInt8>,
        _ body: (UnsafeBufferPointer<UInt8>) throws -> R
    ) rethrows -> R {
        var writer = AWSJSONWriter(borrowing: scratch)
        record.writeJSON(to: &writer)
        if let result = try writer.withContiguousBytes(body) { return result }
        var text = writer.finishString()
        return try text.withUTF8(body)
    }

    /// The record a document holds, read by its generated reader: one path, which reads every document a writer of
    /// this schema wrote (escapes, numbers, timestamps and blobs included; RecordDocumentTests holds it to
    /// `JSONDecoder`'s reading, and the migration test to documents of version 1). A document it refuses is corrupt.
    package static func decode<T: Readable>(_ type: T.Type, from body: String) throws -> T {
        var body = body
        guard let record = body.withUTF8({ AWSJSONReader.read(T.self, from: $0) }) else {
            throw StoreError(.corrupt, "a \(T.self) row does not decode")
        }
        return record
    }

    /// `JSONDecoder`'s reading of a document: the reference the tests hold the generated readers to.
    package static func decodeWithFoundation<T: Decodable>(_ type: T.Type, from body: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do {
            return try decoder.decode(T.self, from: Data(body.utf8))
        } catch {
            throw StoreError(.corrupt, "a \(T.self) row does not decode")
        }
    }
}
