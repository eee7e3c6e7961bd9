import AWSJSONProtocol
import Foundation

/// How every backend stores a record: one JSON document (timestamps as epoch seconds) in a text column. Part of
/// the schema's meaning, so SQLite and PostgreSQL read each other's dumps the same way.
package enum RecordDocument {
    /// The document of a record (`RecordDocument+Writing`: what `JSONEncoder` would write, faster).
    package static func encode(_ record: some AWSJSONValue) -> String {
        String(decoding: AWSJSONWriter.bytes(record), as: UTF8.self)
    }

    package static func decode<T: Decodable>(_ type: T.Type, from body: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do {
            return try decoder.decode(T.self, from: Data(body.utf8))
        } catch {
            throw StoreError(.corrupt, "a \(T.self) row does not decode")
        }
    }
}
