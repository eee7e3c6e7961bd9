import AWSJSONProtocol
import Foundation

/// The value of a MACsec secret: the CKN/CAK pair, as the secret's string.
package struct MacSecSecretValue: Codable, Sendable, AWSJSONValue {
    package var ckn: String
    package var cak: String

    enum CodingKeys: String, CodingKey {
        case ckn = "CKN"
        case cak = "CAK"
    }

    package func writeJSON(to writer: inout AWSJSONWriter) {
        writer.beginObject()
        writer.member(#""CKN":"#, ckn)
        writer.member(#""CAK":"#, cak)
        writer.endObject()
    }

    /// The secret's string: `{"CKN":"…","CAK":"…"}`.
    package var json: String { AWSJSONWriter.string(self) }
}
