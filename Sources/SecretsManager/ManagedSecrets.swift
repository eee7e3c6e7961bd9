import AWSJSONProtocol
import Foundation
import ServiceKit
import Storage

/// What another service may do with Secrets Manager (SPEC 6): keep a value in a secret it manages, and find such a
/// secret again by ARN. Direct Connect reaches secrets only through this; it never reads a user's own secret, and the
/// secret's value never leaves it except to be compared.
package struct ManagedSecrets: Sendable {
    /// The service that owns the secrets (`OwningService`, and the `aws:secretsmanager:owningService` tag).
    package let owner: String
    let vault: SecretVault

    package init(owner: String, sealer: SecretSealer) {
        self.owner = owner
        vault = SecretVault(sealer: sealer)
    }

    /// Why a managed secret cannot serve; the caller words it for its own request.
    package enum Refusal: Error, Equatable {
        /// No secret of that ARN in the scope (or its deletion has completed).
        case notFound
        /// The secret exists but this service did not create it.
        case notManaged
        /// Its deletion is scheduled.
        case scheduledForDeletion(arn: String)
        /// The name is taken by a managed secret that holds another value.
        case holdsAnotherValue
    }

    /// A new secret's first version, sealed before the transaction that may store it. Sealing reads nothing of the
    /// store (a fresh ARN and version ID, the payload's JSON, the master key's check, AES-GCM), so it need not take
    /// the write loop's thread, which runs every body of a batch in turn: under key rotation at c=16 that thread is
    /// the busiest of the server, and sealing was a tenth of its time (perf, 2026-12-04).
    package struct NewSecret: Sendable {
        let name: String
        let arn: String
        let version: SecretVersionRecord
    }

    /// Seals `value` as the first version of a new secret named `name`, for `secret(_:label:...)` to store when no
    /// secret of that name holds it already.
    package func newSecret(named name: String, holding value: String, in scope: Scope, now: Date) throws -> NewSecret {
        let arn = SecretsManagerService.newARN(name: name, in: scope)
        let version = try vault.seal(
            SecretPayload(string: value, binary: nil),
            arn: arn,
            versionId: RandomUUID.make(),
            stages: [SecretsManagerService.currentStage],
            now: now
        )
        return NewSecret(name: name, arn: arn, version: version)
    }

    /// The managed secret of `new`'s name that holds `new`'s value: the existing one when its current value is the
    /// same (`sameValue` compares), else `new`, stored in this transaction. `label` is kept beside it in the clear
    /// (Direct Connect's CKN), so that it can be found again without opening the value.
    package func secret(
        _ new: NewSecret,
        label: String,
        sameValue: (String) -> Bool,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        now: Date
    ) async throws -> SecretRecord {
        if let existing = try await transaction.secret(name: new.name, in: scope) {
            if existing.isDeleted(at: now) {
                try await transaction.deleteSecret(arn: existing.arn, in: scope)
            } else {
                guard existing.deletionDate == nil else { throw Refusal.scheduledForDeletion(arn: existing.arn) }
                let stored = existing.versions.last.flatMap { try? vault.open($0, arn: existing.arn) }
                guard let string = stored?.string, sameValue(string) else { throw Refusal.holdsAnotherValue }
                return existing
            }
        }
        let secret = SecretRecord(
            arn: new.arn,
            name: new.name,
            owningService: owner,
            ckn: label,
            versions: [new.version],
            createdAt: now,
            lastChangedAt: now,
            deletionDate: nil,
            tags: [TagRecord(key: SecretsManagerService.owningServiceTag, value: owner)]
        )
        try await transaction.save(secret, in: scope)
        return secret
    }

    /// The current value of a secret this service created, opened, or `nil` once it is gone (its deletion
    /// completed): what the simulated AWS device of a MACsec port holds (SPEC 12). The value stays in memory.
    package func currentValue(
        arn: String,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        now: Date
    ) async throws -> String? {
        guard let secret = try await transaction.secret(arn: arn, in: scope), !secret.isDeleted(at: now),
            secret.owningService == owner,
            let version = secret.versions.last(where: { $0.stages.contains(SecretsManagerService.currentStage) })
        else { return nil }
        return try vault.open(version, arn: secret.arn).string
    }

    /// A secret this service created, by ARN, in the scope, not scheduled for deletion (SPEC 4, check 10).
    package func existing(
        arn: String,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        now: Date
    ) async throws -> SecretRecord {
        guard let secret = try await transaction.secret(arn: arn, in: scope), !secret.isDeleted(at: now) else {
            throw Refusal.notFound
        }
        guard secret.owningService == owner, secret.ckn != nil else { throw Refusal.notManaged }
        guard secret.deletionDate == nil else { throw Refusal.scheduledForDeletion(arn: arn) }
        return secret
    }
}
