import Foundation
import Logging
import ServiceKit
import Storage

/// Re-seals every secret version, in every scope, under the sealing key of the ring.
///
/// Works in small transactions so a running server keeps answering between them; it repeats until one full pass
/// finds nothing left under another key, which also catches values a server sealed while the pass ran.
package struct MasterKeyRotation: Sendable {
    package let store: any Store
    package let vault: SecretVault
    package let batchSize: Int

    package init(store: any Store, sealer: SecretSealer, batchSize: Int = 50) {
        self.store = store
        self.vault = SecretVault(sealer: sealer)
        self.batchSize = batchSize
    }

    /// Returns how many versions were re-sealed.
    package func run(logger: Logger) async throws -> Int {
        var total = 0
        while true {
            let resealed = try await pass()
            total += resealed
            logger.info("master key rotation pass", metadata: ["resealed": "\(resealed)"])
            if resealed == 0 { return total }
        }
    }

    private func pass() async throws -> Int {
        var after: RecordPosition?
        var resealed = 0
        while true {
            let cursor = after
            let (count, last) = try await store.transaction(.write) { [vault, batchSize] transaction in
                let batch = try await transaction.secretsInEveryScope(after: cursor, limit: batchSize)
                let keyId = vault.sealer.keyId
                var count = 0
                for var item in batch where item.record.versions.contains(where: { $0.masterKeyId != keyId }) {
                    item.record.versions = try item.record.versions.map { version in
                        guard version.masterKeyId != keyId else { return version }
                        count += 1
                        return try vault.reseal(version, arn: item.record.arn)
                    }
                    try await transaction.save(item.record, in: item.scope)
                }
                return (count, batch.count < batchSize ? nil : batch.last?.position)
            }
            resealed += count
            guard let last else { return resealed }
            after = last
        }
    }
}
