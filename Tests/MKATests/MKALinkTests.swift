import AWSJSONProtocol
import Foundation
import Testing

@testable import MKA

/// The protocol between the AWS device and the customer's router, in process, on a virtual clock (SPEC 12,
/// `reference/mka.md` §§1.3-1.9): secured with matching keys, never with a CAK mismatch, a CKN mismatch ignored, a
/// silent peer expiring after the life time, and a key rotation with and without an outage.
@Suite struct MKALinkTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static let deviceMAC: [UInt8] = [0x02, 0xAA, 0, 0, 0, 1]
    static let customerMAC: [UInt8] = [0x02, 0xCC, 0, 0, 0, 1]

    static func key(_ n: UInt8) -> (ckn: [UInt8], cak: [UInt8]) {
        (Array(repeating: n, count: 32), Array(repeating: n &+ 0x80, count: 32))
    }

    static func configuration(
        _ key: (ckn: [UInt8], cak: [UInt8]),
        mac: [UInt8],
        priority: UInt8,
        suites: [MKPDU.CipherSuite] = [.gcmAES256]
    ) -> Participant.Configuration {
        .init(ckn: key.ckn, cak: key.cak, sci: .init(mac: mac), keyServerPriority: priority, cipherSuites: suites)
    }

    struct Scene {
        var link = MKALink(at: MKALinkTests.start)
        var random = Xoshiro256StarStar(seed: 7)

        mutating func keys(
            _ side: MKALink.Side,
            _ keys: [(ckn: [UInt8], cak: [UInt8])],
            suites: [MKPDU.CipherSuite] = [.gcmAES256]
        ) throws {
            let mac = side == .device ? MKALinkTests.deviceMAC : MKALinkTests.customerMAC
            let priority: UInt8 = side == .device ? 16 : 32
            try link.setKeys(
                side,
                keys.map { MKALinkTests.configuration($0, mac: mac, priority: priority, suites: suites) },
                random: &random
            )
        }

        mutating func run(for seconds: TimeInterval) throws {
            try link.run(until: link.now.addingTimeInterval(seconds), random: &random)
        }
    }

    @Test func matchingKeysSecureWithinAHelloAndTheDeviceIsKeyServer() throws {
        var scene = Scene()
        try scene.keys(.device, [Self.key(1)])
        try scene.keys(.customer, [Self.key(1)])
        try scene.run(for: 0)
        #expect(scene.link.isSecured)
        let device = try #require(scene.link.inUse(.device))
        let customer = try #require(scene.link.inUse(.customer))
        #expect(device.isKeyServer && !customer.isKeyServer)
        #expect(device.latestKey?.sak == customer.latestKey?.sak)
        #expect(device.latestKey?.cipherSuite == .gcmAES256)
        // Every frame sent decodes, and verifies under the CA's ICK.
        let ick = try MKAKeys.ick(cak: Self.key(1).cak, ckn: Self.key(1).ckn)
        for sent in scene.link.sent { #expect(try MKPDU.decode(sent.frame).verifies(ick: ick)) }
        // Hellos go on; nothing changes over a minute.
        try scene.run(for: 60)
        #expect(scene.link.isSecured)
        #expect(scene.link.inUse(.device)?.securedSince == device.securedSince)
    }

    @Test func aCAKMismatchNeverMakesAPeerAndACKNMismatchIsIgnored() throws {
        var scene = Scene()
        try scene.keys(.device, [Self.key(1)])
        var wrongCAK = Self.key(1)
        wrongCAK.cak[0] ^= 1
        try scene.keys(.customer, [wrongCAK])
        try scene.run(for: 30)
        #expect(!scene.link.isSecured)
        #expect(scene.link.participants(.device)[0].livePeers.isEmpty)
        #expect(scene.link.participants(.device)[0].potentialPeers.isEmpty)
        try scene.keys(.customer, [Self.key(2)])
        try scene.run(for: 30)
        #expect(!scene.link.isSecured)
        #expect(scene.link.participants(.customer)[0].potentialPeers.isEmpty)
    }

    @Test func aSilentCustomerExpiresAfterTheLifeTime() throws {
        var scene = Scene()
        try scene.keys(.device, [Self.key(1)])
        try scene.keys(.customer, [Self.key(1)])
        try scene.run(for: 0)
        #expect(scene.link.isSecured)
        // Last heard at the start: live until the life time (6 s) has passed since.
        scene.link.silent = [.customer]
        try scene.run(for: 5.9)
        #expect(scene.link.inUse(.device) != nil)
        try scene.run(for: 0.2)
        #expect(scene.link.inUse(.device) == nil)
        #expect(scene.link.participants(.device)[0].livePeers.isEmpty)
        // Back at the next hello (8 s).
        scene.link.silent = []
        try scene.run(for: 2.0)
        #expect(scene.link.isSecured)
    }

    @Test func aRotationWhereTheCustomerMovesFirstKeepsThePortSecured() throws {
        var scene = Scene()
        try scene.keys(.device, [Self.key(1)])
        try scene.keys(.customer, [Self.key(1)])
        try scene.run(for: 1)
        // AWS associates the new key: the device runs both, keeps K1 in use.
        try scene.keys(.device, [Self.key(1), Self.key(2)])
        try scene.run(for: 4)
        #expect(scene.link.inUse(.device)?.configuration.ckn == Self.key(1).ckn)
        // The customer adds K2 beside K1: K2 secures, and is the newest in use on both ends.
        try scene.keys(.customer, [Self.key(1), Self.key(2)])
        for _ in 0..<20 {
            try scene.run(for: 0.5)
            #expect(scene.link.isSecured)
        }
        #expect(scene.link.inUse(.device)?.configuration.ckn == Self.key(2).ckn)
        // Then K1 goes from both: nothing drops.
        try scene.keys(.customer, [Self.key(2)])
        try scene.keys(.device, [Self.key(2)])
        for _ in 0..<20 {
            try scene.run(for: 0.5)
            #expect(scene.link.isSecured)
        }
    }

    /// A customer listing its keys newest first uses the CA the device uses, not the last one it lists: the two ends
    /// never report different keys in use.
    @Test func bothEndsUseTheDevicesKeyWhateverOrderTheCustomerListsItsKeysIn() throws {
        var scene = Scene()
        try scene.keys(.device, [Self.key(1), Self.key(2)])
        try scene.keys(.customer, [Self.key(2), Self.key(1)])
        try scene.run(for: 4)
        let customerSecured = scene.link.participants(.customer).map(\.isSecured)
        #expect(customerSecured == [true, true])
        #expect(scene.link.inUse(.device)?.configuration.ckn == Self.key(2).ckn)
        #expect(scene.link.inUse(.customer)?.configuration.ckn == Self.key(2).ckn)
        // The device falls back to K1 once K2 goes from it; the customer follows.
        try scene.keys(.device, [Self.key(1)])
        try scene.run(for: 4)
        #expect(scene.link.inUse(.device)?.configuration.ckn == Self.key(1).ckn)
        #expect(scene.link.inUse(.customer)?.configuration.ckn == Self.key(1).ckn)
    }

    @Test func removingTheOldKeyBeforeTheCustomerHasTheNewOneDropsThePort() throws {
        var scene = Scene()
        try scene.keys(.device, [Self.key(1)])
        try scene.keys(.customer, [Self.key(1)])
        try scene.run(for: 1)
        try scene.keys(.device, [Self.key(2)])
        try scene.run(for: 0.1)
        #expect(!scene.link.isSecured)
        try scene.run(for: 30)
        #expect(!scene.link.isSecured)
        // The customer catches up: secured again within a hello.
        try scene.keys(.customer, [Self.key(2)])
        try scene.run(for: 2.1)
        #expect(scene.link.isSecured)
    }

    @Test func aCipherSuiteTheCustomerLacksIsNotUsed() throws {
        var scene = Scene()
        try scene.keys(.device, [Self.key(1)], suites: [.gcmAESXPN256])
        try scene.keys(.customer, [Self.key(1)], suites: [.gcmAES256])
        try scene.run(for: 10)
        #expect(!scene.link.isSecured)
        var offered = Scene()
        try offered.keys(.device, [Self.key(1)], suites: [.gcmAESXPN256, .gcmAES256])
        try offered.keys(.customer, [Self.key(1)], suites: [.gcmAES256])
        try offered.run(for: 1)
        #expect(offered.link.isSecured)
        #expect(offered.link.inUse(.device)?.latestKey?.cipherSuite == .gcmAES256)
    }
}

/// The skip over hellos that repeat themselves ends exactly where running frame by frame does.
@Suite struct MKALinkFastForwardTests {
    typealias Scene = MKALinkTests.Scene

    static func equivalent(_ build: (inout Scene) throws -> Void, for seconds: TimeInterval) throws -> (Scene, Scene) {
        var skipping = Scene()
        try build(&skipping)
        var stepping = skipping
        try skipping.run(for: seconds)
        try stepping.link.stepFrameByFrame(
            until: stepping.link.now.addingTimeInterval(seconds),
            random: &stepping.random
        )
        return (skipping, stepping)
    }

    @Test func twentyMinutesOfASecuredLinkAreSkippedToTheSameState() throws {
        let (skipping, stepping) = try Self.equivalent(
            { scene in
                try scene.keys(.device, [MKALinkTests.key(1), MKALinkTests.key(2)])
                try scene.keys(.customer, [MKALinkTests.key(2)])
                try scene.run(for: 0)
            },
            for: 1_200
        )
        #expect(skipping.link.ends == stepping.link.ends)
        #expect(skipping.link.now == stepping.link.now)
        #expect(skipping.link.isSecured)
        // 600 hellos each: the message numbers say so.
        #expect((skipping.link.inUse(.device)?.messageNumber ?? 0) > 600)
        // Hellos were skipped (the capture has fewer frames than frame by frame) but the last two ran frame by
        // frame: the capture holds them, and nothing older.
        #expect(skipping.link.sent.count >= 4 && skipping.link.sent.count < stepping.link.sent.count)
        #expect(skipping.link.sent.allSatisfy { $0.at > skipping.link.now.addingTimeInterval(-4.01) })
    }

    @Test func aChangeAfterALongQuietSpellPlaysOutAsItWouldFrameByFrame() throws {
        var (skipping, stepping) = try Self.equivalent(
            { scene in
                try scene.keys(.device, [MKALinkTests.key(1)])
                var wrong = MKALinkTests.key(1)
                wrong.cak[3] ^= 1
                try scene.keys(.customer, [wrong])
            },
            for: 1_000
        )
        #expect(skipping.link.ends == stepping.link.ends)
        #expect(!skipping.link.isSecured)
        try skipping.keys(.customer, [MKALinkTests.key(1)])
        try stepping.keys(.customer, [MKALinkTests.key(1)])
        try skipping.run(for: 500)
        try stepping.link.stepFrameByFrame(until: stepping.link.now.addingTimeInterval(500), random: &stepping.random)
        #expect(skipping.link.ends == stepping.link.ends)
        #expect(skipping.link.isSecured)
        skipping.link.silent = [.customer]
        stepping.link.silent = [.customer]
        try skipping.run(for: 100)
        try stepping.link.stepFrameByFrame(until: stepping.link.now.addingTimeInterval(100), random: &stepping.random)
        #expect(skipping.link.ends == stepping.link.ends)
        #expect(!skipping.link.isSecured)
    }

    @Test func messageNumbersNeverWrapTheMemberIdentifiersChangeAndTheLinkStaysSecured() throws {
        var scene = Scene()
        try scene.keys(.device, [MKALinkTests.key(1)])
        try scene.keys(.customer, [MKALinkTests.key(1)])
        try scene.run(for: 10)
        #expect(scene.link.isSecured)
        let before = [MKALink.Side.device, .customer].map { scene.link.participants($0)[0].memberIdentifier }
        // More than 2^32 hellos of 2 s: skipped up to a few hellos short of the wrap, stepped through it, skipped on.
        try scene.run(for: 2 * (Double(UInt32.max) + 1_000))
        let after = [MKALink.Side.device, .customer].map { scene.link.participants($0)[0] }
        #expect(after.map(\.memberIdentifier) != before)
        #expect(after.allSatisfy { $0.messageNumber < 10_000 })
        #expect(scene.link.isSecured)
    }
}
