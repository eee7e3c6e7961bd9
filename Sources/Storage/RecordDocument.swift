import AWSJSONProtocol
import Foundation

/// How every backend stores a record: one JSON document (timestamps as epoch seconds) in a text column. Part of
/// the schema's meaning, so SQLite and PostgreSQL read each other's dumps the same way.
package enum RecordDocument {
    /// What a record type is to a store: read by its generated reader, with `JSONDecoder` behind it.
    package typealias Readable = Decodable & AWSJSONReadable

    /// The document of a record (its generated writer: what `JSONEncoder` would write, faster).
    package static func encode(_ record: some AWSJSONValue) -> String {
        String(decoding: AWSJSONWriter.bytes(record), as: UTF8.self)
    }

    /// The record a document holds: read by its generated reader, or, where that gives up (an escape in a string,
    /// a member missing), by `JSONDecoder`, which answers or throws. Both read the same value from the same text
    /// (RecordDocumentTests holds them to it).
    package static func decode<T: Readable>(_ type: T.Type, from body: String) throws -> T {
        var body = body
        if let record = body.withUTF8({ AWSJSONReader.read(T.self, from: $0) }) { return record }
        return try decodeWithFoundation(T.self, from: body)
    }

    /// `JSONDecoder`'s reading of a document, the reference for the generated readers.
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
