import Foundation

/// MKA's timers (`reference/mka.md` §1.8), scaled together (`--mka-time-scale`): the protocol only compares them with
/// each other.
package struct MKATimers: Hashable, Sendable {
    package var hello: TimeInterval
    package var life: TimeInterval

    package init(scale: Double = 1) {
        hello = 2 * scale
        life = 6 * scale
    }
}

/// One MKA participant of a static-CAK connectivity association (802.1X-2020 9, `reference/mka.md` §§1.3-1.7): its
/// CA's keys, its member identifier and message numbers, its live and potential peers, the key server election, and
/// the SAK it distributes (as key server) or installs (from the key server), up to "secured": the latest SAK in use
/// for transmit and receive on both sides. A plain value: `start`, `tick` and `receive` are pure transitions at an
/// instant, answering the MKPDUs to send; randomness (member identifiers, SAKs) comes from the caller's generator.
package struct Participant: Hashable, Sendable {
    package struct Configuration: Hashable, Sendable {
        package var ckn: [UInt8]
        package var cak: [UInt8]
        package var sci: MKPDU.SCI
        package var keyServerPriority: UInt8
        /// The cipher suites offered, preferred first; the key server picks its first that the peer announces.
        package var cipherSuites: [MKPDU.CipherSuite]
        package var timers: MKATimers

        package init(
            ckn: [UInt8],
            cak: [UInt8],
            sci: MKPDU.SCI,
            keyServerPriority: UInt8 = 16,
            cipherSuites: [MKPDU.CipherSuite] = [.gcmAES256],
            timers: MKATimers = MKATimers()
        ) {
            self.ckn = ckn
            self.cak = cak
            self.sci = sci
            self.keyServerPriority = keyServerPriority
            self.cipherSuites = cipherSuites
            self.timers = timers
        }
    }

    /// What this participant knows of another member.
    package struct Member: Hashable, Sendable {
        package var memberIdentifier: [UInt8]
        package var messageNumber: UInt32
        package var sci: MKPDU.SCI
        package var keyServer: Bool
        package var keyServerPriority: UInt8
        package var lastHeard: Date
        package var sakUse: MKPDU.SAKUse?
        package var announcedSuites: [UInt64]?
    }

    /// A SAK this participant holds: distributed by the key server (itself or the peer).
    package struct Key: Hashable, Sendable {
        package var identifier: MKPDU.KeyIdentifier
        package var associationNumber: UInt8
        package var cipherSuite: MKPDU.CipherSuite
        package var sak: [UInt8]
        package var transmitting: Bool
    }

    package let configuration: Configuration
    let ick: [UInt8]
    let kek: [UInt8]
    package private(set) var memberIdentifier: [UInt8]
    package private(set) var messageNumber: UInt32 = 0
    package private(set) var livePeers: [Member] = []
    package private(set) var potentialPeers: [Member] = []
    /// The SCI of the elected key server, once there is a live peer.
    package private(set) var keyServer: MKPDU.SCI?
    package private(set) var latestKey: Key?
    package private(set) var keyNumber: UInt32 = 0
    /// A Distributed SAK to send with the next MKPDU.
    var pendingDistribution: MKPDU.DistributedSAK?
    package private(set) var nextTransmission: Date
    /// When the latest key became secured on both sides.
    package private(set) var securedSince: Date?

    package init(_ configuration: Configuration, at now: Date, random: inout some RandomNumberGenerator) throws {
        self.configuration = configuration
        ick = try MKAKeys.ick(cak: configuration.cak, ckn: configuration.ckn)
        kek = try MKAKeys.kek(cak: configuration.cak, ckn: configuration.ckn)
        memberIdentifier = Self.randomBytes(12, &random)
        nextTransmission = now
    }

    package var isKeyServer: Bool { keyServer == configuration.sci }

    /// Secured: the latest SAK transmits and receives here, and the live peer reports the same.
    package var isSecured: Bool { securedSince != nil }

    // MARK: Transitions

    /// The timers at `now`: live and potential peers silent for the life time are dropped (and with the last live
    /// peer the SAK), and an MKPDU is due every hello time.
    package mutating func tick(at now: Date, random: inout some RandomNumberGenerator) throws -> [[UInt8]] {
        let life = configuration.timers.life
        let before = livePeers.count
        livePeers.removeAll { now >= $0.lastHeard.addingTimeInterval(life) }
        potentialPeers.removeAll { now >= $0.lastHeard.addingTimeInterval(life) }
        if livePeers.count != before { try elect(at: now, random: &random) }
        guard now >= nextTransmission else { return [] }
        return [try transmit(at: now, random: &random)]
    }

    /// A frame received at `now`. One for another CA (another CKN) or whose ICV does not verify under this CA's ICK
    /// is ignored (a CAK mismatch never makes a peer); a replayed message number too.
    package mutating func receive(
        _ frame: [UInt8],
        at now: Date,
        random: inout some RandomNumberGenerator
    ) throws -> [[UInt8]] {
        guard let received = try? MKPDU.decode(frame), received.pdu.basic.ckn == configuration.ckn,
            received.verifies(ick: ick), received.pdu.basic.memberIdentifier != memberIdentifier
        else { return [] }
        let pdu = received.pdu
        let basic = pdu.basic
        let member = Member(
            memberIdentifier: basic.memberIdentifier,
            messageNumber: basic.messageNumber,
            sci: basic.sci,
            keyServer: basic.keyServer,
            keyServerPriority: basic.keyServerPriority,
            lastHeard: now,
            sakUse: pdu.sakUse,
            announcedSuites: pdu.announcedSuites?.map(\.suite)
        )
        let listsUs = (pdu.livePeers ?? []) + (pdu.potentialPeers ?? [])
        // Acceptably recent: our current message number or the one before (hostap's rule).
        let recognised = listsUs.contains {
            $0.memberIdentifier == memberIdentifier && UInt64($0.messageNumber) + 1 >= UInt64(messageNumber)
        }
        var changed = false
        if let index = livePeers.firstIndex(where: { $0.memberIdentifier == basic.memberIdentifier }) {
            guard basic.messageNumber > livePeers[index].messageNumber else { return [] }
            livePeers[index] = member
        } else if let index = potentialPeers.firstIndex(where: { $0.memberIdentifier == basic.memberIdentifier }) {
            guard basic.messageNumber > potentialPeers[index].messageNumber else { return [] }
            potentialPeers.remove(at: index)
            if recognised {
                livePeers.append(member)
            } else {
                potentialPeers.append(member)
            }
            changed = true
        } else {
            // A point-to-point CA: a new member of the same SCI replaces the old one (the peer restarted).
            livePeers.removeAll { $0.sci == basic.sci }
            potentialPeers.removeAll { $0.sci == basic.sci }
            if recognised { livePeers.append(member) } else { potentialPeers.append(member) }
            changed = true
        }
        if changed { try elect(at: now, random: &random) }
        if let distributed = pdu.distributedSAK, basic.sci == keyServer, !isKeyServer {
            changed = install(distributed, from: basic.memberIdentifier) || changed
        }
        changed = updateUse(at: now) || changed
        return changed ? [try transmit(at: now, random: &random)] : []
    }

    // MARK: Steps

    /// Key server election (802.1X 9.5.1) over the live members that would serve, this one included: the lowest
    /// priority, then the lowest SCI. A key server with a live peer and no SAK for it distributes one.
    mutating func elect(at now: Date, random: inout some RandomNumberGenerator) throws {
        guard !livePeers.isEmpty else {
            keyServer = nil
            latestKey = nil
            securedSince = nil
            return
        }
        var candidates = [(configuration.keyServerPriority, configuration.sci)]
        candidates += livePeers.filter(\.keyServer).map { ($0.keyServerPriority, $0.sci) }
        let elected = candidates.min { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }?.1
        guard elected != keyServer || (isKeyServer && latestKey == nil) else { return }
        keyServer = elected
        latestKey = nil
        securedSince = nil
        if isKeyServer { try distribute(random: &random) }
    }

    /// A new SAK, as long as the cipher suite wants, wrapped under the KEK for the next MKPDU; installed for receive
    /// at once.
    mutating func distribute(random: inout some RandomNumberGenerator) throws {
        let announced = livePeers.first?.announcedSuites
        let suite =
            configuration.cipherSuites.first { announced?.contains($0.rawValue) ?? true }
            ?? configuration.cipherSuites.first ?? .gcmAES256
        keyNumber &+= 1
        let associationNumber = UInt8((keyNumber - 1) % 4)
        let sak = try MKAKeys.sak(
            cak: configuration.cak,
            nonce: Self.randomBytes(suite.keyLength, &random),
            memberIdentifiers: [memberIdentifier] + livePeers.map(\.memberIdentifier),
            keyNumber: keyNumber,
            bits: suite.keyLength * 8
        )
        let identifier = MKPDU.KeyIdentifier(memberIdentifier: memberIdentifier, keyNumber: keyNumber)
        latestKey = Key(
            identifier: identifier,
            associationNumber: associationNumber,
            cipherSuite: suite,
            sak: sak,
            transmitting: false
        )
        pendingDistribution = MKPDU.DistributedSAK(
            associationNumber: associationNumber,
            confidentialityOffset: 1,
            key: .init(
                keyNumber: keyNumber,
                cipherSuite: suite == .gcmAES128 ? nil : suite,
                wrappedSAK: try MKAKeys.wrap(sak: sak, kek: kek)
            )
        )
    }

    /// The key server's SAK installed for receive, if this participant offers its cipher suite and the SAK unwraps;
    /// whether anything changed.
    mutating func install(_ distributed: MKPDU.DistributedSAK, from server: [UInt8]) -> Bool {
        guard let key = distributed.key else { return false }
        let identifier = MKPDU.KeyIdentifier(memberIdentifier: server, keyNumber: key.keyNumber)
        guard latestKey?.identifier != identifier else { return false }
        let suite = key.cipherSuite ?? .gcmAES128
        guard configuration.cipherSuites.contains(suite),
            let sak = try? MKAKeys.unwrap(key.wrappedSAK, kek: kek), sak.count == suite.keyLength
        else { return false }
        latestKey = Key(
            identifier: identifier,
            associationNumber: distributed.associationNumber,
            cipherSuite: suite,
            sak: sak,
            transmitting: false
        )
        securedSince = nil
        return true
    }

    /// Transmit follows receive (802.1X 12.4): the key server transmits once every live peer receives the latest
    /// SAK, the others once the key server transmits. Secured once both sides transmit and receive it. Whether
    /// anything changed.
    mutating func updateUse(at now: Date) -> Bool {
        guard var key = latestKey, let peer = livePeers.first else { return false }
        let peerKeys = peer.sakUse?.keys?.latest == key.identifier ? peer.sakUse : nil
        var changed = false
        if !key.transmitting {
            let ready = isKeyServer ? peerKeys?.latestRx == true : peerKeys?.latestTx == true
            if ready {
                key.transmitting = true
                latestKey = key
                changed = true
            }
        }
        let secured = key.transmitting && peerKeys?.latestTx == true && peerKeys?.latestRx == true
        if secured, securedSince == nil {
            securedSince = now
            changed = true
        } else if !secured, securedSince != nil {
            securedSince = nil
            changed = true
        }
        return changed
    }

    /// The next MKPDU: the Basic set, the peer lists, the SAK Use, a pending Distributed SAK and the Announcement.
    mutating func transmit(at now: Date, random: inout some RandomNumberGenerator) throws -> [UInt8] {
        if messageNumber == UInt32.max {
            // The MN never wraps: a new MI, numbered from 1 again (mka.md §1.3), which the peer takes as a live
            // member at once, since it lists the peer.
            memberIdentifier = Self.randomBytes(12, &random)
            messageNumber = 0
        }
        messageNumber += 1
        nextTransmission = now.addingTimeInterval(configuration.timers.hello)
        var pdu = MKPDU(
            basic: .init(
                keyServerPriority: configuration.keyServerPriority,
                keyServer: keyServer == nil || isKeyServer,
                macsecDesired: true,
                macsecCapability: 2,
                sci: configuration.sci,
                memberIdentifier: memberIdentifier,
                messageNumber: messageNumber,
                ckn: configuration.ckn
            )
        )
        let entry = { (member: Member) in
            MKPDU.Peer(memberIdentifier: member.memberIdentifier, messageNumber: member.messageNumber)
        }
        if !livePeers.isEmpty { pdu.livePeers = livePeers.map(entry) }
        if !potentialPeers.isEmpty { pdu.potentialPeers = potentialPeers.map(entry) }
        if let key = latestKey {
            var use = MKPDU.SAKUse()
            use.latestAN = key.associationNumber
            use.latestRx = true
            use.latestTx = key.transmitting
            use.keys = .init(latest: key.identifier)
            pdu.sakUse = use
            if key.cipherSuite.isExtendedPacketNumbering { pdu.xpn = MKPDU.XPN() }
        }
        pdu.distributedSAK = pendingDistribution
        pendingDistribution = nil
        pdu.announcedSuites = configuration.cipherSuites.map { .init(capability: 2, suite: $0.rawValue) }
        return try pdu.frame(source: configuration.sci.mac, ick: ick)
    }

    /// This participant `periods` hellos later in a link that repeats itself every hello (`MKALink`'s fast-forward):
    /// every message number, its own and its peers', that many higher, every instant that many hellos later.
    /// `nil` when a message number would wrap.
    func advanced(by periods: UInt32) -> Participant? {
        let interval = configuration.timers.hello * Double(periods)
        func moved(_ member: Member) -> Member? {
            let (number, overflow) = member.messageNumber.addingReportingOverflow(periods)
            guard !overflow else { return nil }
            var member = member
            member.messageNumber = number
            member.lastHeard = member.lastHeard.addingTimeInterval(interval)
            return member
        }
        let (number, overflow) = messageNumber.addingReportingOverflow(periods)
        guard !overflow else { return nil }
        var advanced = self
        advanced.messageNumber = number
        advanced.nextTransmission = nextTransmission.addingTimeInterval(interval)
        let live = livePeers.compactMap(moved)
        let potential = potentialPeers.compactMap(moved)
        guard live.count == livePeers.count, potential.count == potentialPeers.count else { return nil }
        advanced.livePeers = live
        advanced.potentialPeers = potential
        return advanced
    }

    /// How many hellos `advanced(by:)` may skip before a message number, its own or a peer's, would wrap.
    var messageNumberHeadroom: UInt32 {
        ([messageNumber] + (livePeers + potentialPeers).map(\.messageNumber)).map { UInt32.max - $0 }.min() ?? 0
    }

    /// The next instant a timer of this participant runs out: its next MKPDU, or a peer's life.
    package var nextEvent: Date {
        let expiries = (livePeers + potentialPeers).map { $0.lastHeard.addingTimeInterval(configuration.timers.life) }
        return ([nextTransmission] + expiries).min() ?? nextTransmission
    }

    static func randomBytes(_ count: Int, _ random: inout some RandomNumberGenerator) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &random) }
    }
}
