import AWSJSONProtocol
import Foundation
import Testing

@testable import MKA

/// A port's link as a replay of what its two ends held over time (SPEC 12): read at any instant, from the start or
/// continuing an earlier read, it is the same link, and it follows a rotation with and without an outage.
@Suite struct MKATimelineTests {
    static let start = MKALinkTests.start
    static func at(_ seconds: TimeInterval) -> Date { start.addingTimeInterval(seconds) }

    static func timeline(
        device: [MKATimeline.DeviceKey],
        customer: [MKATimeline.CustomerConfiguration],
        outages: [MKATimeline.Outage] = [],
        deviceOff: [MKATimeline.Outage] = []
    ) -> MKATimeline {
        MKATimeline(
            deviceKeys: device,
            customer: customer,
            outages: outages,
            deviceOff: deviceOff,
            deviceSCI: .derived(from: "aws-device|dxcon-test"),
            customerSCI: .derived(from: "customer-router|dxcon-test"),
            deviceKeyServerPriority: 16,
            deviceSuites: [.gcmAESXPN256],
            timers: MKATimers()
        )
    }

    /// Key 1 on both ends from the start, with the given spans.
    static func oneKey(
        outages: [MKATimeline.Outage] = [],
        deviceOff: [MKATimeline.Outage] = []
    ) -> MKATimeline {
        timeline(
            device: [device(1, from: 0)],
            customer: [customer([1], at: 0)],
            outages: outages,
            deviceOff: deviceOff
        )
    }

    static func device(_ n: UInt8, from: TimeInterval, until: TimeInterval? = nil) -> MKATimeline.DeviceKey {
        let key = MKALinkTests.key(n)
        return .init(ckn: key.ckn, cak: key.cak, from: at(from), until: until.map(at))
    }

    static func customer(_ keys: [UInt8], at seconds: TimeInterval) -> MKATimeline.CustomerConfiguration {
        let keys = keys.map(MKALinkTests.key).map { MKATimeline.CustomerKey(ckn: $0.ckn, cak: $0.cak) }
        return .init(at: at(seconds), keys: keys, keyServerPriority: 16, cipherSuites: nil)
    }

    static func link(_ timeline: MKATimeline, at seconds: TimeInterval) throws -> MKALink {
        var replay = try #require(try MKAReplay(timeline, random: Xoshiro256StarStar(seed: timeline.seed(port: "p"))))
        try replay.advance(over: timeline, to: at(seconds))
        return replay.link
    }

    static func inUse(_ link: MKALink, _ side: MKALink.Side) -> UInt8? {
        link.inUse(side)?.configuration.ckn.first
    }

    /// The customer moves to the new key first, then AWS adds it, then the old key goes from both: secured at every
    /// step, on the newest key both hold.
    @Test func aRotationInTheRightOrderNeverLosesTheLink() throws {
        let timeline = Self.timeline(
            device: [Self.device(1, from: 0, until: 300), Self.device(2, from: 200)],
            customer: [Self.customer([1], at: 10), Self.customer([1, 2], at: 100), Self.customer([2], at: 400)]
        )
        for (seconds, key) in [(10.0, 1), (150, 1), (200, 2), (250, 2), (300, 2), (350, 2), (400, 2), (900, 2)] {
            let link = try Self.link(timeline, at: seconds)
            #expect(link.isSecured, "at \(seconds) s")
            #expect(Self.inUse(link, .device) == UInt8(key), "at \(seconds) s")
        }
    }

    /// AWS removes the old key before the customer has the new one: down the instant the old key goes, back once
    /// the customer takes the new key.
    @Test func removingTheOldKeyFirstDropsTheLinkUntilTheCustomerCatchesUp() throws {
        let timeline = Self.timeline(
            device: [Self.device(1, from: 0, until: 300), Self.device(2, from: 200)],
            customer: [Self.customer([1], at: 10), Self.customer([2], at: 500)]
        )
        #expect(try Self.link(timeline, at: 250).isSecured)
        #expect(try Self.inUse(Self.link(timeline, at: 250), .device) == 1)  // falls back to the working key
        #expect(try !Self.link(timeline, at: 300).isSecured)
        #expect(try !Self.link(timeline, at: 499).isSecured)
        #expect(try Self.link(timeline, at: 500).isSecured)
    }

    /// A customer that loses its keys is gone: the device's peer expires after the life time.
    @Test func aSilentCustomerExpiresAfterTheLifeTime() throws {
        let timeline = Self.timeline(
            device: [Self.device(1, from: 0)],
            customer: [Self.customer([1], at: 0), Self.customer([], at: 100)]
        )
        let before = try Self.link(timeline, at: 99)
        #expect(before.inUse(.device)?.livePeers.count == 1)
        let after = try Self.link(timeline, at: 100 + MKATimers().life + 0.001)
        #expect(after.inUse(.device) == nil)
        #expect(after.participants(.device).first?.livePeers.isEmpty == true)
    }

    /// Read at 60 s then at 400 s, over a timeline that changed after 60 s, the replay that continues ends where a
    /// replay from the start does; one that changed before it cannot continue.
    @Test func aContinuedReplayEqualsOneFromTheStart() throws {
        let early = Self.timeline(device: [Self.device(1, from: 0)], customer: [Self.customer([1], at: 10)])
        let later = Self.timeline(
            device: [Self.device(1, from: 0, until: 300), Self.device(2, from: 200)],
            customer: [Self.customer([1], at: 10), Self.customer([1, 2], at: 100)]
        )
        var replay = try #require(try MKAReplay(early, random: Xoshiro256StarStar(seed: early.seed(port: "p"))))
        try replay.advance(over: early, to: Self.at(60))
        #expect(replay.continues(later))
        try replay.advance(over: later, to: Self.at(400))
        let fresh = try Self.link(later, at: 400)
        #expect(replay.link.participants(.device) == fresh.participants(.device))
        #expect(replay.link.participants(.customer) == fresh.participants(.customer))
        let rewritten = Self.timeline(device: [Self.device(3, from: 0)], customer: [Self.customer([1], at: 10)])
        #expect(!replay.continues(rewritten))
    }

    /// The carrier going down silences both ends: the peers expire after the life time.
    @Test func aPortDownLosesTheLinkAfterTheLifeTime() throws {
        let timeline = Self.timeline(
            device: [Self.device(1, from: 0)],
            customer: [Self.customer([1], at: 0)],
            outages: [.init(from: Self.at(100), until: nil)]
        )
        #expect(try Self.link(timeline, at: 100).isSecured)
        #expect(try !Self.link(timeline, at: 100 + MKATimers().life + 0.001).isSecured)
    }

    /// An outage that ended stays in the replay: through it the ends are silent and lose each other; after it they
    /// find each other again and secure a new SAK, and a read during the outage continues into one after it.
    @Test func anOutageThatEndedIsReplayedAndTheLinkSecuresAgainAfterIt() throws {
        let down = Self.oneKey(outages: [.init(from: Self.at(100), until: nil)])
        let ended = Self.oneKey(outages: [.init(from: Self.at(100), until: Self.at(200))])
        let before = try Self.link(ended, at: 99)
        #expect(before.isSecured)
        #expect(try !Self.link(ended, at: 150).isSecured)
        #expect(try Self.link(ended, at: 150).participants(.device) == Self.link(down, at: 150).participants(.device))
        let after = try Self.link(ended, at: 230)
        #expect(after.isSecured)
        // A new SAK: the one from before the outage went with its peers.
        #expect(after.inUse(.device)?.latestKey?.sak != before.inUse(.device)?.latestKey?.sak)
        #expect(after.inUse(.device)?.securedSince ?? .distantPast > Self.at(200))
        var replay = try #require(try MKAReplay(down, random: Xoshiro256StarStar(seed: down.seed(port: "p"))))
        try replay.advance(over: down, to: Self.at(150))
        #expect(replay.continues(ended))
        try replay.advance(over: ended, to: Self.at(230))
        #expect(replay.link.participants(.device) == after.participants(.device))
    }

    /// A port in `no_encrypt` runs no MKA on the device: it has no participant through the span, so nothing is
    /// secured and the customer's peer expires; after it the device starts a new participant (a new member
    /// identifier) that secures a new SAK, and a read within the span continues into one after it.
    @Test func theDeviceRunsNoParticipantWhileItsPortIsUnencrypted() throws {
        let off = Self.oneKey(deviceOff: [.init(from: Self.at(100), until: nil)])
        let back = Self.oneKey(deviceOff: [.init(from: Self.at(100), until: Self.at(200))])
        let before = try Self.link(back, at: 99)
        #expect(before.isSecured)
        let during = try Self.link(back, at: 100 + MKATimers().life + 1)
        #expect(!during.isSecured && during.participants(.device).isEmpty)
        #expect(during.participants(.customer).first?.livePeers.isEmpty == true)
        let after = try Self.link(back, at: 200)
        #expect(after.isSecured)
        #expect(after.inUse(.device)?.memberIdentifier != before.inUse(.device)?.memberIdentifier)
        #expect(after.inUse(.device)?.latestKey?.sak != before.inUse(.device)?.latestKey?.sak)
        var replay = try #require(try MKAReplay(off, random: Xoshiro256StarStar(seed: off.seed(port: "p"))))
        try replay.advance(over: off, to: Self.at(150))
        #expect(replay.continues(back))
        try replay.advance(over: back, to: Self.at(230))
        #expect(try replay.link.participants(.device) == Self.link(back, at: 230).participants(.device))
    }
}
