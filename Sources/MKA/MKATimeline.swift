import Crypto
import Foundation

/// What a port's two ends held over time (SPEC 12): the device's keys, each from the instant its association
/// settled until its disassociation was asked for (or its secret went); the customer router's configurations, each
/// from the instant the operator set it; and the times the port was held down, the last perhaps still. The link at
/// any instant is a replay of this from its first configuration: a pure function of the timeline and a seed, so every
/// instance of the server that reads the same records shows the same link.
package struct MKATimeline: Hashable, Sendable {
    package struct DeviceKey: Hashable, Sendable {
        package var ckn: [UInt8]
        package var cak: [UInt8]
        package var from: Date
        package var until: Date?

        package init(ckn: [UInt8], cak: [UInt8], from: Date, until: Date?) {
            self.ckn = ckn
            self.cak = cak
            self.from = from
            self.until = until
        }

        func holds(at instant: Date) -> Bool { MKATimeline.span(from: from, until: until, holds: instant) }
    }

    /// One key of the customer's router.
    package struct CustomerKey: Hashable, Sendable {
        package var ckn: [UInt8]
        package var cak: [UInt8]

        package init(ckn: [UInt8], cak: [UInt8]) {
            self.ckn = ckn
            self.cak = cak
        }
    }

    /// One configuration of the customer's router, in force from `at` until the next.
    package struct CustomerConfiguration: Hashable, Sendable {
        package var at: Date
        package var keys: [CustomerKey]
        package var keyServerPriority: UInt8
        /// `nil`: every cipher suite the device offers.
        package var cipherSuites: [MKPDU.CipherSuite]?

        package init(at: Date, keys: [CustomerKey], keyServerPriority: UInt8, cipherSuites: [MKPDU.CipherSuite]?) {
            self.at = at
            self.keys = keys
            self.keyServerPriority = keyServerPriority
            self.cipherSuites = cipherSuites
        }
    }

    /// A span from `from` until `until` (`nil`: open): the port held down (both ends silent), or its device running no
    /// MKA.
    package struct Outage: Hashable, Sendable {
        package var from: Date
        package var until: Date?

        package init(from: Date, until: Date?) {
            self.from = from
            self.until = until
        }

        func holds(at instant: Date) -> Bool { MKATimeline.span(from: from, until: until, holds: instant) }
    }

    package var deviceKeys: [DeviceKey]
    /// Oldest first; the first begins the replay.
    package var customer: [CustomerConfiguration]
    /// Oldest first.
    package var outages: [Outage]
    /// The times the device runs no MKA (its port's mode is `no_encrypt`), oldest first: it has no participant
    /// then, while the customer's run on.
    package var deviceOff: [Outage]
    package var deviceSCI: MKPDU.SCI
    package var customerSCI: MKPDU.SCI
    package var deviceKeyServerPriority: UInt8
    /// The device's cipher suites, preferred first.
    package var deviceSuites: [MKPDU.CipherSuite]
    package var timers: MKATimers

    package init(
        deviceKeys: [DeviceKey],
        customer: [CustomerConfiguration],
        outages: [Outage],
        deviceOff: [Outage] = [],
        deviceSCI: MKPDU.SCI,
        customerSCI: MKPDU.SCI,
        deviceKeyServerPriority: UInt8,
        deviceSuites: [MKPDU.CipherSuite],
        timers: MKATimers
    ) {
        self.deviceKeys = deviceKeys
        self.customer = customer
        self.outages = outages
        self.deviceOff = deviceOff
        self.deviceSCI = deviceSCI
        self.customerSCI = customerSCI
        self.deviceKeyServerPriority = deviceKeyServerPriority
        self.deviceSuites = deviceSuites
        self.timers = timers
    }

    /// Whether `instant` is in the span from `from` up to (not including) `until`, open-ended without one.
    static func span(from: Date, until: Date?, holds instant: Date) -> Bool {
        from <= instant && until.map { instant < $0 } ?? true
    }

    /// Where the replay begins.
    package var start: Date? { customer.first?.at }

    /// The instants after `after` and up to `end` at which an end's keys or the carrier change, in order.
    func changes(after: Date, upTo end: Date) -> [Date] {
        var instants = Set<Date>()
        for key in deviceKeys {
            instants.insert(key.from)
            if let until = key.until { instants.insert(until) }
        }
        for configuration in customer { instants.insert(configuration.at) }
        for outage in outages + deviceOff {
            instants.insert(outage.from)
            if let until = outage.until { instants.insert(until) }
        }
        return instants.filter { $0 > after && $0 <= end }.sorted()
    }

    /// What the timeline says up to `instant`, and nothing of later changes: two timelines with the same prefix
    /// replay the same link up to that instant.
    package func prefix(upTo instant: Date) -> MKATimeline {
        var prefix = self
        prefix.deviceKeys = deviceKeys.compactMap { key in
            guard key.from <= instant else { return nil }
            var key = key
            if let until = key.until, until > instant { key.until = nil }
            return key
        }
        prefix.customer = customer.filter { $0.at <= instant }
        prefix.outages = Self.prefix(of: outages, upTo: instant)
        prefix.deviceOff = Self.prefix(of: deviceOff, upTo: instant)
        return prefix
    }

    static func prefix(of spans: [Outage], upTo instant: Date) -> [Outage] {
        spans.compactMap { span in
            guard span.from <= instant else { return nil }
            var span = span
            if let until = span.until, until > instant { span.until = nil }
            return span
        }
    }

    /// The participants' configurations of each end at `instant`: the device's keys oldest first, then the
    /// customer's in the order configured.
    func configurations(
        at instant: Date
    ) -> (device: [Participant.Configuration], customer: [Participant.Configuration]) {
        let off = deviceOff.contains { $0.holds(at: instant) }
        let device = deviceKeys.filter { !off && $0.holds(at: instant) }.sorted { $0.from < $1.from }.map {
            Participant.Configuration(
                ckn: $0.ckn,
                cak: $0.cak,
                sci: deviceSCI,
                keyServerPriority: deviceKeyServerPriority,
                cipherSuites: deviceSuites,
                timers: timers
            )
        }
        let current = customer.last { $0.at <= instant }
        let customer = (current?.keys ?? []).map { key in
            Participant.Configuration(
                ckn: key.ckn,
                cak: key.cak,
                sci: customerSCI,
                keyServerPriority: current?.keyServerPriority ?? 16,
                cipherSuites: current?.cipherSuites ?? deviceSuites,
                timers: timers
            )
        }
        return (device, customer)
    }
}

/// A replay of a timeline, advanced to an instant: the link, the generator it draws from, and the timeline it
/// replays. Advancing it again later, or over a timeline that only changed after its instant, continues where it
/// stopped and ends where a replay from the start would.
package struct MKAReplay<Generator: RandomNumberGenerator & Sendable>: Sendable {
    package private(set) var timeline: MKATimeline
    package private(set) var link: MKALink
    var random: Generator

    /// The replay at the timeline's start (its first customer configuration), or `nil` when it has none.
    package init?(_ timeline: MKATimeline, random: Generator) throws {
        guard let start = timeline.start else { return nil }
        self.timeline = timeline
        self.random = random
        link = MKALink(at: start)
        try apply(at: start)
    }

    /// Whether this replay can continue over `timeline` (it agrees with the one replayed up to the link's instant).
    package func continues(_ timeline: MKATimeline) -> Bool {
        timeline.prefix(upTo: link.now) == self.timeline.prefix(upTo: link.now)
    }

    /// Advances to `end` over `timeline` (the one replayed, or one that `continues`), applying each change as its
    /// instant comes.
    package mutating func advance(over timeline: MKATimeline, to end: Date) throws {
        self.timeline = timeline
        for instant in timeline.changes(after: link.now, upTo: end) {
            try link.run(until: instant, random: &random)
            try apply(at: instant)
        }
        try link.run(until: end, random: &random)
    }

    mutating func apply(at instant: Date) throws {
        let (device, customer) = timeline.configurations(at: instant)
        try link.setKeys(.device, device, random: &random)
        try link.setKeys(.customer, customer, random: &random)
        link.silent = timeline.outages.contains { $0.holds(at: instant) } ? [.device, .customer] : []
    }
}

extension MKATimeline {
    /// The seed of a port's replay: a digest of the port, the instant its first configuration took effect and that
    /// configuration's CAKs, so that it is the same on every instance and not guessable without the CAKs.
    package func seed(port: String) -> UInt64 {
        var hash = SHA256()
        hash.update(data: Array("dxlocal-mka|\(port)|".utf8))
        hash.update(data: Array(String(start?.timeIntervalSince1970 ?? 0).utf8))
        for key in customer.first?.keys ?? [] { hash.update(data: key.cak) }
        return hash.finalize().prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}

extension MKPDU.SCI {
    /// A locally administered unicast MAC address drawn from `name` (a port and its end), port identifier 1.
    package static func derived(from name: String) -> MKPDU.SCI {
        var mac = Array(SHA256.hash(data: Array(name.utf8)).prefix(6))
        mac[0] = mac[0] & 0xFC | 0x02
        return MKPDU.SCI(mac: mac)
    }

    /// `02:ab:…:ef/1`.
    package var text: String {
        mac.map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined(separator: ":") + "/\(port)"
    }
}

extension MKAKeys {
    /// The bytes of an even-length hexadecimal string, either case; `nil` for anything else.
    package static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    /// Lower-case hexadecimal.
    package static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: digit - 0x30
        case 0x41...0x46: digit - 0x37
        case 0x61...0x66: digit - 0x57
        default: nil
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
