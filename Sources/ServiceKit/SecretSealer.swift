import AWSJSONProtocol
import Crypto
import Foundation
import Synchronization

/// Seals secret values with AES-GCM under the master keyring; the plaintext never leaves memory.
///
/// The first key of the ring seals; every key of the ring opens what it sealed. A `source` lets a running
/// server pick up a rotated ring (the rotation publishes the new key before re-sealing anything under it).
package final class SecretSealer: Sendable {
    private struct Ring {
        var primaryId: String
        var keys: [String: SymmetricKey]
    }

    /// Returns the current key bytes, sealing key first; `nil` when nothing changed since the last call.
    package typealias Source = @Sendable () throws -> [Data]?

    private let ring: Mutex<Ring>
    private let source: Source?

    /// A ring of one fixed key (32 bytes).
    package convenience init?(keyData: some ContiguousBytes) {
        try? self.init(keys: [keyData.withUnsafeBytes { Data($0) }])
    }

    /// A ring of `keys`, the first sealing; `source` is asked again before each seal and on an unknown key.
    package init(keys: [Data], source: Source? = nil) throws {
        ring = Mutex(try Self.ring(keys))
        self.source = source
    }

    private static func ring(_ keys: [Data]) throws -> Ring {
        guard let first = keys.first else { throw SealError.badKey }
        var ring = Ring(primaryId: try keyId(first), keys: [:])
        for data in keys {
            guard data.count == 32 else { throw SealError.badKey }
            ring.keys[try keyId(data)] = SymmetricKey(data: data)
        }
        return ring
    }

    /// A short fingerprint of a key, stored beside each sealed value to say which key opens it.
    package static func keyId(_ data: Data) throws -> String {
        guard data.count == 32 else { throw SealError.badKey }
        return SHA256.hash(data: data).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// The ID of the key that seals now.
    package var keyId: String {
        refresh()
        return ring.withLock { $0.primaryId }
    }

    /// A new random master key's bytes.
    package static func generateKeyData() -> Data {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
    }

    private func refresh() {
        guard let source, let keys = try? source(), let fresh = try? Self.ring(keys) else { return }
        ring.withLock { current in
            current.primaryId = fresh.primaryId
            current.keys.merge(fresh.keys) { _, new in new }
        }
    }

    /// Seals `plaintext` under the sealing key, binding it to `context` so a sealed value cannot be moved.
    package func seal(_ plaintext: Data, context: String) throws -> (sealed: Data, keyId: String) {
        refresh()
        let (id, key) = ring.withLock { ($0.primaryId, $0.keys[$0.primaryId]) }
        guard let key else { throw SealError.failed }
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw SealError.failed }
        return (combined, id)
    }

    /// Whether a key of the ring (asked again of the source when not) has the ID `keyId`.
    package func knows(keyId: String) -> Bool {
        if ring.withLock({ $0.keys[keyId] != nil }) { return true }
        refresh()
        return ring.withLock { $0.keys[keyId] != nil }
    }

    package func open(_ sealed: Data, keyId: String, context: String) throws -> Data {
        var key = ring.withLock { $0.keys[keyId] }
        if key == nil {
            refresh()
            key = ring.withLock { $0.keys[keyId] }
        }
        guard let key else { throw SealError.unknownKey }
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
        case unknownKey
        case badKey

        package var description: String {
            switch self {
            case .failed: "a secret value could not be sealed or opened"
            case .unknownKey: "a secret value was sealed under a master key this server does not have"
            case .badKey: "a master key must be 32 bytes"
            }
        }
    }
}

/// What one sealed secret version holds: a string or bytes.
package struct SecretPayload: Codable, Sendable, Equatable {
    package var string: String?
    package var binary: Data?

    package init(string: String?, binary: Data?) {
        self.string = string
        self.binary = binary
    }
}
