import DirectConnect
import Foundation
import Logging
import SecretsManager
import ServiceKit
import StoragePostgres
import StorageSQLite

/// The work of `dxlocal rotate-master-key` over a data directory.
package enum MasterKeyRotationCommand {
    package static func run(
        directory: String,
        database: String?,
        configuredKeys: String?,
        logger: Logger
    ) async throws -> String {
        if let database {
            guard let configuredKeys else {
                throw MasterKey.Failure(description: "--database needs DXLOCAL_MASTER_KEY=new,old")
            }
            let sealer = try SecretSealer(keys: MasterKey.parse(configuredKeys, separator: ","))
            let count = try await PostgresStore.withStore(PostgresStoreConfiguration(url: database), logger: logger) {
                try await MasterKeyRotation(store: $0, sealer: sealer).run(logger: logger)
            }
            return
                "re-sealed \(count) secret versions, BGP auth keys and customer router histories under key \(sealer.keyId) (from DXLOCAL_MASTER_KEY)"
        }
        let databasePath = (directory as NSString).appendingPathComponent(DXServer.databaseFileName)
        guard FileManager.default.fileExists(atPath: databasePath) else {
            throw MasterKey.Failure(description: "no dxlocal database in \(directory)")
        }
        return try await SQLiteStore.withStore(.file(path: databasePath), logger: logger) { store in
            if let configuredKeys {
                let sealer = try SecretSealer(keys: MasterKey.parse(configuredKeys, separator: ","))
                let count = try await MasterKeyRotation(store: store, sealer: sealer).run(logger: logger)
                return
                    "re-sealed \(count) secret versions, BGP auth keys and customer router histories under key \(sealer.keyId) (from DXLOCAL_MASTER_KEY)"
            } else {
                let ringPath = (directory as NSString).appendingPathComponent(MasterKey.fileName)
                let old = try MasterKey.read(ringPath)
                let new = SecretSealer.generateKeyData()
                // Publish first: servers seal with the new key from now on and can open what is re-sealed.
                try MasterKey.write([new] + old, to: ringPath)
                let sealer = try SecretSealer(keys: [new] + old)
                let count = try await MasterKeyRotation(store: store, sealer: sealer).run(logger: logger)
                try MasterKey.write([new], to: ringPath)
                let retired = try old.map(SecretSealer.keyId).joined(separator: ", ")
                return
                    "re-sealed \(count) secret versions, BGP auth keys and customer router histories under key \(sealer.keyId); retired \(retired)"
            }
        }
    }
}
