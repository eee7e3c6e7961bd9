import AWSJSONProtocol
import DirectConnect
import DirectConnectModel
import Foundation
import Logging
import SecretsManager
import SecretsManagerModel
import ServiceKit
import Storage
import Testing

/// SPEC section 6: Secrets Manager as far as Direct Connect needs it, and the managed secrets' life with keys.
@Suite struct SecretsManagerTests {
    typealias SMTag = SecretsManagerModel.Tag
    static let token1 = String(repeating: "1", count: 32)
    static let token2 = String(repeating: "2", count: 32)
    static let day: TimeInterval = 86_400

    @discardableResult
    static func create(
        _ f: Fixture,
        name: String = "app/db",
        value: String = "hunter2",
        token: String = token1,
        tags: [SMTag]? = nil,
        in scope: Scope = Fixture.scope
    ) async throws -> CreateSecretResponse {
        try await f.secretsManager.createSecret(
            CreateSecretRequest(name: name, clientRequestToken: token, secretString: value, tags: tags),
            in: scope
        )
    }

    static func value(
        _ f: Fixture,
        _ id: String,
        stage: String? = nil,
        versionId: String? = nil
    ) async throws
        -> GetSecretValueResponse
    {
        try await f.secretsManager.getSecretValue(
            GetSecretValueRequest(secretId: id, versionId: versionId, versionStage: stage),
            in: Fixture.scope
        )
    }

    // MARK: User secrets

    @Test func aSecretIsFoundByNameFullARNAndPartialARN() async throws {
        try await Fixture.run { f in
            let created = try await Self.create(f)
            let arn = try #require(created.arn)
            #expect(matches(arn, "arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db-[A-Za-z0-9]{6}"))
            for id in ["app/db", arn, String(arn.dropLast(7))] {
                #expect(try await Self.value(f, id).secretString == "hunter2")
            }
            await expectError("ResourceNotFoundException", mentioning: ["can't find"]) {
                try await Self.value(f, "app/other")
            }
        }
    }

    @Test func theValueIsStoredSealed() async throws {
        try await Fixture.run { f in
            try await Self.create(f, value: "plaintext-never-on-disk")
            let secret = try #require(try await f.secrets().first)
            let sealed = try #require(secret.versions.first?.sealedValue)
            #expect(sealed.range(of: Data("plaintext-never-on-disk".utf8)) == nil)
        }
    }

    @Test func aRetryWithTheSameTokenIsTheSameVersion() async throws {
        try await Fixture.run { f in
            let first = try await Self.create(f)
            let again = try await Self.create(f)
            #expect(again.versionId == first.versionId)
            #expect(try await f.secrets().first?.versions.count == 1)
            try await f.expectRefusal("ResourceExistsException", mentioning: ["ClientRequestToken"]) {
                try await Self.create(f, value: "different")
            }
            try await f.expectRefusal("ResourceExistsException", mentioning: ["app/db"]) {
                try await Self.create(f, value: "different", token: Self.token2)
            }
        }
    }

    @Test func badCreateRequestsAreInvalidParameters() async throws {
        try await Fixture.run { f in
            try await f.expectRefusal("InvalidParameterException", mentioning: ["both"]) {
                try await f.secretsManager.createSecret(
                    CreateSecretRequest(name: "x", secretBinary: Data([1]), secretString: "s"),
                    in: f.scope
                )
            }
            for name in ["bad!name", "", String(repeating: "a", count: 513)] {
                try await f.expectRefusal("InvalidParameterException", mentioning: ["name"]) {
                    try await Self.create(f, name: name)
                }
            }
            try await f.expectRefusal("InvalidParameterException", mentioning: ["aws:"]) {
                try await Self.create(f, tags: [SMTag(key: "aws:x", value: "y")])
            }
        }
    }

    @Test func putSecretValueMovesCurrentAndLeavesPrevious() async throws {
        try await Fixture.run { f in
            let first = try await Self.create(f)
            let put = try await f.secretsManager.putSecretValue(
                PutSecretValueRequest(secretId: "app/db", clientRequestToken: Self.token2, secretString: "v2"),
                in: f.scope
            )
            #expect(put.versionStages == ["AWSCURRENT"])
            #expect(try await Self.value(f, "app/db").secretString == "v2")
            let previous = try await Self.value(f, "app/db", stage: "AWSPREVIOUS")
            #expect(previous.secretString == "hunter2")
            #expect(previous.versionId == first.versionId)
            #expect(try await Self.value(f, "app/db", versionId: first.versionId).secretString == "hunter2")
            let described = try await f.secretsManager.describeSecret(
                DescribeSecretRequest(secretId: "app/db"),
                in: f.scope
            )
            #expect(described.versionIdsToStages?[Self.token2] == ["AWSCURRENT"])
            #expect(described.versionIdsToStages?[first.versionId ?? ""] == ["AWSPREVIOUS"])
        }
    }

    @Test func deletionIsScheduledWithinSevenToThirtyDays() async throws {
        try await Fixture.run { f in
            try await Self.create(f)
            for days in [6, 31] {
                try await f.expectRefusal("InvalidParameterException", mentioning: ["7 and 30"]) {
                    try await f.secretsManager.deleteSecret(
                        DeleteSecretRequest(secretId: "app/db", recoveryWindowInDays: days),
                        in: f.scope
                    )
                }
            }
            try await f.expectRefusal("InvalidParameterException", mentioning: ["ForceDeleteWithoutRecovery"]) {
                try await f.secretsManager.deleteSecret(
                    DeleteSecretRequest(secretId: "app/db", recoveryWindowInDays: 7, forceDeleteWithoutRecovery: true),
                    in: f.scope
                )
            }
            let deleted = try await f.secretsManager.deleteSecret(DeleteSecretRequest(secretId: "app/db"), in: f.scope)
            #expect(deleted.deletionDate == Fixture.start.addingTimeInterval(30 * Self.day))
            try await f.expectRefusal("InvalidRequestException", mentioning: ["marked for deletion"]) {
                try await Self.value(f, "app/db")
            }
            _ = try await f.secretsManager.restoreSecret(RestoreSecretRequest(secretId: "app/db"), in: f.scope)
            #expect(try await Self.value(f, "app/db").secretString == "hunter2")
        }
    }

    @Test func aSecretIsGoneOnceItsDeletionDatePasses() async throws {
        try await Fixture.run { f in
            try await Self.create(f)
            _ = try await f.secretsManager.deleteSecret(
                DeleteSecretRequest(secretId: "app/db", recoveryWindowInDays: 7),
                in: f.scope
            )
            f.clock.advance(by: 7 * Self.day - 1)
            #expect(
                try await f.secretsManager.describeSecret(DescribeSecretRequest(secretId: "app/db"), in: f.scope)
                    .deletedDate != nil
            )
            f.clock.advance(by: 1)
            await expectError("ResourceNotFoundException", mentioning: []) {
                try await f.secretsManager.describeSecret(DescribeSecretRequest(secretId: "app/db"), in: f.scope)
            }
            let listed = try await f.secretsManager.listSecrets(
                ListSecretsRequest(includePlannedDeletion: true),
                in: f.scope
            )
            #expect(listed.secretList?.isEmpty == true)
            // The name is free again.
            #expect(try await Self.create(f, token: Self.token2).arn != nil)
        }
    }

    @Test func forcedDeletionOfAUserSecretIsImmediate() async throws {
        try await Fixture.run { f in
            try await Self.create(f)
            _ = try await f.secretsManager.deleteSecret(
                DeleteSecretRequest(secretId: "app/db", forceDeleteWithoutRecovery: true),
                in: f.scope
            )
            await expectError("ResourceNotFoundException", mentioning: []) { try await Self.value(f, "app/db") }
        }
    }

    @Test func listSecretsFiltersByPrefixAndNegation() async throws {
        try await Fixture.run { f in
            try await Self.create(f, name: "app/db", tags: [SMTag(key: "team", value: "net")])
            try await Self.create(f, name: "app/cache", token: Self.token2, tags: [SMTag(key: "owner", value: "ops")])
            try await Self.create(f, name: "other", token: String(repeating: "3", count: 32))
            func names(_ filters: [Filter]) async throws -> [String] {
                try await f.secretsManager.listSecrets(ListSecretsRequest(filters: filters), in: f.scope)
                    .secretList?.compactMap(\.name).sorted() ?? []
            }
            #expect(try await names([Filter(key: .name, values: ["app/"])]) == ["app/cache", "app/db"])
            #expect(try await names([Filter(key: .name, values: ["!app/"])]) == ["other"])
            #expect(try await names([Filter(key: .tagKey, values: ["te"])]) == ["app/db"])
            #expect(try await names([Filter(key: .tagValue, values: ["ops"])]) == ["app/cache"])
            #expect(try await names([Filter(key: .owningService, values: ["directconnect"])]).isEmpty)
            await expectError("InvalidParameterException", mentioning: ["Filter"]) {
                try await names([Filter(key: "colour", values: ["red"])])
            }
        }
    }

    @Test func listSecretsPagesVisitEachSecretOnce() async throws {
        try await Fixture.run { f in
            for index in 0..<5 {
                try await Self.create(f, name: "s\(index)", token: String(repeating: "\(index)", count: 32))
                f.clock.advance(by: 1)
            }
            var seen: [String] = []
            var token: String?
            repeat {
                let page = try await f.secretsManager.listSecrets(
                    ListSecretsRequest(maxResults: 2, nextToken: token),
                    in: f.scope
                )
                #expect((page.secretList?.count ?? 0) <= 2)
                seen += page.secretList?.compactMap(\.name) ?? []
                token = page.nextToken
            } while token != nil
            #expect(seen == ["s0", "s1", "s2", "s3", "s4"])
            await expectError("InvalidNextTokenException", mentioning: ["NextToken"]) {
                try await f.secretsManager.listSecrets(ListSecretsRequest(nextToken: "bogus"), in: f.scope)
            }
        }
    }

    @Test func secretsAreInvisibleFromOtherScopes() async throws {
        try await Fixture.run { f in
            let arn = try #require(try await Self.create(f).arn)
            for scope in [Fixture.otherAccount, Fixture.otherRegion] {
                for id in ["app/db", arn] {
                    await expectError("ResourceNotFoundException", mentioning: []) {
                        try await f.secretsManager.describeSecret(DescribeSecretRequest(secretId: id), in: scope)
                    }
                }
                let listed = try await f.secretsManager.listSecrets(ListSecretsRequest(), in: scope)
                #expect(listed.secretList?.isEmpty == true)
            }
        }
    }

    // MARK: Managed secrets

    @Test func managedSecretsAreDirectConnectsAndReadOnly() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let arn = try await f.associateKey(1, on: id)
            let described = try await f.secretsManager.describeSecret(DescribeSecretRequest(secretId: arn), in: f.scope)
            #expect(described.owningService == "directconnect")
            #expect(
                described.tags?.contains(SMTag(key: "aws:secretsmanager:owningService", value: "directconnect")) == true
            )
            try await f.expectRefusal("AccessDeniedException", mentioning: ["GetSecretValue"]) {
                try await Self.value(f, arn)
            }
            try await f.expectRefusal("AccessDeniedException", mentioning: ["PutSecretValue"]) {
                try await f.secretsManager.putSecretValue(
                    PutSecretValueRequest(secretId: arn, secretString: "x"),
                    in: f.scope
                )
            }
            try await f.expectRefusal("AccessDeniedException", mentioning: ["UpdateSecret"]) {
                try await f.secretsManager.updateSecret(
                    UpdateSecretRequest(secretId: arn, description: "mine now"),
                    in: f.scope
                )
            }
            try await f.expectRefusal("AccessDeniedException", mentioning: ["ForceDeleteWithoutRecovery"]) {
                try await f.secretsManager.deleteSecret(
                    DeleteSecretRequest(secretId: arn, forceDeleteWithoutRecovery: true),
                    in: f.scope
                )
            }
            try await f.expectRefusal("InvalidParameterException", mentioning: ["aws:"]) {
                try await f.secretsManager.untagResource(
                    UntagResourceRequest(secretId: arn, tagKeys: ["aws:secretsmanager:owningService"]),
                    in: f.scope
                )
            }
        }
    }

    @Test func aUserSecretCannotBeAssociated() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let arn = try #require(try await Self.create(f).arn)
            try await f.expectRefusal(mentioning: [arn, id, "not created by Direct Connect"]) {
                try await f.associate(id, secretARN: arn)
            }
        }
    }

    @Test func aSecretScheduledForDeletionCannotBeAssociatedUntilRestored() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let arn = try await f.associateKey(1, on: id)
            try await f.disassociate(id, secretARN: arn)
            _ = try await f.secretsManager.deleteSecret(DeleteSecretRequest(secretId: arn), in: f.scope)
            try await f.expectRefusal(mentioning: [arn, "scheduled for deletion"]) {
                try await f.associate(id, secretARN: arn)
            }
            try await f.expectRefusal(mentioning: ["scheduled for deletion"]) {
                try await f.associate(id, ckn: Fixture.ckn(1), cak: Fixture.cak(1))
            }
            _ = try await f.secretsManager.restoreSecret(RestoreSecretRequest(secretId: arn), in: f.scope)
            let keys = try await f.associate(id, secretARN: arn).macSecKeys
            #expect(keys?.last?.secretARN == arn)
        }
    }

    @Test func whenTheDeletionDatePassesTheLastKeyGoesAndMustEncryptFallsBack() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let arn = try await f.associateKey(1, on: id)
            _ = try await f.service.updateConnection(
                UpdateConnectionRequest(connectionId: id, encryptionMode: "must_encrypt"),
                in: f.scope
            )
            _ = try await f.secretsManager.deleteSecret(
                DeleteSecretRequest(secretId: arn, recoveryWindowInDays: 7),
                in: f.scope
            )
            f.clock.advance(by: 7 * Self.day - 1)
            var connection = try await f.connection(id)
            #expect(connection.macSecKeys?.map(\.secretARN) == [arn])
            #expect(connection.encryptionMode == "must_encrypt")
            f.clock.advance(by: 1)
            connection = try await f.connection(id)
            #expect(connection.macSecKeys?.isEmpty == true)
            #expect(connection.encryptionMode == "should_encrypt")
            #expect(connection.portEncryptionStatus == "Encryption Down")
            // A later write keeps what time did.
            _ = try await f.service.updateConnection(
                UpdateConnectionRequest(connectionId: id, connectionName: "renamed"),
                in: f.scope
            )
            #expect(try await f.connection(id).encryptionMode == "should_encrypt")
            #expect(try await f.secrets().isEmpty == false)  // the row may linger, but the secret is gone:
            await expectError("ResourceNotFoundException", mentioning: []) {
                try await f.secretsManager.describeSecret(DescribeSecretRequest(secretId: arn), in: f.scope)
            }
        }
    }

    @Test func anExpiringKeyBesideAnotherLeavesMustEncrypt() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let first = try await f.associateKey(1, on: id)
            let second = try await f.associateKey(2, on: id)
            _ = try await f.service.updateConnection(
                UpdateConnectionRequest(connectionId: id, encryptionMode: "must_encrypt"),
                in: f.scope
            )
            _ = try await f.secretsManager.deleteSecret(
                DeleteSecretRequest(secretId: first, recoveryWindowInDays: 7),
                in: f.scope
            )
            f.clock.advance(by: 8 * Self.day)
            let connection = try await f.connection(id)
            #expect(connection.macSecKeys?.map(\.secretARN) == [second])
            #expect(connection.encryptionMode == "must_encrypt")
        }
    }

    @Test func restoringBeforeTheDateKeepsTheKeyOnLagAndMembers() async throws {
        try await Fixture.run { f in
            let (lagId, members) = try await f.lagIds(members: 2)
            let arn = try await f.associateKey(1, on: lagId)
            _ = try await f.secretsManager.deleteSecret(
                DeleteSecretRequest(secretId: arn, recoveryWindowInDays: 7),
                in: f.scope
            )
            f.clock.advance(by: 6 * Self.day)
            _ = try await f.secretsManager.restoreSecret(RestoreSecretRequest(secretId: arn), in: f.scope)
            f.clock.advance(by: 30 * Self.day)
            #expect(try await f.keys(of: lagId).map(\.secretARN) == [arn])
            for member in members {
                #expect(try await f.keys(of: member).map(\.secretARN) == [arn])
            }
        }
    }

    @Test func aLagKeyGoesFromTheLagAndItsMembersWithItsSecret() async throws {
        try await Fixture.run { f in
            let (lagId, members) = try await f.lagIds(members: 2)
            let arn = try await f.associateKey(1, on: lagId)
            _ = try await f.secretsManager.deleteSecret(
                DeleteSecretRequest(secretId: arn, recoveryWindowInDays: 7),
                in: f.scope
            )
            f.clock.advance(by: 7 * Self.day)
            #expect(try await f.keys(of: lagId).isEmpty)
            for member in members { #expect(try await f.keys(of: member).isEmpty) }
        }
    }

    // MARK: Master key rotation

    @Test func rotationReSealsEveryValueUnderTheNewKey() async throws {
        try await Fixture.run { f in
            try await Self.create(f)
            let id = try await f.connectionId()
            let arn = try await f.associateKey(1, on: id)
            let oldKey = Data(repeating: 7, count: 32)
            let newKey = SecretSealer.generateKeyData()
            let ring = try SecretSealer(keys: [newKey, oldKey])
            let count = try await MasterKeyRotation(store: f.store, sealer: ring, batchSize: 1)
                .run(logger: .init(label: "test"))
            #expect(count == 2)
            let newOnly = try SecretSealer(keys: [newKey])
            let secrets = try await f.secrets()
            for secret in secrets {
                for version in secret.versions {
                    #expect(version.masterKeyId == newOnly.keyId)
                    #expect(throws: Never.self) { try SecretVault(sealer: newOnly).open(version, arn: secret.arn) }
                }
            }
            // Nothing left to do on a second run.
            #expect(try await MasterKeyRotation(store: f.store, sealer: ring).run(logger: .init(label: "test")) == 0)
            // The managed secret still re-associates after the rotation.
            let service = DirectConnectService(store: f.store, clock: f.clock, sealer: newOnly)
            _ = try await service.disassociateMacSecKey(
                DisassociateMacSecKeyRequest(connectionId: id, secretARN: arn),
                in: f.scope
            )
            _ = try await service.associateMacSecKey(
                AssociateMacSecKeyRequest(connectionId: id, ckn: Fixture.ckn(1), cak: Fixture.cak(1)),
                in: f.scope
            )
        }
    }
}
