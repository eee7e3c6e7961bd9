import DirectConnect
import Foundation
import MKA
import ServiceKit
import Storage
import Testing

/// The pure rules: key states over time, port encryption status, key material, identifiers and sealing.
@Suite struct KeychainTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func key(
        associatedAfter: TimeInterval = 5,
        disassociatedAfter: TimeInterval? = nil
    ) -> KeyRecord {
        KeyRecord(
            secretARN: "arn:aws:secretsmanager:us-east-1:111122223333:secret:x-AbC123",
            ckn: String(repeating: "a", count: 64),
            startOn: t0,
            associatedAt: t0.addingTimeInterval(associatedAfter),
            disassociationRequestedAt: disassociatedAfter.map { _ in t0.addingTimeInterval(10) },
            disassociatedAt: disassociatedAfter.map { t0.addingTimeInterval($0) }
        )
    }

    // MARK: Key state

    @Test func keyIsAssociatingUntilItsAssociationCompletes() {
        let key = Self.key(associatedAfter: 5)
        #expect(Keychain.state(of: key, at: Self.t0) == .associating)
        #expect(Keychain.state(of: key, at: Self.t0.addingTimeInterval(4.999)) == .associating)
        #expect(Keychain.state(of: key, at: Self.t0.addingTimeInterval(5)) == .associated)
        #expect(Keychain.state(of: key, at: Self.t0.addingTimeInterval(1_000_000)) == .associated)
    }

    @Test func keyWithNoSettleTimeIsAssociatedAtOnce() {
        #expect(Keychain.state(of: Self.key(associatedAfter: 0), at: Self.t0) == .associated)
    }

    @Test func keyIsDisassociatingUntilItsRemovalCompletesThenGone() {
        let key = Self.key(associatedAfter: 5, disassociatedAfter: 15)
        #expect(Keychain.state(of: key, at: Self.t0.addingTimeInterval(10)) == .disassociating)
        #expect(Keychain.state(of: key, at: Self.t0.addingTimeInterval(14.999)) == .disassociating)
        #expect(Keychain.state(of: key, at: Self.t0.addingTimeInterval(15)) == nil)
        #expect(Keychain.state(of: key, at: Self.t0.addingTimeInterval(100)) == nil)
    }

    @Test func keyRemovedWhileStillAssociatingIsDisassociating() {
        let key = Self.key(associatedAfter: 20, disassociatedAfter: 30)
        #expect(Keychain.state(of: key, at: Self.t0.addingTimeInterval(15)) == .disassociating)
    }

    @Test func visibleAndActiveKeysKeepTheirOrder() {
        let associating = Self.key(associatedAfter: 50)
        let associated = Self.key(associatedAfter: 0)
        let disassociating = Self.key(associatedAfter: 0, disassociatedAfter: 50)
        let gone = Self.key(associatedAfter: 0, disassociatedAfter: 1)
        let keys = [associated, gone, disassociating, associating]
        let now = Self.t0.addingTimeInterval(10)
        #expect(Keychain.visible(keys, at: now) == [associated, disassociating, associating])
        #expect(Keychain.active(keys, at: now) == [associated, associating])
    }

    @Test func keychainHoldsAtMostThreeKeys() {
        #expect(Keychain.capacity == 3)
    }

    // MARK: Port encryption status

    @Test func portEncryptionIsUpWithAnAssociatedKeyAndAnEncryptingMode() {
        let now = Self.t0.addingTimeInterval(10)
        let associated = [Self.key(associatedAfter: 0)]
        #expect(Keychain.portEncryptionStatus(mode: .shouldEncrypt, keys: associated, at: now) == "Encryption Up")
        #expect(Keychain.portEncryptionStatus(mode: .mustEncrypt, keys: associated, at: now) == "Encryption Up")
    }

    @Test func portEncryptionIsDownOtherwise() {
        let now = Self.t0.addingTimeInterval(10)
        let associated = [Self.key(associatedAfter: 0)]
        #expect(Keychain.portEncryptionStatus(mode: .noEncrypt, keys: associated, at: now) == "Encryption Down")
        #expect(Keychain.portEncryptionStatus(mode: .mustEncrypt, keys: [], at: now) == "Encryption Down")
        let associating = [Self.key(associatedAfter: 50)]
        #expect(Keychain.portEncryptionStatus(mode: .mustEncrypt, keys: associating, at: now) == "Encryption Down")
        let disassociating = [Self.key(associatedAfter: 0, disassociatedAfter: 50)]
        #expect(
            Keychain.portEncryptionStatus(mode: .mustEncrypt, keys: disassociating, at: now) == "Encryption Down"
        )
        let gone = [Self.key(associatedAfter: 0, disassociatedAfter: 5)]
        #expect(Keychain.portEncryptionStatus(mode: .mustEncrypt, keys: gone, at: now) == "Encryption Down")
        // One associated key among others is enough.
        #expect(
            Keychain.portEncryptionStatus(mode: .shouldEncrypt, keys: associating + associated, at: now)
                == "Encryption Up"
        )
    }

    @Test func portStateSettlesToAvailable() {
        let state = SettlingState(transitional: .pending, settlesAt: Self.t0.addingTimeInterval(5))
        #expect(Keychain.portState(state, at: Self.t0) == .pending)
        #expect(Keychain.portState(state, at: Self.t0.addingTimeInterval(5)) == .available)
    }

    @Test func aSettledPortHeldDownIsDownAndDoesNotEncrypt() {
        let state = SettlingState(transitional: .pending, settlesAt: Self.t0.addingTimeInterval(5))
        // A port still settling shows its transition; once settled, `down`.
        #expect(Keychain.portState(state, portDown: true, at: Self.t0) == .pending)
        #expect(Keychain.portState(state, portDown: true, at: Self.t0.addingTimeInterval(5)) == .down)
        let associated = [Self.key(associatedAfter: 0)]
        let now = Self.t0.addingTimeInterval(10)
        #expect(
            Keychain.portEncryptionStatus(mode: .mustEncrypt, keys: associated, portDown: true, at: now)
                == "Encryption Down"
        )
    }

    static func member(_ id: String, down: Bool, settlesAfter seconds: TimeInterval = 0) -> ConnectionRecord {
        ConnectionRecord(
            id: id,
            kind: .connection,
            name: id,
            port: PortRecord(
                location: "EqDC2",
                bandwidth: "10Gbps",
                awsDevice: "d",
                awsDeviceV2: "d",
                awsLogicalDeviceId: "d",
                macSecCapable: true,
                encryptionMode: .shouldEncrypt
            ),
            vlan: 0,
            lagId: "dxlag-aaaaaaaa",
            state: SettlingState(transitional: .pending, settlesAt: Self.t0.addingTimeInterval(seconds)),
            portDownAt: down ? Self.t0 : nil,
            createdAt: Self.t0,
            tags: [],
            keys: []
        )
    }

    @Test func aLagIsDownOnceFewerMembersThanItsMinimumLinksAreUp() {
        let settled = SettlingState(transitional: .pending, settlesAt: Self.t0)
        let now = Self.t0.addingTimeInterval(10)
        let up = Self.member("dxcon-up", down: false)
        let down = Self.member("dxcon-down", down: true)
        #expect(Keychain.lagState(settled, members: [up, down], minimumLinks: 0, at: now) == .available)
        #expect(Keychain.lagState(settled, members: [up, down], minimumLinks: 1, at: now) == .available)
        #expect(Keychain.lagState(settled, members: [up, down], minimumLinks: 2, at: now) == .down)
        #expect(Keychain.lagState(settled, members: [down], minimumLinks: 0, at: now) == .down)
        // A member still settling works but is not up; a LAG none of whose members is held down keeps its own state
        // unless members are missing (deleted) below its minimum links.
        let settling = Self.member("dxcon-new", down: false, settlesAfter: 60)
        #expect(Keychain.lagState(settled, members: [settling, down], minimumLinks: 0, at: now) == .down)
        #expect(Keychain.lagState(settled, members: [settling, down], minimumLinks: 1, at: now) == .down)
        #expect(Keychain.lagState(settled, members: [settling], minimumLinks: 1, at: now) == .available)
        #expect(Keychain.lagState(settled, members: [up], minimumLinks: 2, at: now) == .down)
        #expect(Keychain.lagState(settled, members: [], minimumLinks: 1, at: now) == .down)
        #expect(Keychain.lagState(settled, members: [], minimumLinks: 0, at: now) == .available)
        #expect(
            Keychain.lagState(settled, members: [up], minimumLinks: 1, encryptionDown: ["dxcon-up"], at: now) == .down
        )
        let pending = SettlingState(transitional: .pending, settlesAt: now.addingTimeInterval(1))
        #expect(Keychain.lagState(pending, members: [down], minimumLinks: 0, at: now) == .pending)
    }

    // MARK: Key material

    @Test(arguments: [
        String(repeating: "0", count: 64),
        String(repeating: "f", count: 64),
        String(repeating: "F", count: 64),
        "0123456789abcdefABCDEF" + String(repeating: "e", count: 42),
        String(repeating: "aE", count: 32),
    ])
    func sixtyFourHexadecimalCharactersOfEitherCaseAreValid(_ value: String) {
        #expect(Keychain.isValidKeyMaterial(value))
    }

    @Test(arguments: [
        "",
        String(repeating: "a", count: 63),
        String(repeating: "a", count: 65),
        String(repeating: "a", count: 63) + "g",
        String(repeating: "a", count: 63) + "G",
        String(repeating: "a", count: 63) + " ",
        String(repeating: "a", count: 63) + "é",
        String(repeating: "a", count: 62) + "0x",
        "0x" + String(repeating: "a", count: 62),
        String(repeating: "a", count: 63) + "\u{FF10}",
    ])
    func anythingElseIsInvalidKeyMaterial(_ value: String) {
        #expect(!Keychain.isValidKeyMaterial(value))
    }

    // MARK: Identifiers

    @Test func newIdentifiersAreWellFormed() {
        for _ in 0..<200 {
            let connection = Identifiers.newConnectionId()
            let lag = Identifiers.newLagId()
            #expect(matches(connection, "dxcon-[a-z0-9]{8}"), "\(connection)")
            #expect(matches(lag, "dxlag-[a-z0-9]{8}"), "\(lag)")
            #expect(Identifiers.isWellFormed(connection))
            #expect(Identifiers.isWellFormed(lag))
        }
    }

    @Test func newIdentifiersAreRandom() {
        let ids = Set((0..<200).map { _ in Identifiers.newConnectionId() })
        #expect(ids.count == 200)
    }

    @Test(arguments: ["dxcon-fg31dyv6", "dxlag-ffjhj9lx", "dxcon-00000000", "dxlag-zzzzzzzz"])
    func realIdentifiersAreWellFormed(_ id: String) {
        #expect(Identifiers.isWellFormed(id))
    }

    @Test(arguments: [
        "", "dxcon-", "dxcon-fg31dyv", "dxcon-fg31dyv6a", "dxcon-FG31DYV6", "dxcon-fg31dy_6", "dxvif-fg31dyv6",
        "dxcon_fg31dyv6", "DXCON-fg31dyv6", " dxcon-fg31dyv6", "dxcon-fg31dyv6 ", "dxlag-ffjhj9l\u{00E9}",
    ])
    func malformedIdentifiersAreRefused(_ id: String) {
        #expect(!Identifiers.isWellFormed(id))
    }

    // MARK: Sealing

    static let keyData = Data(repeating: 7, count: 32)

    @Test func sealedValueOpensWithTheSameKeyAndContext() throws {
        let sealer = try #require(SecretSealer(keyData: Self.keyData))
        let plaintext = Data(#"{"CKN":"c","CAK":"topsecretcak"}"#.utf8)
        let sealed = try sealer.seal(plaintext, context: "arn:one").sealed
        #expect(sealed != plaintext)
        #expect(sealed.range(of: Data("topsecretcak".utf8)) == nil)
        #expect(try sealer.open(sealed, keyId: sealer.keyId, context: "arn:one") == plaintext)
        // A second sealer over the same key bytes (a restarted server) opens it too.
        let again = try #require(SecretSealer(keyData: Self.keyData))
        #expect(again.keyId == sealer.keyId)
        #expect(try again.open(sealed, keyId: sealer.keyId, context: "arn:one") == plaintext)
    }

    @Test func sealingTheSameValueTwiceGivesDifferentBytes() throws {
        let sealer = try #require(SecretSealer(keyData: Self.keyData))
        let plaintext = Data("value".utf8)
        #expect(try sealer.seal(plaintext, context: "c").sealed != sealer.seal(plaintext, context: "c").sealed)
    }

    @Test func sealedValueDoesNotOpenUnderAnotherContext() throws {
        let sealer = try #require(SecretSealer(keyData: Self.keyData))
        let sealed = try sealer.seal(Data("value".utf8), context: "arn:one").sealed
        #expect(throws: SecretSealer.SealError.self) {
            try sealer.open(sealed, keyId: sealer.keyId, context: "arn:two")
        }
        #expect(throws: SecretSealer.SealError.self) { try sealer.open(sealed, keyId: sealer.keyId, context: "") }
    }

    @Test func sealedValueDoesNotOpenUnderAnotherKey() throws {
        let sealer = try #require(SecretSealer(keyData: Self.keyData))
        let other = try #require(SecretSealer(keyData: Data(repeating: 8, count: 32)))
        #expect(other.keyId != sealer.keyId)
        let sealed = try sealer.seal(Data("value".utf8), context: "arn:one").sealed
        #expect(throws: SecretSealer.SealError.self) { try other.open(sealed, keyId: sealer.keyId, context: "arn:one") }
    }

    @Test func tamperedOrTruncatedValueDoesNotOpen() throws {
        let sealer = try #require(SecretSealer(keyData: Self.keyData))
        var sealed = try sealer.seal(Data("value".utf8), context: "arn:one").sealed
        let truncated = sealed.prefix(10)
        sealed[sealed.startIndex + 14] ^= 0x01
        #expect(throws: SecretSealer.SealError.self) {
            try sealer.open(sealed, keyId: sealer.keyId, context: "arn:one")
        }
        #expect(throws: SecretSealer.SealError.self) {
            try sealer.open(Data(truncated), keyId: sealer.keyId, context: "arn:one")
        }
    }

    @Test(arguments: [0, 16, 31, 33, 64])
    func sealerNeedsA256BitKey(_ count: Int) {
        #expect(SecretSealer(keyData: Data(repeating: 1, count: count)) == nil)
    }

    @Test func sealErrorCarriesNoDetail() {
        #expect(SecretSealer.SealError.failed.description == "a secret value could not be sealed or opened")
    }

    /// The times a port spends in `no_encrypt` are kept (its MKA device runs nothing then): the current one open, the
    /// earlier ones closed, the last 32 of them.
    @Test func aPortKeepsItsUnencryptedTimes() {
        var port = Self.member("dxcon-aaaaaaaa", down: false).port
        let at = { (seconds: TimeInterval) in Self.t0.addingTimeInterval(seconds) }
        #expect(port.plaintextSpans.isEmpty)
        port.setEncryptionMode(.noEncrypt, at: at(10))
        #expect(port.plaintextSpans == [.init(from: at(10), until: nil)])
        port.setEncryptionMode(.noEncrypt, at: at(15))
        port.setEncryptionMode(.mustEncrypt, at: at(20))
        #expect(port.plaintextSpans == [.init(from: at(10), until: at(20))])
        port.setEncryptionMode(.shouldEncrypt, at: at(25))
        port.setEncryptionMode(.noEncrypt, at: at(30))
        #expect(port.plaintextSpans == [.init(from: at(10), until: at(20)), .init(from: at(30), until: nil)])
        for round in 0..<40 {
            port.setEncryptionMode(.shouldEncrypt, at: at(100 + 10 * Double(round)))
            port.setEncryptionMode(.noEncrypt, at: at(105 + 10 * Double(round)))
        }
        #expect(port.pastPlaintext?.count == PortRecord.plaintextHistoryLimit)
        #expect(port.plaintextSpans.last == .init(from: at(495), until: nil))
    }
}
