import AWSJSONProtocol
import Foundation
import Storage

/// Seals and opens secret versions; the one place that turns payloads into sealed bytes and back.
package struct SecretVault: Sendable {
    package let sealer: SecretSealer

    package init(sealer: SecretSealer) {
        self.sealer = sealer
    }

    /// The authenticated context of a version: its secret and its ID, so sealed bytes cannot be moved.
    static func context(arn: String, versionId: String) -> String { "\(arn)|\(versionId)" }

    package func seal(
        _ payload: SecretPayload,
        arn: String,
        versionId: String,
        stages: [String],
        now: Date
    ) throws -> SecretVersionRecord {
        let plaintext = Data(AWSJSONWriter.bytes(payload))
        let (sealed, keyId) = try sealer.seal(plaintext, context: Self.context(arn: arn, versionId: versionId))
        return SecretVersionRecord(
            versionId: versionId,
            sealedValue: sealed,
            masterKeyId: keyId,
            stages: stages,
            createdAt: now
        )
    }

    package func open(_ version: SecretVersionRecord, arn: String) throws -> SecretPayload {
        let plaintext = try sealer.open(
            version.sealedValue,
            keyId: version.masterKeyId,
            context: Self.context(arn: arn, versionId: version.versionId)
        )
        return try JSONDecoder().decode(SecretPayload.self, from: plaintext)
    }

    /// The version re-sealed under the current sealing key (for a master key rotation).
    package func reseal(_ version: SecretVersionRecord, arn: String) throws -> SecretVersionRecord {
        var copy = try seal(
            open(version, arn: arn),
            arn: arn,
            versionId: version.versionId,
            stages: version.stages,
            now: version.createdAt
        )
        copy.createdAt = version.createdAt
        return copy
    }
}

/// The sealed plaintext: `{"string": ...}` or `{"binary": base64}`, as `open` decodes it.
extension SecretPayload: AWSJSONValue {
    package func writeJSON(to writer: inout AWSJSONWriter) {
        writer.beginObject()
        writer.member(#""string":"#, string)
        writer.member(#""binary":"#, binary)
        writer.endObject()
    }
}
