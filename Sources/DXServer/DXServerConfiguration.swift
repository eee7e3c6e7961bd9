import AWSSigV4
import DirectConnect
import Foundation
import Logging

/// Everything `dxlocal serve` can be told.
package struct DXServerConfiguration: Sendable {
    package static let defaultPort = 4587
    package static let defaultMaximumBodySize = 1 << 20

    package enum Storage: Sendable, Hashable {
        /// Throwaway: nothing is written to disk.
        case memory
        /// An SQLite database, and the generated master key, in this directory.
        case directory(String)
    }

    package var host = "127.0.0.1"
    package var port = DXServerConfiguration.defaultPort
    package var storage: Storage = .directory("dxlocal-data")
    /// A PostgreSQL URL: the shared store of many instances, instead of SQLite. Needs `masterKey`.
    package var database: String?
    /// How long a start keeps trying to reach `database` (`--database-wait`); `nil`: the store's default.
    package var databaseWait: Duration?
    /// Seconds a transition takes (requested -> available, associating -> associated, ...), by kind.
    package var settleTimes = SettleTimes()
    /// `--ec2 external` (SPEC 9): the gateways Direct Connect names live in another emulator, unchecked.
    package var ec2External = false
    /// `--customer-router` and `--mka-time-scale` (SPEC 12).
    package var mka = MKASettings()
    package var logLevel: Logger.Level = .info
    package var maximumBodySize = DXServerConfiguration.defaultMaximumBodySize
    /// Commits between two checkpoints of the SQLite store's log (`--checkpoint-commits`); `nil`: the store's default.
    package var checkpointCommits: Int?
    /// Base64 of 32 bytes; when unset the key is generated into the data directory (or memory).
    package var masterKey: String?
    /// Access key ID -> account ID, for keys that are not themselves 12-digit account IDs.
    package var accounts: [String: String] = [:]

    /// Makes the names the service makes up (IDs, ARN suffixes, request and version IDs) and fault draws repeatable:
    /// the same requests in the same order get the same names (`NameRandomness`).
    package var randomSeed: UInt64?

    /// Resources to create at start in an empty store (`dxlocal serve --seed FILE`).
    package var seed: Seed?

    /// Serves `POST /_dxlocal/clock` to move the service's clock forward (for tests of long transitions).
    package var clockControl = false

    /// Who may call: anyone (SigV4 is parsed for region and account only), or SigV4-verified callers.
    package var verifier: SigV4Verifier?

    package init() {}
}
