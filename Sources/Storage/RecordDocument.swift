import Foundation

/// How every backend stores a record: one JSON document (timestamps as epoch seconds) in a text column. Part of
/// the schema's meaning, so SQLite and PostgreSQL read each other's dumps the same way.
package enum RecordDocument {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }()

    package static func encode<T: Encodable>(_ record: T) throws -> String {
        do {
            return String(decoding: try encoder.encode(record), as: UTF8.self)
        } catch {
            throw StoreError(.corrupt, "cannot encode a \(T.self) record")
        }
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
