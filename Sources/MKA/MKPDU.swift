/// An MKPDU as an EAPOL-MKA frame carries it (802.1X-2020 11.11, `reference/mka.md` §§1.1, 1.2): the Basic
/// parameter set, the optional sets in ascending type order, and the ICV. Plain values: `encode` writes a frame
/// with its ICV, `decode` reads one with the receiver's checks, and the ICV is checked against a CA's ICK apart.
package struct MKPDU: Hashable, Sendable {
    /// The PAE group address MKPDUs are sent to; one sent to an individual address is dropped.
    package static let groupAddress: [UInt8] = [0x01, 0x80, 0xC2, 0x00, 0x00, 0x03]
    package static let etherType: UInt16 = 0x888E
    package static let eapolVersion: UInt8 = 3
    package static let eapolTypeMKA: UInt8 = 5
    package static let algorithmAgility: UInt32 = 0x0080_C201
    package static let icvLength = 16

    /// A Secure Channel Identifier: the port's MAC and a port number (normally 1).
    package struct SCI: Hashable, Sendable, Comparable {
        package var mac: [UInt8]
        package var port: UInt16

        package init(mac: [UInt8], port: UInt16 = 1) {
            self.mac = mac
            self.port = port
        }

        var bytes: [UInt8] { mac + [UInt8(port >> 8), UInt8(port & 0xFF)] }

        package static func < (left: SCI, right: SCI) -> Bool { left.bytes.lexicographicallyPrecedes(right.bytes) }
    }

    /// A member's identifier (12 octets) and its latest message number, as the peer lists carry them.
    package struct Peer: Hashable, Sendable {
        package var memberIdentifier: [UInt8]
        package var messageNumber: UInt32

        package init(memberIdentifier: [UInt8], messageNumber: UInt32) {
            self.memberIdentifier = memberIdentifier
            self.messageNumber = messageNumber
        }
    }

    /// The Basic parameter set.
    package struct Basic: Hashable, Sendable {
        package var version: UInt8 = 3
        package var keyServerPriority: UInt8
        package var keyServer: Bool
        package var macsecDesired: Bool
        /// 0 none, 1 integrity only, 2 integrity and confidentiality (offset 0), 3 also offsets 30 and 50.
        package var macsecCapability: UInt8
        package var sci: SCI
        package var memberIdentifier: [UInt8]
        package var messageNumber: UInt32
        package var ckn: [UInt8]

        package init(
            keyServerPriority: UInt8,
            keyServer: Bool,
            macsecDesired: Bool,
            macsecCapability: UInt8,
            sci: SCI,
            memberIdentifier: [UInt8],
            messageNumber: UInt32,
            ckn: [UInt8]
        ) {
            self.keyServerPriority = keyServerPriority
            self.keyServer = keyServer
            self.macsecDesired = macsecDesired
            self.macsecCapability = macsecCapability
            self.sci = sci
            self.memberIdentifier = memberIdentifier
            self.messageNumber = messageNumber
            self.ckn = ckn
        }
    }

    /// A key identifier: the key server's MI and the key number.
    package struct KeyIdentifier: Hashable, Sendable {
        package var memberIdentifier: [UInt8]
        package var keyNumber: UInt32

        package init(memberIdentifier: [UInt8], keyNumber: UInt32) {
            self.memberIdentifier = memberIdentifier
            self.keyNumber = keyNumber
        }

        static let none = KeyIdentifier(memberIdentifier: [UInt8](repeating: 0, count: 12), keyNumber: 0)
    }

    /// The MACsec SAK Use parameter set: which SAKs this member receives and transmits with.
    package struct SAKUse: Hashable, Sendable {
        package var latestAN: UInt8 = 0
        package var latestTx = false
        package var latestRx = false
        package var oldAN: UInt8 = 0
        package var oldTx = false
        package var oldRx = false
        package var plainTx = false
        package var plainRx = false
        package var delayProtect = false
        /// `nil`: the empty body (MACsec not used).
        package var keys: Keys?

        package struct Keys: Hashable, Sendable {
            package var latest: KeyIdentifier
            package var latestLowestPN: UInt32
            package var old: KeyIdentifier
            package var oldLowestPN: UInt32

            package init(
                latest: KeyIdentifier,
                latestLowestPN: UInt32 = 1,
                old: KeyIdentifier? = nil,
                oldLowestPN: UInt32 = 0
            ) {
                self.latest = latest
                self.latestLowestPN = latestLowestPN
                self.old = old ?? .none
                self.oldLowestPN = oldLowestPN
            }
        }

        package init() {}
    }

    /// The Distributed SAK parameter set: a key server's new SAK, wrapped under the KEK.
    package struct DistributedSAK: Hashable, Sendable {
        package var associationNumber: UInt8
        /// 0 integrity only, 1 offset 0, 2 offset 30, 3 offset 50.
        package var confidentialityOffset: UInt8
        /// `nil` with an empty body: "do not use MACsec".
        package var key: Key?

        package struct Key: Hashable, Sendable {
            package var keyNumber: UInt32
            /// `nil` for the default GCM-AES-128, sent without a cipher suite (a body of 28).
            package var cipherSuite: CipherSuite?
            package var wrappedSAK: [UInt8]

            package init(keyNumber: UInt32, cipherSuite: CipherSuite?, wrappedSAK: [UInt8]) {
                self.keyNumber = keyNumber
                self.cipherSuite = cipherSuite
                self.wrappedSAK = wrappedSAK
            }
        }

        package init(associationNumber: UInt8, confidentialityOffset: UInt8, key: Key?) {
            self.associationNumber = associationNumber
            self.confidentialityOffset = confidentialityOffset
            self.key = key
        }
    }

    /// A cipher suite of 802.1AE Table 14-1.
    package enum CipherSuite: UInt64, Hashable, Sendable, CaseIterable {
        case gcmAES128 = 0x0080_C200_0100_0001
        case gcmAES256 = 0x0080_C200_0100_0002
        case gcmAESXPN128 = 0x0080_C200_0100_0003
        case gcmAESXPN256 = 0x0080_C200_0100_0004

        /// As SPEC 12 and the operator's interface spell them.
        package var name: String {
            switch self {
            case .gcmAES128: "GCM-AES-128"
            case .gcmAES256: "GCM-AES-256"
            case .gcmAESXPN128: "GCM-AES-XPN-128"
            case .gcmAESXPN256: "GCM-AES-XPN-256"
            }
        }

        package init?(name: String) {
            guard let suite = Self.allCases.first(where: { $0.name == name }) else { return nil }
            self = suite
        }

        package var isExtendedPacketNumbering: Bool { self == .gcmAESXPN128 || self == .gcmAESXPN256 }
        package var keyLength: Int { self == .gcmAES128 || self == .gcmAESXPN128 ? 16 : 32 }
    }

    /// An announced cipher suite and the capability it is offered with.
    package struct AnnouncedSuite: Hashable, Sendable {
        package var capability: UInt8
        package var suite: UInt64

        package init(capability: UInt8, suite: UInt64) {
            self.capability = capability
            self.suite = suite
        }
    }

    /// The XPN parameter set: the high halves of the lowest acceptable PNs, and the suspension time.
    package struct XPN: Hashable, Sendable {
        package var suspensionTime: UInt8 = 0
        package var latestLowestPNHigh: UInt32 = 0
        package var oldLowestPNHigh: UInt32 = 0

        package init(suspensionTime: UInt8 = 0, latestLowestPNHigh: UInt32 = 0, oldLowestPNHigh: UInt32 = 0) {
            self.suspensionTime = suspensionTime
            self.latestLowestPNHigh = latestLowestPNHigh
            self.oldLowestPNHigh = oldLowestPNHigh
        }
    }

    package var basic: Basic
    /// `nil`: the set is not sent.
    package var livePeers: [Peer]?
    /// The key server's SSCI (XPN), in the Live Peer List's second octet.
    package var keyServerSSCI: UInt8 = 0
    package var potentialPeers: [Peer]?
    package var sakUse: SAKUse?
    package var distributedSAK: DistributedSAK?
    /// The MACsec Cipher Suites TLV of an Announcement; `nil`: no Announcement.
    package var announcedSuites: [AnnouncedSuite]?
    package var xpn: XPN?
    /// Whether the ICV follows an ICV Indicator parameter set (both forms are read).
    package var icvIndicator = false

    package init(basic: Basic) {
        self.basic = basic
    }

    // MARK: Encoding

    /// The whole Ethernet frame from `source`, to the group address, with its ICV under `ick`.
    package func frame(source: [UInt8], ick: [UInt8]) throws -> [UInt8] {
        var body = parameterSets()
        if icvIndicator { body += Self.header(type: 255, second: 0, thirdHigh: 0, length: Self.icvLength) }
        let length = body.count + Self.icvLength
        var frame = Self.groupAddress + source + [UInt8(Self.etherType >> 8), UInt8(Self.etherType & 0xFF)]
        frame += [Self.eapolVersion, Self.eapolTypeMKA, UInt8(length >> 8), UInt8(length & 0xFF)]
        frame += body
        frame += try MKAKeys.icv(frame, ick: ick)
        return frame
    }

    /// The parameter sets, Basic first, the others in ascending type order, each padded to four octets.
    func parameterSets() -> [UInt8] {
        var bytes: [UInt8] = []
        let basicBody =
            basic.sci.bytes + basic.memberIdentifier + MKAKeys.bigEndian(basic.messageNumber)
            + MKAKeys.bigEndian(Self.algorithmAgility) + basic.ckn
        let flags =
            (basic.keyServer ? 0x80 : 0) | (basic.macsecDesired ? 0x40 : 0) | (basic.macsecCapability & 0x03) << 4
        bytes += Self.padded(
            Self.header(
                type: basic.version,
                second: basic.keyServerPriority,
                thirdHigh: flags >> 4,
                length: basicBody.count
            )
                + basicBody
        )
        if let livePeers {
            bytes += Self.peerList(type: 1, second: keyServerSSCI, livePeers)
        }
        if let potentialPeers {
            bytes += Self.peerList(type: 2, second: 0, potentialPeers)
        }
        if let sakUse {
            let second =
                (sakUse.latestAN & 0x03) << 6 | (sakUse.latestTx ? 0x20 : 0) | (sakUse.latestRx ? 0x10 : 0)
                | (sakUse.oldAN & 0x03) << 2 | (sakUse.oldTx ? 0x02 : 0) | (sakUse.oldRx ? 0x01 : 0)
            let third = (sakUse.plainTx ? 0x8 : 0) | (sakUse.plainRx ? 0x4 : 0) | (sakUse.delayProtect ? 0x1 : 0)
            var body: [UInt8] = []
            if let keys = sakUse.keys {
                body =
                    keys.latest.memberIdentifier + MKAKeys.bigEndian(keys.latest.keyNumber)
                    + MKAKeys.bigEndian(keys.latestLowestPN) + keys.old.memberIdentifier
                    + MKAKeys.bigEndian(keys.old.keyNumber) + MKAKeys.bigEndian(keys.oldLowestPN)
            }
            bytes += Self.padded(
                Self.header(type: 3, second: second, thirdHigh: UInt8(third), length: body.count) + body
            )
        }
        if let distributedSAK {
            let second =
                (distributedSAK.associationNumber & 0x03) << 6 | (distributedSAK.confidentialityOffset & 0x03) << 4
            var body: [UInt8] = []
            if let key = distributedSAK.key {
                body = MKAKeys.bigEndian(key.keyNumber)
                if let suite = key.cipherSuite { body += Self.bigEndian64(suite.rawValue) }
                body += key.wrappedSAK
            }
            bytes += Self.padded(Self.header(type: 4, second: second, thirdHigh: 0, length: body.count) + body)
        }
        if let announcedSuites {
            var tlv: [UInt8] = []
            for entry in announcedSuites {
                tlv += [0, entry.capability & 0x03] + Self.bigEndian64(entry.suite)
            }
            let tlvHeader = UInt16(112) << 9 | UInt16(tlv.count & 0x1FF)
            let body = [UInt8(tlvHeader >> 8), UInt8(tlvHeader & 0xFF)] + tlv
            bytes += Self.padded(Self.header(type: 7, second: 0, thirdHigh: 0, length: body.count) + body)
        }
        if let xpn {
            let body = MKAKeys.bigEndian(xpn.latestLowestPNHigh) + MKAKeys.bigEndian(xpn.oldLowestPNHigh)
            bytes += Self.padded(
                Self.header(type: 8, second: xpn.suspensionTime, thirdHigh: 0, length: body.count) + body
            )
        }
        return bytes
    }

    static func peerList(type: UInt8, second: UInt8, _ peers: [Peer]) -> [UInt8] {
        let body = peers.flatMap { $0.memberIdentifier + MKAKeys.bigEndian($0.messageNumber) }
        return padded(header(type: type, second: second, thirdHigh: 0, length: body.count) + body)
    }

    /// A parameter set's four-octet header: type, a type-specific octet, four type-specific bits and a 12-bit
    /// body length.
    static func header(type: UInt8, second: UInt8, thirdHigh: UInt8, length: Int) -> [UInt8] {
        [type, second, (thirdHigh & 0x0F) << 4 | UInt8(length >> 8 & 0x0F), UInt8(length & 0xFF)]
    }

    static func padded(_ bytes: [UInt8]) -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4)
    }

    static func bigEndian64(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(value >> (56 - 8 * $0) & 0xFF) }
    }
}
