import AWSJSONProtocol
import DirectConnect
import DirectConnectModel
import Foundation
import ServiceKit
import Storage
import Testing

/// SPEC section 5: DisassociateMacSecKey, the keys' life over (injected) time, encryption modes and deletion.
@Suite struct DisassociateAndTimeTests {
    // MARK: Disassociation

    @Test(arguments: [nil, ""] as [String?])
    func disassociationRequiresAConnectionId(_ connectionId: String?) async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let arn = try await f.associateKey(1, on: id)
            try await f.expectRefusal(mentioning: ["connectionId"]) {
                try await f.service.disassociateMacSecKey(
                    DisassociateMacSecKeyRequest(connectionId: connectionId, secretARN: arn),
                    in: f.scope
                )
            }
        }
    }

    @Test(arguments: [nil, ""] as [String?])
    func disassociationRequiresASecretARN(_ secretARN: String?) async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            try await f.associateKey(1, on: id)
            try await f.expectRefusal(mentioning: ["secretARN"]) {
                try await f.disassociate(id, secretARN: secretARN)
            }
        }
    }

    @Test func disassociationRequiresTheKeyToBeOnThatTarget() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            try await f.associateKey(1, on: id)
            let other = try await f.connectionId()
            let elsewhere = try await f.associateKey(2, on: other)
            try await f.expectRefusal(mentioning: [elsewhere, id]) {
                try await f.disassociate(id, secretARN: elsewhere)
            }
            let unknown = "arn:aws:secretsmanager:us-east-1:111122223333:secret:nothing-AbC123"
            try await f.expectRefusal(mentioning: [unknown, id]) {
                try await f.disassociate(id, secretARN: unknown)
            }
        }
    }

    @Test func disassociationFromAnUnknownTargetIsNotFound() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let arn = try await f.associateKey(1, on: id)
            try await f.expectRefusal(mentioning: ["Could not find Connection with ID dxcon-zzzzzzzz"]) {
                try await f.disassociate("dxcon-zzzzzzzz", secretARN: arn)
            }
            try await f.expectRefusal(mentioning: ["Could not find Lag with ID dxlag-zzzzzzzz"]) {
                try await f.disassociate("dxlag-zzzzzzzz", secretARN: arn)
            }
            // The caller of another account does not see the connection at all.
            try await f.expectRefusal(
                mentioning: ["Could not find Connection with ID \(id)"],
                scopes: [Fixture.scope, Fixture.otherAccount]
            ) {
                try await f.disassociate(id, secretARN: arn, in: Fixture.otherAccount)
            }
        }
    }

    @Test func disassociationFromALagMemberIsRefused() async throws {
        try await Fixture.run { f in
            let (lagId, members) = try await f.lagIds()
            let arn = try await f.associateKey(1, on: lagId)
            try await f.expectRefusal(mentioning: [members[0]]) {
                try await f.disassociate(members[0], secretARN: arn)
            }
        }
    }

    @Test func disassociationRespondsWithTheRemovedKeyDisassociating() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let first = try await f.associateKey(1, on: id)
            try await f.associateKey(2, on: id)
            let response = try await f.disassociate(id, secretARN: first)
            #expect(response.connectionId == id)
            #expect(
                response.macSecKeys == [
                    MacSecKey(
                        secretARN: first,
                        ckn: Fixture.ckn(1),
                        state: "disassociating",
                        startOn: "2027-01-15T08:00:00Z"
                    )
                ]
            )
        }
    }

    @Test func disassociatedKeyIsGoneAtOnceWithTheDefaultSettleTime() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            var arns: [String] = []
            for n in 1...3 { arns.append(try await f.associateKey(n, on: id)) }
            try await f.disassociate(id, secretARN: arns[1])
            let keys = try await f.keys(of: id)
            #expect(keys.map(\.secretARN) == [arns[0], arns[2]])
            #expect(keys.allSatisfy { $0.state == "associated" })
            #expect(try await f.connection(id).connectionState == .available)
            // Asking again finds nothing to remove.
            try await f.expectRefusal(mentioning: [arns[1], id]) {
                try await f.disassociate(id, secretARN: arns[1])
            }
        }
    }

    @Test func disassociatedLagKeyIsGoneFromEveryMember() async throws {
        try await Fixture.run { f in
            let (lagId, members) = try await f.lagIds()
            let arn = try await f.associateKey(1, on: lagId)
            try await f.associateKey(2, on: lagId)
            try await f.disassociate(lagId, secretARN: arn)
            #expect(try await f.keys(of: lagId).map(\.ckn) == [Fixture.ckn(2)])
            for member in members {
                #expect(try await f.keys(of: member).map(\.ckn) == [Fixture.ckn(2)])
            }
        }
    }

    // MARK: Time

    @Test func keyIsAssociatingUntilTheSettleTimeHasPassed() async throws {
        try await Fixture.run(settleTime: 5) { f in
            let id = try await f.connectionId()
            f.clock.advance(by: 5)
            #expect(try await f.connection(id).connectionState == .available)
            let response = try await f.associate(id, ckn: Fixture.ckn(1), cak: Fixture.cak(1))
            #expect(response.macSecKeys?.map(\.state) == ["associating"])
            var connection = try await f.connection(id)
            #expect(connection.macSecKeys?.map(\.state) == ["associating"])
            #expect(connection.connectionState == .pending)
            #expect(connection.portEncryptionStatus == "Encryption Down")
            f.clock.advance(by: 4.5)
            connection = try await f.connection(id)
            #expect(connection.macSecKeys?.map(\.state) == ["associating"])
            #expect(connection.connectionState == .pending)
            f.clock.advance(by: 0.5)
            connection = try await f.connection(id)
            #expect(connection.macSecKeys?.map(\.state) == ["associated"])
            #expect(connection.connectionState == .available)
            #expect(connection.portEncryptionStatus == "Encryption Up")
        }
    }

    @Test func lagIsPendingWhileItsKeyIsAssociating() async throws {
        try await Fixture.run(settleTime: 5) { f in
            let (lagId, members) = try await f.lagIds()
            f.clock.advance(by: 5)
            try await f.associateKey(1, on: lagId)
            var lag = try await f.lag(lagId)
            #expect(lag.lagState == .pending)
            #expect(lag.macSecKeys?.map(\.state) == ["associating"])
            #expect(try await f.keys(of: members[0]).map(\.state) == ["associating"])
            f.clock.advance(by: 5)
            lag = try await f.lag(lagId)
            #expect(lag.lagState == .available)
            #expect(lag.macSecKeys?.map(\.state) == ["associated"])
            #expect(try await f.keys(of: members[1]).map(\.state) == ["associated"])
        }
    }

    @Test func disassociatingKeyStaysVisibleUntilTheSettleTimeHasPassed() async throws {
        try await Fixture.run(settleTime: 5) { f in
            let id = try await f.connectionId()
            f.clock.advance(by: 5)
            let arn = try await f.associateKey(1, on: id)
            f.clock.advance(by: 5)
            let response = try await f.disassociate(id, secretARN: arn)
            #expect(response.macSecKeys?.map(\.state) == ["disassociating"])
            var connection = try await f.connection(id)
            #expect(connection.macSecKeys?.map(\.state) == ["disassociating"])
            #expect(connection.macSecKeys?.map(\.secretARN) == [arn])
            #expect(connection.connectionState == .pending)
            #expect(connection.portEncryptionStatus == "Encryption Down")
            f.clock.advance(by: 4.5)
            #expect(try await f.keys(of: id).map(\.state) == ["disassociating"])
            f.clock.advance(by: 0.5)
            connection = try await f.connection(id)
            #expect((connection.macSecKeys ?? []).isEmpty)
            #expect(connection.connectionState == .available)
        }
    }

    // MARK: Encryption mode and status

    @Test func removingTheLastKeyInMustEncryptFallsBackToShouldEncrypt() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            _ = try await f.service.updateConnection(
                UpdateConnectionRequest(connectionId: id, encryptionMode: "must_encrypt"),
                in: f.scope
            )
            let arn = try await f.associateKey(1, on: id)
            #expect(try await f.connection(id).encryptionMode == "must_encrypt")
            try await f.disassociate(id, secretARN: arn)
            #expect(try await f.connection(id).encryptionMode == "should_encrypt")
        }
    }

    @Test func removingTheLastLagKeyInMustEncryptFallsBackToShouldEncryptOnEveryMember() async throws {
        try await Fixture.run { f in
            let (lagId, members) = try await f.lagIds()
            _ = try await f.service.updateLag(
                UpdateLagRequest(lagId: lagId, encryptionMode: "must_encrypt"),
                in: f.scope
            )
            let arn = try await f.associateKey(1, on: lagId)
            try await f.disassociate(lagId, secretARN: arn)
            #expect(try await f.lag(lagId).encryptionMode == "should_encrypt")
            for member in members {
                #expect(try await f.connection(member).encryptionMode == "should_encrypt")
            }
        }
    }

    @Test func mustEncryptStaysWhileAnotherKeyRemains() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            _ = try await f.service.updateConnection(
                UpdateConnectionRequest(connectionId: id, encryptionMode: "must_encrypt"),
                in: f.scope
            )
            let first = try await f.associateKey(1, on: id)
            try await f.associateKey(2, on: id)
            try await f.disassociate(id, secretARN: first)
            #expect(try await f.connection(id).encryptionMode == "must_encrypt")
        }
    }

    @Test func shouldEncryptIsNotChangedByRemovingTheLastKey() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let arn = try await f.associateKey(1, on: id)
            try await f.disassociate(id, secretARN: arn)
            #expect(try await f.connection(id).encryptionMode == "should_encrypt")
        }
    }

    @Test func portEncryptionIsUpOnlyWithAnAssociatedKeyAndAnEncryptingMode() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            func status() async throws -> String? { try await f.connection(id).portEncryptionStatus }
            func setMode(_ mode: String) async throws {
                _ = try await f.service.updateConnection(
                    UpdateConnectionRequest(connectionId: id, encryptionMode: mode),
                    in: f.scope
                )
            }
            #expect(try await status() == "Encryption Down")
            let arn = try await f.associateKey(1, on: id)
            #expect(try await status() == "Encryption Up")
            try await setMode("must_encrypt")
            #expect(try await status() == "Encryption Up")
            try await setMode("no_encrypt")
            #expect(try await status() == "Encryption Down")
            try await setMode("should_encrypt")
            #expect(try await status() == "Encryption Up")
            try await f.disassociate(id, secretARN: arn)
            #expect(try await status() == "Encryption Down")
        }
    }

    // MARK: UpdateConnection / UpdateLag

    @Test(arguments: ["no_encrypt", "should_encrypt", "must_encrypt"])
    func macSecConnectionAcceptsEachEncryptionMode(_ mode: String) async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let updated = try await f.service.updateConnection(
                UpdateConnectionRequest(connectionId: id, encryptionMode: mode),
                in: f.scope
            )
            #expect(updated.encryptionMode == mode)
            #expect(try await f.connection(id).encryptionMode == mode)
        }
    }

    @Test(arguments: ["", "encrypt", "MUST_ENCRYPT", "must-encrypt"])
    func undocumentedEncryptionModeIsRefused(_ mode: String) async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let (lagId, _) = try await f.lagIds()
            try await f.expectRefusal(mentioning: [id]) {
                try await f.service.updateConnection(
                    UpdateConnectionRequest(connectionId: id, encryptionMode: mode),
                    in: f.scope
                )
            }
            try await f.expectRefusal(mentioning: [lagId]) {
                try await f.service.updateLag(UpdateLagRequest(lagId: lagId, encryptionMode: mode), in: f.scope)
            }
        }
    }

    @Test(arguments: ["no_encrypt", "should_encrypt", "must_encrypt"])
    func encryptionModeIsRefusedWithoutMacSec(_ mode: String) async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId(macSec: false)
            let (lagId, _) = try await f.lagIds(macSec: false)
            try await f.expectRefusal(mentioning: [id]) {
                try await f.service.updateConnection(
                    UpdateConnectionRequest(connectionId: id, encryptionMode: mode),
                    in: f.scope
                )
            }
            try await f.expectRefusal(mentioning: [lagId]) {
                try await f.service.updateLag(UpdateLagRequest(lagId: lagId, encryptionMode: mode), in: f.scope)
            }
        }
    }

    @Test(arguments: ["no_encrypt", "should_encrypt", "must_encrypt"])
    func lagEncryptionModeShowsOnEveryMember(_ mode: String) async throws {
        try await Fixture.run { f in
            let (lagId, members) = try await f.lagIds(members: 3)
            let updated = try await f.service.updateLag(
                UpdateLagRequest(lagId: lagId, encryptionMode: mode),
                in: f.scope
            )
            #expect(updated.encryptionMode == mode)
            #expect(updated.connections?.map(\.encryptionMode) == [mode, mode, mode])
            #expect(try await f.lag(lagId).encryptionMode == mode)
            for member in members {
                #expect(try await f.connection(member).encryptionMode == mode)
            }
        }
    }

    // MARK: Deletion

    @Test func deletingAConnectionRemovesItsKeysButNotItsSecrets() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let arn = try await f.associateKey(1, on: id)
            let deleted = try await f.service.deleteConnection(DeleteConnectionRequest(connectionId: id), in: f.scope)
            #expect(deleted.connectionState == .deleted)
            #expect((deleted.macSecKeys ?? []).isEmpty)
            await expectError(mentioning: ["Could not find Connection with ID \(id)"]) {
                try await f.connection(id)
            }
            #expect(try await f.secrets().map(\.arn) == [arn])
            let other = try await f.connectionId()
            let response = try await f.associate(other, secretARN: arn)
            #expect(response.macSecKeys?.map(\.secretARN) == [arn])
            #expect(response.macSecKeys?.map(\.ckn) == [Fixture.ckn(1)])
        }
    }

    @Test func deletingALagRemovesItsKeysButNotItsSecrets() async throws {
        try await Fixture.run { f in
            let (lagId, members) = try await f.lagIds()
            let arn = try await f.associateKey(1, on: lagId)
            let deleted = try await f.service.deleteLag(DeleteLagRequest(lagId: lagId), in: f.scope)
            #expect(deleted.lagState == .deleted)
            #expect((deleted.macSecKeys ?? []).isEmpty)
            await expectError(mentioning: ["Could not find Lag with ID \(lagId)"]) {
                try await f.lag(lagId)
            }
            for member in members {
                await expectError(mentioning: ["Could not find Connection with ID \(member)"]) {
                    try await f.connection(member)
                }
            }
            #expect(try await f.secrets().map(\.arn) == [arn])
            let other = try await f.connectionId()
            let response = try await f.associate(other, secretARN: arn)
            #expect(response.macSecKeys?.map(\.secretARN) == [arn])
        }
    }
}
