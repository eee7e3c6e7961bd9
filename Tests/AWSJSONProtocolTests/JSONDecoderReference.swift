import AWSJSONProtocol
import Foundation

/// How request bodies were read before the generated readers were complete: a scan for duplicate members, then
/// `JSONDecoder` under the protocol's settings, its errors worded by member. The reference FastReaderTests holds
/// `AWSJSONCoding.decode` to; not used by the server.
enum JSONDecoderReference {
    static func decode<Shape: Decodable>(_ type: Shape.Type, from body: [UInt8]) throws(AWSError) -> Shape {
        let data = body.allSatisfy(isWhitespace) ? Data("{}".utf8) : Data(body)
        if let duplicate = data.withUnsafeBytes({ DuplicateKeyScanner.firstDuplicate(in: $0) }) {
            throw .serialization("Member \(duplicate) appears more than once in one object")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do {
            return try decoder.decode(Shape.self, from: data)
        } catch let error as DecodingError {
            throw .serialization(describe(error))
        } catch {
            throw .serialization("The request body is not valid JSON")
        }
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
