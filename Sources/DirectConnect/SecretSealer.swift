import Crypto
import Foundation

/// Seals secret values with AES-GCM under the master key; the plaintext never leaves memory.
package struct SecretSealer: Sendable {
    private let key: SymmetricKey
    /// A short fingerprint of the key, stored beside each sealed value so a rotation can tell them apart.
    package let keyId: String

    /// - Parameter keyData: 32 bytes.
    package init?(keyData: some ContiguousBytes) {
        let key = SymmetricKey(data: keyData)
        guard key.bitCount == 256 else { return nil }
        self.key = key
        let digest = SHA256.hash(data: key.withUnsafeBytes { Data($0) })
        self.keyId = digest.prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// A new random master key's bytes.
    package static func generateKeyData() -> Data {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
    }

    /// Seals `plaintext`, binding it to `context` (the secret's ARN) so a sealed value cannot be moved.
    package func seal(_ plaintext: Data, context: String) throws -> Data {
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw SealError.failed }
        return combined
    }

    package func open(_ sealed: Data, context: String) throws -> Data {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            return try AES.GCM.open(box, using: key, authenticating: Data(context.utf8))
        } catch {
            throw SealError.failed
        }
    }

    /// Deliberately carries no detail.
    package enum SealError: Error, CustomStringConvertible {
        case failed
        package var description: String { "a secret value could not be sealed or opened" }
    }
}

/// The value of a MACsec secret: the CKN/CAK pair.
package struct MacSecSecretValue: Codable, Sendable {
    package var ckn: String
    package var cak: String

    enum CodingKeys: String, CodingKey {
        case ckn = "CKN"
        case cak = "CAK"
    }
}
