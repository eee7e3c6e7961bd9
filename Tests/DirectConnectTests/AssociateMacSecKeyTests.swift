import AWSJSONProtocol
import DirectConnect
import DirectConnectModel
import Foundation
import ServiceKit
import Storage
import Testing

/// SPEC section 4: the checks of AssociateMacSecKey, in order, and its effect.
@Suite struct AssociateMacSecKeyTests {
    // MARK: Check 1

    @Test(arguments: [nil, ""] as [String?])
    func missingOrEmptyConnectionIdIsRefused(_ connectionId: String?) async throws {
        try await Fixture.run { f in
            _ = try await f.connectionId()
            try await f.expectRefusal(mentioning: ["connectionId"]) {
                try await f.service.associateMacSecKey(
                    AssociateMacSecKeyRequest(connectionId: connectionId, ckn: Fixture.ckn(1), cak: Fixture.cak(1)),
                    in: f.scope
                )
            }
        }
    }

    // MARK: Check 2

    /// A combination of key members that is not exactly one of `secretARN` or a CKN/CAK pair.
    struct Combination: Sendable, CustomTestStringConvertible {
        var name: String
        var secretARN: Bool
        var ckn: Bool
        var cak: Bool
        /// What the message must say of this combination.
        var problem: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        Combination(
            name: "none",
            secretARN: false,
            ckn: false,
            cak: false,
            problem: "Provide either secretARN or both ckn and cak"
        ),
        Combination(name: "secretARN with ckn", secretARN: true, ckn: true, cak: false, problem: "not both"),
        Combination(name: "secretARN with cak", secretARN: true, ckn: false, cak: true, problem: "not both"),
        Combination(name: "secretARN with ckn and cak", secretARN: true, ckn: true, cak: true, problem: "not both"),
        Combination(
            name: "ckn alone",
            secretARN: false,
            ckn: true,
            cak: false,
            problem: "A ckn was given without its cak"
        ),
        Combination(
            name: "cak alone",
            secretARN: false,
            ckn: false,
            cak: true,
            problem: "A cak was given without its ckn"
        ),
    ])
    func keyMembersMustBeASecretOrAPair(_ combination: Combination) async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            // A real, reusable secret, so that only the combination can be at fault.
            let other = try await f.connectionId()
            let arn = try await f.associateKey(9, on: other)
            try await f.expectRefusal(mentioning: [id, combination.problem]) {
                try await f.associate(
                    id,
                    ckn: combination.ckn ? Fixture.ckn(1) : nil,
                    cak: combination.cak ? Fixture.cak(1) : nil,
                    secretARN: combination.secretARN ? arn : nil
                )
            }
            #expect(try await f.keys(of: id).isEmpty)
        }
    }

    @Test func emptySecretARNIsRefused() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            try await f.expectRefusal(mentioning: [id, "secretARN"]) {
                try await f.associate(id, secretARN: "")
            }
        }
    }

    // MARK: Check 3

    static let badMaterial: [(String, String)] = [
        ("63 characters", String(repeating: "a", count: 63)),
        ("65 characters", String(repeating: "a", count: 65)),
        ("a non-hexadecimal g", String(repeating: "a", count: 63) + "g"),
        ("empty", ""),
    ]

    @Test(arguments: badMaterial.map(\.1))
    func cknMustBe64HexadecimalCharacters(_ ckn: String) async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            try await f.expectRefusal(mentioning: [id, "ckn", "64"]) {
                try await f.associate(id, ckn: ckn, cak: Fixture.cak(1))
            }
        }
    }

    @Test(arguments: badMaterial.map(\.1))
    func cakMustBe64HexadecimalCharacters(_ cak: String) async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            try await f.expectRefusal(mentioning: [id, "cak", "64"]) {
                try await f.associate(id, ckn: Fixture.ckn(1), cak: cak)
            }
        }
    }

    @Test func theMessageOfABadCakNeverContainsTheCak() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            for cak in [
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde",
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefff",
                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
            ] {
                let error = await expectError(mentioning: [id]) {
                    try await f.associate(id, ckn: Fixture.ckn(1), cak: cak)
                }
                #expect(error?.message.contains(cak) == false)
                #expect(error?.description.contains(cak) == false)
                // Not even a long fragment of it.
                #expect(error?.message.contains("0123456789abcdef") == false)
            }
        }
    }

    @Test func upperAndLowerCaseHexadecimalAreBothAccepted() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let upper = "ABCDEF" + String(repeating: "0", count: 57) + "1"
            let lower = "abcdef" + String(repeating: "0", count: 57) + "2"
            let mixed = "AbCdEf" + String(repeating: "9", count: 57) + "3"
            try await f.associate(id, ckn: upper, cak: upper)
            try await f.associate(id, ckn: lower, cak: lower)
            try await f.associate(id, ckn: mixed, cak: mixed)
            #expect(try await f.keys(of: id).map(\.ckn) == [upper, lower, mixed])
        }
    }

    // MARK: Check 4

    @Test func unknownConnectionIsNotFound() async throws {
        try await Fixture.run { f in
            _ = try await f.connectionId()
            try await f.expectRefusal(mentioning: ["Could not find Connection with ID dxcon-zzzzzzzz"]) {
                try await f.associate("dxcon-zzzzzzzz", ckn: Fixture.ckn(1), cak: Fixture.cak(1))
            }
        }
    }

    @Test func unknownLagIsNotFound() async throws {
        try await Fixture.run { f in
            _ = try await f.lagIds()
            try await f.expectRefusal(mentioning: ["Could not find Lag with ID dxlag-zzzzzzzz"]) {
                try await f.associate("dxlag-zzzzzzzz", ckn: Fixture.ckn(1), cak: Fixture.cak(1))
            }
        }
    }

    @Test func connectionOfAnotherAccountIsNotFound() async throws {
        try await Fixture.run { f in
            let theirs = try await f.connectionId(in: Fixture.otherAccount)
            try await f.expectRefusal(
                mentioning: ["Could not find Connection with ID \(theirs)"],
                scopes: [Fixture.scope, Fixture.otherAccount]
            ) {
                try await f.associate(theirs, ckn: Fixture.ckn(1), cak: Fixture.cak(1))
            }
        }
    }

    @Test func connectionOfAnotherRegionIsNotFound() async throws {
        try await Fixture.run { f in
            let theirs = try await f.connectionId(location: "EqSV5", in: Fixture.otherRegion)
            try await f.expectRefusal(
                mentioning: ["Could not find Connection with ID \(theirs)"],
                scopes: [Fixture.scope, Fixture.otherRegion]
            ) {
                try await f.associate(theirs, ckn: Fixture.ckn(1), cak: Fixture.cak(1))
            }
        }
    }

    @Test func lagOfAnotherAccountIsNotFound() async throws {
        try await Fixture.run { f in
            let theirs = try #require(try await f.createLag(in: Fixture.otherAccount).lagId)
            try await f.expectRefusal(
                mentioning: ["Could not find Lag with ID \(theirs)"],
                scopes: [Fixture.scope, Fixture.otherAccount]
            ) {
                try await f.associate(theirs, ckn: Fixture.ckn(1), cak: Fixture.cak(1))
            }
        }
    }

    @Test func macSecInterconnectTakesKeys() async throws {
        try await Fixture.run { f in
            let created = try await f.service.createInterconnect(
                CreateInterconnectRequest(
                    interconnectName: "ic",
                    bandwidth: "10Gbps",
                    location: "EqDC2",
                    requestMACSec: true
                ),
                in: f.scope
            )
            let id = try #require(created.interconnectId)
            #expect(created.macSecCapable == true)
            #expect(created.encryptionMode == "should_encrypt")
            let arn = try await f.associateKey(1, on: id)
            let described = try await f.service.describeInterconnects(
                DescribeInterconnectsRequest(interconnectId: id),
                in: f.scope
            )
            let interconnect = try #require(described.interconnects?.first)
            #expect(interconnect.macSecKeys?.map(\.secretARN) == [arn])
            #expect(interconnect.portEncryptionStatus == "Encryption Up")
        }
    }

    // MARK: Check 5

    @Test func connectionWithoutMacSecIsRefused() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId(macSec: false)
            let error = try await f.expectRefusal(mentioning: [id]) {
                try await f.associate(id, ckn: Fixture.ckn(1), cak: Fixture.cak(1))
            }
            #expect(error?.message.contains("MACsec") == true)
        }
    }

    @Test func lagWithoutMacSecIsRefused() async throws {
        try await Fixture.run { f in
            let (lagId, _) = try await f.lagIds(macSec: false)
            let error = try await f.expectRefusal(mentioning: [lagId]) {
                try await f.associate(lagId, ckn: Fixture.ckn(1), cak: Fixture.cak(1))
            }
            #expect(error?.message.contains("MACsec") == true)
        }
    }

    // MARK: Check 6

    @Test func connectionNotYetAvailableIsRefused() async throws {
        try await Fixture.run(settleTime: 5) { f in
            let id = try await f.connectionId()
            try await f.expectRefusal(
                mentioning: ["The port is not in available state to associate the key for account 111122223333", id]
            ) {
                try await f.associate(id, ckn: Fixture.ckn(1), cak: Fixture.cak(1))
            }
            f.clock.advance(by: 5)
            try await f.associate(id, ckn: Fixture.ckn(1), cak: Fixture.cak(1))
        }
    }

    @Test func lagNotYetAvailableIsRefused() async throws {
        try await Fixture.run(settleTime: 5) { f in
            let (lagId, _) = try await f.lagIds()
            try await f.expectRefusal(
                mentioning: ["The port is not in available state to associate the key for account 111122223333", lagId]
            ) {
                try await f.associate(lagId, ckn: Fixture.ckn(1), cak: Fixture.cak(1))
            }
        }
    }

    @Test func targetIsNotAvailableRightAfterAnAssociation() async throws {
        try await Fixture.run(settleTime: 5) { f in
            let id = try await f.connectionId()
            f.clock.advance(by: 5)
            try await f.associateKey(1, on: id)
            try await f.expectRefusal(
                mentioning: ["The port is not in available state to associate the key for account 111122223333", id]
            ) {
                try await f.associate(id, ckn: Fixture.ckn(2), cak: Fixture.cak(2))
            }
            f.clock.advance(by: 5)
            try await f.associateKey(2, on: id)
        }
    }

    // MARK: Check 7

    @Test func lagMemberIsRefused() async throws {
        try await Fixture.run { f in
            let (lagId, members) = try await f.lagIds()
            try await f.expectRefusal(mentioning: [members[0], lagId]) {
                try await f.associate(members[0], ckn: Fixture.ckn(1), cak: Fixture.cak(1))
            }
        }
    }

    // MARK: Check 8

    @Test func fourthKeyIsRefused() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            for n in 1...3 { try await f.associateKey(n, on: id) }
            try await f.expectRefusal(mentioning: [id, "already has 3 MACsec keys"]) {
                try await f.associate(id, ckn: Fixture.ckn(4), cak: Fixture.cak(4))
            }
            #expect(try await f.keys(of: id).count == 3)
        }
    }

    @Test func fourthKeyIsRefusedOnALag() async throws {
        try await Fixture.run { f in
            let (lagId, _) = try await f.lagIds()
            for n in 1...3 { try await f.associateKey(n, on: lagId) }
            try await f.expectRefusal(mentioning: [lagId, "already has 3 MACsec keys"]) {
                try await f.associate(lagId, ckn: Fixture.ckn(4), cak: Fixture.cak(4))
            }
        }
    }

    @Test func fourthKeyIsRefusedWhileThreeAreStillAssociating() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            for n in 1...3 { try await f.associateKey(n, on: id) }
            // Keys associating (their association completes in the future) on a target that is available:
            // the API cannot produce this with one settle time, so the stored record is moved there directly.
            try await f.store.transaction(.write) { transaction in
                var record = try #require(try await transaction.connection(id: id, in: Fixture.scope))
                for index in record.keys.indices {
                    record.keys[index].associatedAt = Fixture.start.addingTimeInterval(60)
                }
                try await transaction.save(record, in: Fixture.scope)
            }
            #expect(try await f.keys(of: id).map(\.state) == ["associating", "associating", "associating"])
            try await f.expectRefusal(mentioning: [id, "already has 3 MACsec keys"]) {
                try await f.associate(id, ckn: Fixture.ckn(4), cak: Fixture.cak(4))
            }
        }
    }

    @Test func fourthKeyIsAllowedOnceOneIsDisassociated() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            var arns: [String] = []
            for n in 1...3 { arns.append(try await f.associateKey(n, on: id)) }
            try await f.disassociate(id, secretARN: arns[1])
            try await f.associateKey(4, on: id)
            #expect(try await f.keys(of: id).map(\.ckn) == [Fixture.ckn(1), Fixture.ckn(3), Fixture.ckn(4)])
        }
    }

    @Test func fourthKeyIsAllowedOnceADisassociationHasSettled() async throws {
        try await Fixture.run(settleTime: 5) { f in
            let id = try await f.connectionId()
            var arns: [String] = []
            for n in 1...3 {
                f.clock.advance(by: 5)
                arns.append(try await f.associateKey(n, on: id))
            }
            f.clock.advance(by: 5)
            try await f.disassociate(id, secretARN: arns[0])
            f.clock.advance(by: 5)
            try await f.associateKey(4, on: id)
            #expect(try await f.keys(of: id).map(\.ckn) == [Fixture.ckn(2), Fixture.ckn(3), Fixture.ckn(4)])
        }
    }

    // MARK: Check 9

    @Test func sameCknInAnotherCaseIsRefused() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let ckn = "abcdef" + String(repeating: "0", count: 58)
            try await f.associate(id, ckn: ckn, cak: Fixture.cak(1))
            try await f.expectRefusal(mentioning: [id, "is already associated with"]) {
                try await f.associate(id, ckn: ckn.uppercased(), cak: Fixture.cak(2))
            }
            // The same pair again: only check 9 can refuse it (the managed secret would be reused).
            try await f.expectRefusal(mentioning: [id, "is already associated with"]) {
                try await f.associate(id, ckn: ckn, cak: Fixture.cak(1))
            }
            #expect(try await f.keys(of: id).map(\.ckn) == [ckn])
        }
    }

    /// The comparison check 9 makes agrees with comparing the two lowercased, for bytes that differ by case alone
    /// and for those that differ by the same bit but are no letters (`@` and a backquote, `[` and `{`).
    @Test func cknsCompareAsTheirLowercasedForms() {
        let pairs = [
            ("abcdef", "ABCDEF"), ("abc", "abd"), ("@", "`"), ("[", "{"), ("a1", "A1"), ("1", "!"), ("", ""),
            ("ab", "abc"), ("\u{C9}a", "\u{E9}A"), ("\u{C9}", "\u{C8}"), ("z", "Z"), ("^", "~"),
        ]
        for (first, second) in pairs {
            #expect(
                Keychain.sameKeyMaterial(first, second) == (first.lowercased() == second.lowercased()),
                "\(first) \(second)"
            )
        }
    }

    @Test func sameCknBySecretARNIsRefused() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let arn = try await f.associateKey(1, on: id)
            try await f.expectRefusal(mentioning: [id, "is already associated with"]) {
                try await f.associate(id, secretARN: arn)
            }
            #expect(try await f.keys(of: id).map(\.secretARN) == [arn])
        }
    }

    // MARK: Check 10

    @Test func unknownSecretARNIsRefused() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let arn =
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:directconnect!prod/us-east-1/"
                + "directconnect/\(Fixture.ckn(1))-AbC123"
            try await f.expectRefusal(mentioning: [arn]) {
                try await f.associate(id, secretARN: arn)
            }
        }
    }

    @Test func secretOfAnotherAccountIsRefused() async throws {
        try await Fixture.run { f in
            let theirs = try await f.connectionId(in: Fixture.otherAccount)
            let arn = try await f.associateKey(1, on: theirs, in: Fixture.otherAccount)
            try await f.disassociate(theirs, secretARN: arn, in: Fixture.otherAccount)
            let id = try await f.connectionId()
            try await f.expectRefusal(mentioning: [arn], scopes: [Fixture.scope, Fixture.otherAccount]) {
                try await f.associate(id, secretARN: arn)
            }
        }
    }

    @Test func secretOfAnotherRegionIsRefused() async throws {
        try await Fixture.run { f in
            let theirs = try await f.connectionId(location: "EqSV5", in: Fixture.otherRegion)
            let arn = try await f.associateKey(1, on: theirs, in: Fixture.otherRegion)
            let id = try await f.connectionId()
            try await f.expectRefusal(mentioning: [arn], scopes: [Fixture.scope, Fixture.otherRegion]) {
                try await f.associate(id, secretARN: arn)
            }
        }
    }

    @Test func secretTheUserMadeIsRefused() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:mine-AbC123"
            try await f.store.transaction(.write) { transaction in
                try await transaction.save(
                    SecretRecord(
                        arn: arn,
                        name: "mine",
                        owningService: nil,
                        ckn: nil,
                        versions: [],
                        createdAt: Fixture.start,
                        lastChangedAt: Fixture.start,
                        deletionDate: nil,
                        tags: []
                    ),
                    in: Fixture.scope
                )
            }
            try await f.expectRefusal(mentioning: [arn, id]) {
                try await f.associate(id, secretARN: arn)
            }
        }
    }

    @Test func secretScheduledForDeletionIsRefused() async throws {
        try await Fixture.run { f in
            let first = try await f.connectionId()
            let arn = try await f.associateKey(1, on: first)
            try await f.disassociate(first, secretARN: arn)
            try await f.store.transaction(.write) { transaction in
                var secret = try #require(try await transaction.secret(arn: arn, in: Fixture.scope))
                secret.deletionDate = Fixture.start.addingTimeInterval(30 * 86400)
                try await transaction.save(secret, in: Fixture.scope)
            }
            let id = try await f.connectionId()
            try await f.expectRefusal(mentioning: [arn, id]) {
                try await f.associate(id, secretARN: arn)
            }
        }
    }

    // MARK: Order of the checks

    @Test func connectionIdIsCheckedBeforeTheKeyMembers() async throws {
        try await Fixture.run { f in
            let error = try await f.expectRefusal(mentioning: ["connectionId"]) {
                try await f.associate("")
            }
            #expect(error?.message.contains("secretARN") == false)
        }
    }

    @Test func keyMembersAreCheckedBeforeTheKeyMaterial() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let error = try await f.expectRefusal(mentioning: [id, "cak"]) {
                try await f.associate(id, ckn: "not hexadecimal")
            }
            // The random ID may itself hold "64": only the rest of the message must not name the key's length.
            #expect(error?.message.replacing(id, with: "").contains("64") == false)
        }
    }

    @Test func keyMaterialIsCheckedBeforeTheTargetIsLookedUp() async throws {
        try await Fixture.run { f in
            let error = try await f.expectRefusal(mentioning: ["dxcon-zzzzzzzz", "64"]) {
                try await f.associate("dxcon-zzzzzzzz", ckn: Fixture.ckn(1), cak: "short")
            }
            #expect(error?.message.contains("Could not find") == false)
        }
    }

    @Test func capabilityIsCheckedBeforeAvailability() async throws {
        try await Fixture.run(settleTime: 5) { f in
            let id = try await f.connectionId(macSec: false)
            let error = try await f.expectRefusal(mentioning: [id, "MACsec"]) {
                try await f.associate(id, ckn: Fixture.ckn(1), cak: Fixture.cak(1))
            }
            #expect(error?.message.contains("not in available state") == false)
        }
    }

    @Test func availabilityIsCheckedBeforeLagMembership() async throws {
        try await Fixture.run(settleTime: 5) { f in
            let (_, members) = try await f.lagIds()
            try await f.expectRefusal(
                mentioning: ["The port is not in available state to associate the key for account 111122223333"]
            ) {
                try await f.associate(members[0], ckn: Fixture.ckn(1), cak: Fixture.cak(1))
            }
        }
    }

    @Test func capacityIsCheckedBeforeADuplicateCkn() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            for n in 1...3 { try await f.associateKey(n, on: id) }
            let error = try await f.expectRefusal(mentioning: [id]) {
                try await f.associate(id, ckn: Fixture.ckn(1), cak: Fixture.cak(1))
            }
            #expect(error?.message.contains(Fixture.ckn(1)) == false)
        }
    }

    @Test func capacityIsCheckedBeforeTheSecret() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            for n in 1...3 { try await f.associateKey(n, on: id) }
            let unknown = "arn:aws:secretsmanager:us-east-1:111122223333:secret:nothing-AbC123"
            let error = try await f.expectRefusal(mentioning: [id]) {
                try await f.associate(id, secretARN: unknown)
            }
            #expect(error?.message.contains(unknown) == false)
        }
    }

    // MARK: Effect

    @Test func newKeyIsAppendedLast() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            try await f.associateKey(1, on: id)
            try await f.associateKey(2, on: id)
            let response = try await f.associate(id, ckn: Fixture.ckn(3), cak: Fixture.cak(3))
            #expect(response.macSecKeys?.last?.ckn == Fixture.ckn(3))
            #expect(try await f.keys(of: id).last?.ckn == Fixture.ckn(3))
        }
    }

    @Test func responseHoldsTheWholeKeychain() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let first = try await f.associateKey(1, on: id)
            let response = try await f.associate(id, ckn: Fixture.ckn(2), cak: Fixture.cak(2))
            #expect(response.connectionId == id)
            let keys = try #require(response.macSecKeys)
            #expect(keys.map(\.ckn) == [Fixture.ckn(1), Fixture.ckn(2)])
            #expect(keys.first?.secretARN == first)
            // SPEC 4: the new key is answered associating; the next read (settle time 0) shows it associated.
            #expect(keys.map(\.state) == ["associated", "associating"])
            let read = try await f.keys(of: id)
            #expect(read.map(\.state) == ["associated", "associated"])
            #expect(read.map(\.secretARN) == keys.map(\.secretARN))
            #expect(read.map(\.startOn) == keys.map(\.startOn))
        }
    }

    @Test func startOnIsTheClocksTimeInUTCISO8601() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            f.clock.advance(by: 3600 + 61)
            let response = try await f.associate(id, ckn: Fixture.ckn(1), cak: Fixture.cak(1))
            #expect(response.macSecKeys?.last?.startOn == "2027-01-15T09:01:01Z")
            #expect(try await f.keys(of: id).last?.startOn == "2027-01-15T09:01:01Z")
        }
    }

    @Test func secretARNIsTheManagedSecretsARN() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let ckn = Fixture.ckn(1)
            let arn = try await f.associateKey(1, on: id)
            let prefix =
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:"
                + "directconnect!prod/us-east-1/directconnect/\(ckn)-"
            #expect(matches(arn, NSRegularExpression.literal(prefix) + "[A-Za-z0-9]{6}"), "\(arn)")
        }
    }

    @Test func managedSecretHoldsThePairSealed() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let arn = try await f.associateKey(1, on: id)
            let secrets = try await f.secrets()
            #expect(secrets.count == 1)
            let secret = try #require(secrets.first)
            #expect(secret.arn == arn)
            #expect(secret.name == "directconnect!prod/us-east-1/directconnect/\(Fixture.ckn(1))")
            #expect(secret.owningService == "directconnect")
            #expect(secret.tags.contains(TagRecord(key: "aws:secretsmanager:owningService", value: "directconnect")))
            #expect(secret.deletionDate == nil)
            // Sealed, not plain.
            let version = try #require(secret.versions.last)
            #expect(secret.versions.count == 1)
            #expect(version.stages == ["AWSCURRENT"])
            #expect(!String(decoding: version.sealedValue, as: UTF8.self).contains(Fixture.cak(1)))
            let sealer = try #require(SecretSealer(keyData: Data(repeating: 7, count: 32)))
            let payload = try SecretVault(sealer: sealer).open(version, arn: secret.arn)
            let value = try JSONDecoder().decode(MacSecSecretValue.self, from: Data((payload.string ?? "").utf8))
            #expect(value.ckn == Fixture.ckn(1))
            #expect(value.cak == Fixture.cak(1))
            #expect(payload.string == #"{"CKN":"\#(Fixture.ckn(1))","CAK":"\#(Fixture.cak(1))"}"#)
        }
    }

    @Test func lagKeysAppearOnEveryMember() async throws {
        try await Fixture.run { f in
            let (lagId, members) = try await f.lagIds(members: 3)
            _ = try await f.service.updateLag(
                UpdateLagRequest(lagId: lagId, encryptionMode: "must_encrypt"),
                in: f.scope
            )
            try await f.associateKey(1, on: lagId)
            let response = try await f.associate(lagId, ckn: Fixture.ckn(2), cak: Fixture.cak(2))
            #expect(response.connectionId == lagId)
            let lagKeys = try await f.keys(of: lagId)
            #expect(lagKeys.map(\.ckn) == [Fixture.ckn(1), Fixture.ckn(2)])
            #expect(lagKeys.map(\.state) == ["associated", "associated"])
            #expect(response.macSecKeys?.map(\.state) == ["associated", "associating"])
            #expect(response.macSecKeys?.map(\.secretARN) == lagKeys.map(\.secretARN))
            for member in members {
                let connection = try await f.connection(member)
                #expect(connection.macSecKeys == lagKeys, "\(member)")
                #expect(connection.encryptionMode == "must_encrypt", "\(member)")
                #expect(connection.portEncryptionStatus == "Encryption Up", "\(member)")
            }
            // The LAG's own description of its members says the same.
            for member in try await f.lag(lagId).connections ?? [] {
                #expect(member.macSecKeys == lagKeys)
                #expect(member.encryptionMode == "must_encrypt")
            }
        }
    }

    @Test func secretCanBeAssociatedAgainWithTheSameTargetAfterDisassociation() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let arn = try await f.associateKey(1, on: id)
            try await f.disassociate(id, secretARN: arn)
            #expect(try await f.keys(of: id).isEmpty)
            let response = try await f.associate(id, secretARN: arn)
            #expect(response.macSecKeys?.map(\.secretARN) == [arn])
            #expect(response.macSecKeys?.map(\.ckn) == [Fixture.ckn(1)])
            #expect(try await f.secrets().count == 1)
        }
    }

    @Test func secretCanBeAssociatedWithAnotherTargetAfterDisassociation() async throws {
        try await Fixture.run { f in
            let first = try await f.connectionId()
            let arn = try await f.associateKey(1, on: first)
            try await f.disassociate(first, secretARN: arn)
            let second = try await f.connectionId()
            let response = try await f.associate(second, secretARN: arn)
            #expect(response.macSecKeys?.map(\.secretARN) == [arn])
            let (lagId, _) = try await f.lagIds()
            let onLag = try await f.associate(lagId, secretARN: arn)
            #expect(onLag.macSecKeys?.map(\.secretARN) == [arn])
            #expect(try await f.secrets().count == 1)
        }
    }

    @Test func sameCknWithADifferentCakOnASecondTargetIsRefused() async throws {
        try await Fixture.run { f in
            let first = try await f.connectionId()
            try await f.associateKey(1, on: first)
            let second = try await f.connectionId()
            let error = try await f.expectRefusal(mentioning: [second]) {
                try await f.associate(second, ckn: Fixture.ckn(1), cak: Fixture.cak(2))
            }
            #expect(error?.message.contains(Fixture.cak(2)) == false)
            #expect(error?.message.contains(Fixture.cak(1)) == false)
        }
    }
}
