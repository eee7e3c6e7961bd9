import AWSJSONProtocol
import Foundation
import SecretsManagerModel
import ServiceKit
import Storage

extension SecretsManagerService {
    package func createSecret(_ input: CreateSecretRequest, in scope: Scope) async throws -> CreateSecretResponse {
        guard let name = input.name else { throw AWSError.invalidParameter("Name is required.") }
        try Self.validateName(name)
        let payload = try Self.payload(string: input.secretString, binary: input.secretBinary)
        let token = try Self.validateToken(input.clientRequestToken) ?? RandomUUID.make()
        let tags = try Self.merge([], Self.validatedTags(input.tags))
        let now = clock.now
        // Sealed before the transaction, as `ManagedSecrets.newSecret` does: the ARN is new and sealing reads nothing
        // of the store, so it need not take the write loop's thread. PutSecretValue and UpdateSecret seal inside
        // theirs: the ARN their value is bound to is the stored secret's, found there.
        let arn = Self.newARN(name: name, in: scope)
        let versions = try payload.map {
            [try vault.seal($0, arn: arn, versionId: token, stages: [Self.currentStage], now: now)]
        }
        return try await transactions.run(.write) { transaction in
            if let existing = try await transaction.secret(name: name, in: scope) {
                if existing.isDeleted(at: now) {
                    try await transaction.deleteSecret(arn: existing.arn, in: scope)
                } else if existing.deletionDate != nil {
                    throw AWSError.invalidRequest(
                        "You can't create this secret because a secret with this name is already scheduled for deletion."
                    )
                } else if let payload, existing.owningService == nil,
                    let version = try existingVersion(token, payload: payload, in: existing)
                {
                    return CreateSecretResponse(arn: existing.arn, name: existing.name, versionId: version.versionId)
                } else {
                    throw AWSError.resourceExists("The operation failed because the secret \(name) already exists.")
                }
            }
            let secret = SecretRecord(
                arn: arn,
                name: name,
                description: input.description,
                kmsKeyId: input.kmsKeyId,
                owningService: nil,
                ckn: nil,
                versions: versions ?? [],
                createdAt: now,
                lastChangedAt: now,
                deletionDate: nil,
                tags: tags
            )
            try await transaction.save(secret, in: scope)
            return CreateSecretResponse(arn: arn, name: name, versionId: versions?.first?.versionId)
        }
    }

    package func describeSecret(
        _ input: DescribeSecretRequest,
        in scope: Scope
    ) async throws
        -> DescribeSecretResponse
    {
        let now = clock.now
        return try await transactions.run(.read) { transaction in
            let secret = try await Self.find(input.secretId, in: transaction, scope, now: now)
            return DescribeSecretResponse(
                arn: secret.arn,
                name: secret.name,
                description: secret.description,
                kmsKeyId: secret.kmsKeyId,
                lastChangedDate: secret.lastChangedAt,
                lastAccessedDate: secret.lastAccessedAt,
                deletedDate: secret.deletionDate,
                tags: secret.tags.map { Tag(key: $0.key, value: $0.value) },
                versionIdsToStages: Self.versionsToStages(secret),
                owningService: secret.owningService,
                createdDate: secret.createdAt
            )
        }
    }

    static func versionsToStages(_ secret: SecretRecord) -> [String: [String]]? {
        let staged = secret.versions.filter { !$0.stages.isEmpty }
        guard !staged.isEmpty else { return nil }
        return Dictionary(uniqueKeysWithValues: staged.map { ($0.versionId, $0.stages) })
    }

    package func getSecretValue(
        _ input: GetSecretValueRequest,
        in scope: Scope
    ) async throws
        -> GetSecretValueResponse
    {
        let now = clock.now
        return try await transactions.run(.write) { transaction in
            var secret = try await Self.find(input.secretId, in: transaction, scope, now: now)
            if secret.owningService != nil { throw AWSError.managedByDirectConnect("GetSecretValue") }
            if secret.deletionDate != nil { throw AWSError.markedForDeletion }
            let version: SecretVersionRecord
            switch (input.versionId, input.versionStage) {
            case (.some(let id), let stage):
                guard let match = secret.versions.first(where: { $0.versionId == id }),
                    stage.map({ match.stages.contains($0) }) ?? true
                else { throw AWSError.secretValueNotFound("VersionId: \(id)") }
                version = match
            case (nil, let stage):
                let label = stage ?? Self.currentStage
                guard let match = secret.versions.first(where: { $0.stages.contains(label) }) else {
                    throw AWSError.secretValueNotFound("staging label: \(label)")
                }
                version = match
            }
            let payload = try vault.open(version, arn: secret.arn)
            let day = Calendar(identifier: .gregorian).startOfDay(for: now)
            if secret.lastAccessedAt != day {
                secret.lastAccessedAt = day
                try await transaction.save(secret, in: scope)
            }
            return GetSecretValueResponse(
                arn: secret.arn,
                name: secret.name,
                versionId: version.versionId,
                secretBinary: payload.binary,
                secretString: payload.string,
                versionStages: version.stages,
                createdDate: version.createdAt
            )
        }
    }

    package func putSecretValue(
        _ input: PutSecretValueRequest,
        in scope: Scope
    ) async throws
        -> PutSecretValueResponse
    {
        guard let payload = try Self.payload(string: input.secretString, binary: input.secretBinary) else {
            throw AWSError.invalidParameter("You must provide either SecretString or SecretBinary.")
        }
        let token = try Self.validateToken(input.clientRequestToken) ?? RandomUUID.make()
        let stages = input.versionStages ?? [Self.currentStage]
        guard !stages.isEmpty, stages.allSatisfy({ (1...256).contains($0.count) }) else {
            throw AWSError.invalidParameter("VersionStages must hold 1 to 20 labels of 1 to 256 characters.")
        }
        let now = clock.now
        return try await transactions.run(.write) { transaction in
            var secret = try await Self.find(input.secretId, in: transaction, scope, now: now)
            try Self.changeable(secret, operation: "PutSecretValue")
            if let version = try existingVersion(token, payload: payload, in: secret) {
                return PutSecretValueResponse(
                    arn: secret.arn,
                    name: secret.name,
                    versionId: version.versionId,
                    versionStages: version.stages
                )
            }
            let version = try vault.seal(payload, arn: secret.arn, versionId: token, stages: stages, now: now)
            secret.versions = Self.stage(version, into: secret.versions)
            secret.lastChangedAt = now
            try await transaction.save(secret, in: scope)
            return PutSecretValueResponse(
                arn: secret.arn,
                name: secret.name,
                versionId: token,
                versionStages: version.stages
            )
        }
    }

    package func updateSecret(_ input: UpdateSecretRequest, in scope: Scope) async throws -> UpdateSecretResponse {
        let payload = try Self.payload(string: input.secretString, binary: input.secretBinary)
        let token = try Self.validateToken(input.clientRequestToken) ?? RandomUUID.make()
        let now = clock.now
        return try await transactions.run(.write) { transaction in
            var secret = try await Self.find(input.secretId, in: transaction, scope, now: now)
            try Self.changeable(secret, operation: "UpdateSecret")
            if let description = input.description { secret.description = description }
            if let kmsKeyId = input.kmsKeyId { secret.kmsKeyId = kmsKeyId }
            var versionId: String?
            if let payload {
                if let version = try existingVersion(token, payload: payload, in: secret) {
                    versionId = version.versionId
                } else {
                    let version = try vault.seal(
                        payload,
                        arn: secret.arn,
                        versionId: token,
                        stages: [Self.currentStage],
                        now: now
                    )
                    secret.versions = Self.stage(version, into: secret.versions)
                    versionId = token
                }
            }
            secret.lastChangedAt = now
            try await transaction.save(secret, in: scope)
            return UpdateSecretResponse(arn: secret.arn, name: secret.name, versionId: versionId)
        }
    }

    package func deleteSecret(_ input: DeleteSecretRequest, in scope: Scope) async throws -> DeleteSecretResponse {
        let force = input.forceDeleteWithoutRecovery ?? false
        if force && input.recoveryWindowInDays != nil {
            throw AWSError.invalidParameter(
                "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."
            )
        }
        let days = input.recoveryWindowInDays ?? 30
        guard (7...30).contains(days) else {
            throw AWSError.invalidParameter("RecoveryWindowInDays value must be between 7 and 30 days (inclusive).")
        }
        let now = clock.now
        return try await transactions.run(.write) { transaction in
            var secret: SecretRecord
            do {
                secret = try await Self.find(input.secretId, in: transaction, scope, now: now)
            } catch let error as AWSError where force && error.code == AWSError.secretNotFound.code {
                // The model: forcing the deletion of a secret deleted already, or never made, is no error. The
                // answer names it as it was given (our choice: no ARN is made up for a secret that is not there).
                let id = input.secretId ?? ""
                return DeleteSecretResponse(
                    arn: id.hasPrefix("arn:") ? id : nil,
                    name: id.hasPrefix("arn:") ? nil : id,
                    deletionDate: now
                )
            }
            if force {
                if secret.owningService != nil {
                    throw AWSError.managedByDirectConnect("ForceDeleteWithoutRecovery")
                }
                try await transaction.deleteSecret(arn: secret.arn, in: scope)
                return DeleteSecretResponse(arn: secret.arn, name: secret.name, deletionDate: now)
            }
            if secret.deletionDate != nil { throw AWSError.markedForDeletion }
            let deletionDate = now.addingTimeInterval(TimeInterval(days) * 86_400)
            secret.deletionDate = deletionDate
            try await transaction.save(secret, in: scope)
            if secret.owningService != nil {
                try await Self.setExpiry(of: secret.arn, to: deletionDate, in: transaction, scope)
            }
            return DeleteSecretResponse(arn: secret.arn, name: secret.name, deletionDate: deletionDate)
        }
    }

    package func restoreSecret(_ input: RestoreSecretRequest, in scope: Scope) async throws -> RestoreSecretResponse {
        let now = clock.now
        return try await transactions.run(.write) { transaction in
            var secret = try await Self.find(input.secretId, in: transaction, scope, now: now)
            if secret.deletionDate != nil {
                secret.deletionDate = nil
                try await transaction.save(secret, in: scope)
                if secret.owningService != nil {
                    try await Self.setExpiry(of: secret.arn, to: nil, in: transaction, scope)
                }
            }
            return RestoreSecretResponse(arn: secret.arn, name: secret.name)
        }
    }

    /// Every Direct Connect key that uses the secret disappears when its deletion completes (or no longer).
    static func setExpiry(
        of arn: String,
        to date: Date?,
        in transaction: any StoreTransaction,
        _ scope: Scope
    ) async throws {
        for kind in [ConnectionRecord.Kind.connection, .interconnect] {
            for var record in try await transaction.connections(of: kind, in: scope, page: .all)
            where record.keys.contains(where: { $0.secretARN == arn }) {
                for index in record.keys.indices where record.keys[index].secretARN == arn {
                    record.keys[index].expiresAt = date
                }
                try await transaction.save(record, in: scope)
            }
        }
        for var lag in try await transaction.lags(in: scope, page: .all)
        where lag.keys.contains(where: { $0.secretARN == arn }) {
            for index in lag.keys.indices where lag.keys[index].secretARN == arn {
                lag.keys[index].expiresAt = date
            }
            try await transaction.save(lag, in: scope)
        }
    }

    package func tagResource(_ input: TagResourceRequest, in scope: Scope) async throws -> EmptyShape {
        let updates = try Self.validatedTags(input.tags)
        let now = clock.now
        return try await transactions.run(.write) { transaction in
            var secret = try await Self.find(input.secretId, in: transaction, scope, now: now)
            secret.tags = try Self.merge(secret.tags, updates)
            try await transaction.save(secret, in: scope)
            return EmptyShape()
        }
    }

    package func untagResource(_ input: UntagResourceRequest, in scope: Scope) async throws -> EmptyShape {
        let keys = input.tagKeys ?? []
        if keys.contains(where: { $0.lowercased().hasPrefix("aws:") }) {
            throw AWSError.invalidParameter("Tag keys beginning with aws: are reserved.")
        }
        let now = clock.now
        return try await transactions.run(.write) { transaction in
            var secret = try await Self.find(input.secretId, in: transaction, scope, now: now)
            secret.tags.removeAll { keys.contains($0.key) }
            try await transaction.save(secret, in: scope)
            return EmptyShape()
        }
    }
}
