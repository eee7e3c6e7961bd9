import Foundation
import Logging
import ServiceKit
import Storage

/// Re-seals every secret version, every BGP auth key and every customer router's history, in every scope, under the sealing key of the ring.
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

    /// Returns how many values (secret versions, auth keys) were re-sealed.
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
        let keyId = vault.sealer.keyId
        let secrets = try await pass(over: SecretRecord.self) { [vault] record in
            var count = 0
            record.versions = try record.versions.map { version in
                guard version.masterKeyId != keyId else { return version }
                count += 1
                return try vault.reseal(version, arn: record.arn)
            }
            return count
        }
        let authKeys = try await pass(over: VirtualInterfaceRecord.self) { [vault] record in
            var count = 0
            let interfaceId = record.id
            record.peers = try record.peers.map { peer in
                guard peer.masterKeyId != keyId else { return peer }
                count += 1
                let context = BGPAuthKeySealing.context(interfaceId: interfaceId, peerId: peer.id)
                let opened = try vault.sealer.open(peer.sealedAuthKey, keyId: peer.masterKeyId, context: context)
                var peer = peer
                (peer.sealedAuthKey, peer.masterKeyId) = try vault.sealer.seal(opened, context: context)
                return peer
            }
            return count
        }
        let histories = try await pass(over: MKACustomerRecord.self) { [vault] record in
            guard record.masterKeyId != keyId else { return 0 }
            let context = MKACustomerSealing.context(portId: record.id)
            let opened = try vault.sealer.open(record.sealedHistory, keyId: record.masterKeyId, context: context)
            (record.sealedHistory, record.masterKeyId) = try vault.sealer.seal(opened, context: context)
            return 1
        }
        return secrets + authKeys + histories
    }

    /// One pass over every record of `kind`, in small transactions: `reseal` re-seals what a record holds under
    /// another key and answers how many values it re-sealed (a record with none is not written).
    private func pass<R: StoredRecord>(
        over kind: R.Type,
        _ reseal: @escaping @Sendable (inout R) throws -> Int
    ) async throws -> Int {
        var after: RecordPosition?
        var resealed = 0
        while true {
            let cursor = after
            let (count, last) = try await store.transaction(.write) { [batchSize] transaction in
                let batch = try await transaction.recordsInEveryScope(kind, after: cursor, limit: batchSize)
                var count = 0
                for var item in batch {
                    let changed = try reseal(&item.record)
                    guard changed > 0 else { continue }
                    count += changed
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
