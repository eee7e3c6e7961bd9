import AWSJSONProtocol
import Foundation
import SecretsManagerModel
import ServiceKit
import Storage

/// The Secrets Manager operations dxlocal serves, and the rules that keep Direct Connect's secrets its own.
package struct SecretsManagerService: Sendable {
    package static let owningServiceTag = "aws:secretsmanager:owningService"
    package static let currentStage = "AWSCURRENT"
    package static let previousStage = "AWSPREVIOUS"
    /// Versions without a staging label kept at most, oldest dropped first.
    static let versionLimit = 100

    let transactions: ServiceTransactions
    let clock: any ServiceClock
    let vault: SecretVault
    let pages: PageToken

    package init(
        store: any Store,
        clock: any ServiceClock = SystemClock(),
        sealer: SecretSealer
    ) {
        transactions = ServiceTransactions(store: store, serverError: .secretsServerFailure)
        self.clock = clock
        vault = SecretVault(sealer: sealer)
        pages = PageToken(sealer: sealer)
    }

    // MARK: Finding secrets

    /// The secret a `SecretId` names: a name, a full ARN or an ARN without its six-character suffix.
    /// A secret whose scheduled deletion has passed does not exist.
    static func find(
        _ secretId: String?,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        now: Date
    ) async throws -> SecretRecord {
        guard let secretId, !secretId.isEmpty else { throw AWSError.invalidParameter("SecretId must not be empty.") }
        var found: SecretRecord?
        if secretId.hasPrefix("arn:") {
            found = try await transaction.secret(arn: secretId, in: scope)
            let prefix = "arn:aws:secretsmanager:\(scope.region):\(scope.account):secret:"
            if found == nil, secretId.hasPrefix(prefix) {
                found = try await transaction.secret(name: String(secretId.dropFirst(prefix.count)), in: scope)
            }
        } else {
            found = try await transaction.secret(name: secretId, in: scope)
        }
        guard let secret = found, !secret.isDeleted(at: now) else { throw AWSError.secretNotFound }
        return secret
    }

    /// A secret that may change: not Direct Connect's, not scheduled for deletion.
    static func changeable(_ secret: SecretRecord, operation: String) throws {
        if secret.owningService != nil { throw AWSError.managedByDirectConnect(operation) }
        if secret.deletionDate != nil { throw AWSError.markedForDeletion }
    }

    // MARK: Validation

    static let nameCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_+=.@-")

    static func validateName(_ name: String) throws {
        guard (1...512).contains(name.count), name.allSatisfy({ nameCharacters.contains($0) }) else {
            throw AWSError.invalidParameter(
                "Invalid name. Must be 1 to 512 characters of letters, digits and /_+=.@-"
            )
        }
    }

    static func validateToken(_ token: String?) throws -> String? {
        guard let token else { return nil }
        guard (32...64).contains(token.count) else {
            throw AWSError.invalidParameter("ClientRequestToken must be 32 to 64 characters.")
        }
        return token
    }

    static func payload(string: String?, binary: Data?) throws -> SecretPayload? {
        switch (string, binary) {
        case (.some, .some):
            throw AWSError.invalidParameter("You can't specify both a binary secret value and a string secret value.")
        case (nil, nil):
            return nil
        case (let string, let binary):
            if let string, string.utf8.count > 65_536 {
                throw AWSError.invalidParameter("SecretString must be at most 65536 bytes.")
            }
            if let binary, binary.count > 65_536 {
                throw AWSError.invalidParameter("SecretBinary must be at most 65536 bytes.")
            }
            return SecretPayload(string: string, binary: binary)
        }
    }

    static func validatedTags(_ tags: [Tag]?) throws -> [TagRecord] {
        var seen = Set<String>()
        var records: [TagRecord] = []
        for tag in tags ?? [] {
            guard let key = tag.key, (1...128).contains(key.count) else {
                throw AWSError.invalidParameter("Every tag needs a key of 1 to 128 characters.")
            }
            guard !key.lowercased().hasPrefix("aws:") else {
                throw AWSError.invalidParameter("Tag keys beginning with aws: are reserved.")
            }
            guard (tag.value ?? "").count <= 256 else {
                throw AWSError.invalidParameter("Tag values must be at most 256 characters.")
            }
            guard seen.insert(key).inserted else {
                throw AWSError.invalidParameter("Tag key \(key) appears more than once.")
            }
            records.append(TagRecord(key: key, value: tag.value ?? ""))
        }
        return records
    }

    static func merge(_ existing: [TagRecord], _ updates: [TagRecord]) throws -> [TagRecord] {
        let result = existing.setting(updates)
        guard result.count <= 50 else { throw AWSError.invalidParameter("A secret can have at most 50 tags.") }
        return result
    }

    // MARK: Versions

    /// Adds a version and moves its staging labels onto it; `AWSCURRENT` leaves `AWSPREVIOUS` behind.
    static func stage(_ version: SecretVersionRecord, into versions: [SecretVersionRecord]) -> [SecretVersionRecord] {
        var result = versions
        let movesCurrent = version.stages.contains(currentStage)
        for index in result.indices {
            let wasCurrent = result[index].stages.contains(currentStage)
            result[index].stages.removeAll { version.stages.contains($0) }
            if movesCurrent {
                result[index].stages.removeAll { $0 == previousStage }
                if wasCurrent { result[index].stages.append(previousStage) }
            }
        }
        result.append(version)
        while result.count > versionLimit, let index = result.firstIndex(where: { $0.stages.isEmpty }) {
            result.remove(at: index)
        }
        return result
    }

    /// A retried request with the same token: the same value is the same version, another value a conflict.
    func existingVersion(
        _ token: String,
        payload: SecretPayload,
        in secret: SecretRecord
    ) throws
        -> SecretVersionRecord?
    {
        guard let version = secret.versions.first(where: { $0.versionId == token }) else { return nil }
        guard try vault.open(version, arn: secret.arn) == payload else {
            throw AWSError.resourceExists(
                "A version with this ClientRequestToken already exists with a different value."
            )
        }
        return version
    }

    /// A new secret's ARN: its name and six random alphanumerics, as the real service makes them.
    package static func newARN(name: String, in scope: Scope) -> String {
        let suffix = RandomText.string(6, from: RandomText.alphanumerics)
        return String(
            concatenating: "arn:aws:secretsmanager:",
            scope.region,
            ":",
            scope.account,
            ":secret:",
            name,
            "-",
            suffix
        )
    }
}
