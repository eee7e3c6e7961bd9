import Foundation

/// The two ends of one MACsec port, each a keychain of participants (one per CKN/CAK), exchanging MKPDUs in process
/// with no delay, driven to an instant by their own timers in time order (SPEC 12): the AWS device on one side, the
/// customer's router on the other. The device uses the newest of its keys whose CA is secured, which is AWS's
/// "falls back to the previous working key" while a newer one is not; the customer follows it. A plain value,
/// deterministic for a generator.
package struct MKALink: Hashable, Sendable {
    package enum Side: Int, Hashable, Sendable, CaseIterable {
        case device
        case customer
    }

    /// A frame sent, for the capture of the last MKPDUs.
    package struct Sent: Hashable, Sendable {
        package var at: Date
        package var side: Side
        package var frame: [UInt8]
    }

    package private(set) var ends: [[Participant]] = [[], []]
    /// Ends that send nothing (a router gone silent, a port down).
    package var silent: Set<Side> = []
    package private(set) var now: Date
    package private(set) var sent: [Sent] = []
    /// How many frames `sent` keeps.
    package var captureLimit = 64

    package init(at now: Date) {
        self.now = now
    }

    package func participants(_ side: Side) -> [Participant] { ends[side.rawValue] }

    /// The participant of the key in use on a side. The device uses the newest of its keys whose CA is secured; the
    /// customer the same CA when it is secured there too, whatever order it lists its keys in (our choice: one CA
    /// carries a link's traffic, so the ends agree), else the last listed whose CA is secured.
    package func inUse(_ side: Side) -> Participant? {
        let device = ends[Side.device.rawValue].last(where: \.isSecured)
        guard side == .customer else { return device }
        let customer = ends[Side.customer.rawValue]
        return customer.last { $0.isSecured && $0.configuration.ckn == device?.configuration.ckn }
            ?? customer.last(where: \.isSecured)
    }

    /// Whether the port encrypts: both ends use a secured key.
    package var isSecured: Bool { inUse(.device) != nil && inUse(.customer) != nil }

    /// Replaces a side's keychain: participants of keys kept stay as they are, new keys start a participant (oldest
    /// first, as the keychain lists them).
    package mutating func setKeys(
        _ side: Side,
        _ configurations: [Participant.Configuration],
        random: inout some RandomNumberGenerator
    ) throws {
        let current = ends[side.rawValue]
        ends[side.rawValue] = try configurations.map { configuration in
            if let kept = current.first(where: { $0.configuration == configuration }) { return kept }
            return try Participant(configuration, at: now, random: &random)
        }
    }

    /// Runs every timer up to `end`, in time order, delivering each frame to the other end at once. Once the link
    /// repeats itself every hello (nothing changes but message numbers and instants), whole hellos are skipped in
    /// one step, so that an hour costs what a few hellos do; the last two hellos before `end` run frame by frame,
    /// for the capture.
    package mutating func run(until end: Date, random: inout some RandomNumberGenerator) throws {
        var checkedAt: Date?
        while true {
            let next = Side.allCases.flatMap { ends[$0.rawValue].map(\.nextEvent) }.min()
            guard let next, next <= end else { break }
            if let hello = commonHello, checkedAt.map({ next.timeIntervalSince($0) >= hello }) ?? true {
                checkedAt = next
                // At most as many hellos a step as leave every message number short of wrapping (a few hellos
                // before, then frame by frame through the new member identifier): a longer stretch takes more steps.
                let headroom = Side.allCases.flatMap { ends[$0.rawValue].map(\.messageNumberHeadroom) }.min() ?? 0
                let periods = min(end.timeIntervalSince(now) / hello - 2, Double(headroom) - 2)
                if periods >= 1, let skip = UInt32(exactly: periods.rounded(.down)),
                    try repeatsEveryHello(random: random),
                    let advanced = advanced(by: skip, hello: hello)
                {
                    // The frames of the skipped hellos push the oldest out of the capture, as they would have.
                    let skipped =
                        Int(skip)
                        * Side.allCases.filter { !silent.contains($0) }
                        .reduce(0) { $0 + ends[$1.rawValue].count }
                    self = advanced
                    sent.removeFirst(min(sent.count, skipped))
                    continue
                }
            }
            now = max(now, next)
            try tickEvery(random: &random)
        }
        now = max(now, end)
    }

    /// The hello time of every participant, when they share one.
    var commonHello: TimeInterval? {
        let hellos = Set(ends.flatMap { $0.map(\.configuration.timers.hello) })
        return hellos.count == 1 ? hellos.first : nil
    }

    /// Whether one hello's run from here ends where `advanced(by: 1)` says: then every later hello does the same.
    func repeatsEveryHello(random: some RandomNumberGenerator) throws -> Bool {
        guard let hello = commonHello, let expected = advanced(by: 1, hello: hello) else { return false }
        var copy = self
        var random = random
        copy.captureLimit = 0
        try copy.stepFrameByFrame(until: now.addingTimeInterval(hello), random: &random)
        return copy.ends == expected.ends
    }

    /// The link `periods` hellos later, as a link that repeats itself every hello would be.
    func advanced(by periods: UInt32, hello: TimeInterval) -> MKALink? {
        var advanced = self
        for side in Side.allCases {
            let moved = ends[side.rawValue].compactMap { $0.advanced(by: periods) }
            guard moved.count == ends[side.rawValue].count else { return nil }
            advanced.ends[side.rawValue] = moved
        }
        advanced.now = now.addingTimeInterval(hello * Double(periods))
        return advanced
    }

    /// `run` without skipping.
    mutating func stepFrameByFrame(until end: Date, random: inout some RandomNumberGenerator) throws {
        while true {
            let next = Side.allCases.flatMap { ends[$0.rawValue].map(\.nextEvent) }.min()
            guard let next, next <= end else { break }
            now = max(now, next)
            try tickEvery(random: &random)
        }
        now = max(now, end)
    }

    mutating func tickEvery(random: inout some RandomNumberGenerator) throws {
        for side in Side.allCases {
            for index in ends[side.rawValue].indices {
                let frames = try ends[side.rawValue][index].tick(at: now, random: &random)
                try deliver(frames, from: side, random: &random)
            }
        }
    }

    /// Delivers frames from `side` to every participant of the other end, and their answers back, until none is left.
    mutating func deliver(_ frames: [[UInt8]], from side: Side, random: inout some RandomNumberGenerator) throws {
        var queue = frames.map { (side, $0) }
        while !queue.isEmpty {
            let (from, frame) = queue.removeFirst()
            guard !silent.contains(from) else { continue }
            if captureLimit > 0 {
                sent.append(Sent(at: now, side: from, frame: frame))
                if sent.count > captureLimit { sent.removeFirst(sent.count - captureLimit) }
            }
            let to: Side = from == .device ? .customer : .device
            guard !silent.contains(to) else { continue }
            for index in ends[to.rawValue].indices {
                let answers = try ends[to.rawValue][index].receive(frame, at: now, random: &random)
                queue += answers.map { (to, $0) }
            }
        }
    }
}
