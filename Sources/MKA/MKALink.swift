import Foundation

/// The two ends of one MACsec port, each a keychain of participants (one per CKN/CAK), exchanging MKPDUs in process
/// with no delay, driven to an instant by their own timers in time order (SPEC 12): the AWS device on one side, the
/// customer's router on the other. Each end uses the newest of its keys whose CA is secured, which is AWS's
/// "falls back to the previous working key" while a newer one is not. A plain value, deterministic for a generator.
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

    /// The participant of the key in use on a side: the newest whose CA is secured.
    package func inUse(_ side: Side) -> Participant? { ends[side.rawValue].last(where: \.isSecured) }

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

    /// Runs every timer up to `end`, in time order, delivering each frame to the other end at once.
    package mutating func run(until end: Date, random: inout some RandomNumberGenerator) throws {
        while true {
            let next = Side.allCases.flatMap { ends[$0.rawValue].map(\.nextEvent) }.min()
            guard let next, next <= end else { break }
            now = max(now, next)
            for side in Side.allCases {
                for index in ends[side.rawValue].indices {
                    let frames = try ends[side.rawValue][index].tick(at: now, random: &random)
                    try deliver(frames, from: side, random: &random)
                }
            }
        }
        now = max(now, end)
    }

    /// Delivers frames from `side` to every participant of the other end, and their answers back, until none is left.
    mutating func deliver(_ frames: [[UInt8]], from side: Side, random: inout some RandomNumberGenerator) throws {
        var queue = frames.map { (side, $0) }
        while !queue.isEmpty {
            let (from, frame) = queue.removeFirst()
            guard !silent.contains(from) else { continue }
            sent.append(Sent(at: now, side: from, frame: frame))
            if sent.count > captureLimit { sent.removeFirst(sent.count - captureLimit) }
            let to: Side = from == .device ? .customer : .device
            guard !silent.contains(to) else { continue }
            for index in ends[to.rawValue].indices {
                let answers = try ends[to.rawValue][index].receive(frame, at: now, random: &random)
                queue += answers.map { (to, $0) }
            }
        }
    }
}
