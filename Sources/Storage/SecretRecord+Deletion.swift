import Foundation

// The records are generated from scripts/records.json (Generated/Records.swift); their rules live beside them.

extension SecretRecord {
    /// Whether a scheduled deletion has completed at `now`: the secret no longer exists.
    package func isDeleted(at now: Date) -> Bool {
        deletionDate.map { now >= $0 } ?? false
    }
}
