/// Reading an MKPDU with the receiver's checks of 802.1X-2020 11.11.2 (`reference/mka.md` §1.1): to the group
/// address, EAPOL version 3 or later and type MKA, a body of at least 32 octets in whole words, a CKN of 1 to 32
/// octets, the one algorithm agility, well-formed sets; a set type seen twice is ignored after its first, octets
/// beyond the EAPOL body are ignored. The ICV is checked apart (`Received.verifies(ick:)`), once the CKN has named
/// the CA whose ICK it needs.
extension MKPDU {
    package enum DecodeFailure: Error, Hashable, Sendable {
        case notToTheGroupAddress
        case notEAPOLMKA
        case eapolVersion
        case truncated
        case bodyLength
        case cknLength
        case algorithmAgility
        case malformedSet(type: UInt8)
        case missingICV
    }

    /// A decoded MKPDU, the octets its ICV covers and the ICV.
    package struct Received: Hashable, Sendable {
        package var pdu: MKPDU
        package var source: [UInt8]
        package var covered: [UInt8]
        package var icv: [UInt8]

        /// Whether the ICV is the AES-CMAC of the covered octets under `ick`.
        package func verifies(ick: [UInt8]) -> Bool {
            guard let expected = try? MKAKeys.icv(covered, ick: ick) else { return false }
            // Constant time: every octet is compared.
            return zip(expected, icv).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0 && icv.count == expected.count
        }
    }

    package static func decode(_ frame: [UInt8]) throws(DecodeFailure) -> Received {
        guard frame.count >= 18 else { throw .truncated }
        guard Array(frame[0..<6]) == groupAddress else { throw .notToTheGroupAddress }
        guard UInt16(frame[12]) << 8 | UInt16(frame[13]) == etherType, frame[15] == eapolTypeMKA else {
            throw .notEAPOLMKA
        }
        guard frame[14] >= eapolVersion else { throw .eapolVersion }
        let length = Int(frame[16]) << 8 | Int(frame[17])
        guard frame.count >= 18 + length else { throw .truncated }
        guard length >= 32, length % 4 == 0 else { throw .bodyLength }
        let body = Array(frame[18..<(18 + length)])
        let icvStart = body.count - icvLength

        let basicLength = Self.setLength(body, at: 0)
        guard basicLength >= 29, basicLength <= 60 else { throw .cknLength }
        let basicEnd = 4 + basicLength
        guard Self.paddedEnd(basicEnd) <= icvStart else { throw .truncated }
        guard read32(body, 28) == algorithmAgility else { throw .algorithmAgility }
        var pdu = MKPDU(
            basic: Basic(
                keyServerPriority: body[1],
                keyServer: body[2] & 0x80 != 0,
                macsecDesired: body[2] & 0x40 != 0,
                macsecCapability: body[2] >> 4 & 0x03,
                sci: SCI(mac: Array(body[4..<10]), port: UInt16(body[10]) << 8 | UInt16(body[11])),
                memberIdentifier: Array(body[12..<24]),
                messageNumber: read32(body, 24),
                ckn: Array(body[32..<basicEnd])
            )
        )
        pdu.basic.version = body[0]

        var offset = Self.paddedEnd(basicEnd)
        var seen = Set<UInt8>()
        while offset < icvStart {
            guard icvStart - offset >= 4 else { throw .missingICV }
            let type = body[offset]
            let setLength = Self.setLength(body, at: offset)
            if type == 255 {
                // The ICV Indicator: the ICV is its body and ends the MKPDU.
                guard setLength == icvLength, offset + 4 == icvStart else { throw .malformedSet(type: type) }
                pdu.icvIndicator = true
                break
            }
            let start = offset + 4
            let end = start + setLength
            guard Self.paddedEnd(end) <= icvStart else { throw .malformedSet(type: type) }
            let set = Array(body[start..<end])
            offset = Self.paddedEnd(end)
            guard seen.insert(type).inserted else { continue }
            let second = body[start - 3]
            let third = body[start - 2]
            try Self.read(set, type: type, second: second, third: third, into: &pdu)
        }
        return Received(
            pdu: pdu,
            source: Array(frame[6..<12]),
            covered: Array(frame[0..<(18 + icvStart)]),
            icv: Array(body[icvStart...])
        )
    }

    /// One set after the Basic one, by type; types this participant does not use are checked for their least
    /// length only, unknown ones skipped.
    static func read(
        _ set: [UInt8],
        type: UInt8,
        second: UInt8,
        third: UInt8,
        into pdu: inout MKPDU
    ) throws(DecodeFailure) {
        switch type {
        case 1, 2:
            guard set.count % 16 == 0 else { throw .malformedSet(type: type) }
            let peers = stride(from: 0, to: set.count, by: 16).map { at in
                Peer(memberIdentifier: Array(set[at..<(at + 12)]), messageNumber: read32(set, at + 12))
            }
            if type == 1 {
                pdu.livePeers = peers
                pdu.keyServerSSCI = second
            } else {
                pdu.potentialPeers = peers
            }
        case 3:
            var use = SAKUse()
            use.latestAN = second >> 6 & 0x03
            use.latestTx = second & 0x20 != 0
            use.latestRx = second & 0x10 != 0
            use.oldAN = second >> 2 & 0x03
            use.oldTx = second & 0x02 != 0
            use.oldRx = second & 0x01 != 0
            use.plainTx = third & 0x80 != 0
            use.plainRx = third & 0x40 != 0
            use.delayProtect = third & 0x10 != 0
            switch set.count {
            case 0: break
            case 40:
                use.keys = SAKUse.Keys(
                    latest: KeyIdentifier(memberIdentifier: Array(set[0..<12]), keyNumber: read32(set, 12)),
                    latestLowestPN: read32(set, 16),
                    old: KeyIdentifier(memberIdentifier: Array(set[20..<32]), keyNumber: read32(set, 32)),
                    oldLowestPN: read32(set, 36)
                )
            default: throw .malformedSet(type: type)
            }
            pdu.sakUse = use
        case 4:
            var distributed = DistributedSAK(
                associationNumber: second >> 6 & 0x03,
                confidentialityOffset: second >> 4 & 0x03,
                key: nil
            )
            switch set.count {
            case 0: break
            case 28:
                distributed.key = .init(keyNumber: read32(set, 0), cipherSuite: nil, wrappedSAK: Array(set[4...]))
            case 36, 52:
                guard let suite = CipherSuite(rawValue: read64(set, 4)), suite.keyLength + 8 == set.count - 12 else {
                    throw .malformedSet(type: type)
                }
                distributed.key = .init(keyNumber: read32(set, 0), cipherSuite: suite, wrappedSAK: Array(set[12...]))
            default: throw .malformedSet(type: type)
            }
            pdu.distributedSAK = distributed
        case 5:
            guard set.count >= 28 else { throw .malformedSet(type: type) }
        case 6:
            guard set.count >= 5 else { throw .malformedSet(type: type) }
        case 7:
            var at = 0
            var suites: [AnnouncedSuite] = []
            while at < set.count {
                guard set.count - at >= 2 else { throw .malformedSet(type: type) }
                let tlvType = set[at] >> 1
                let tlvLength = Int(set[at] & 0x01) << 8 | Int(set[at + 1])
                guard at + 2 + tlvLength <= set.count else { throw .malformedSet(type: type) }
                if tlvType == 112 {
                    guard tlvLength % 10 == 0 else { throw .malformedSet(type: type) }
                    for entry in stride(from: at + 2, to: at + 2 + tlvLength, by: 10) {
                        suites.append(AnnouncedSuite(capability: set[entry + 1] & 0x03, suite: read64(set, entry + 2)))
                    }
                }
                at += 2 + tlvLength
            }
            pdu.announcedSuites = suites
        case 8:
            guard set.count == 8 else { throw .malformedSet(type: type) }
            pdu.xpn = XPN(suspensionTime: second, latestLowestPNHigh: read32(set, 0), oldLowestPNHigh: read32(set, 4))
        default:
            break
        }
    }

    static func setLength(_ body: [UInt8], at offset: Int) -> Int {
        Int(body[offset + 2] & 0x0F) << 8 | Int(body[offset + 3])
    }

    static func paddedEnd(_ end: Int) -> Int { (end + 3) / 4 * 4 }

    static func read32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        bytes[at..<(at + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    static func read64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        bytes[at..<(at + 8)].reduce(0) { $0 << 8 | UInt64($1) }
    }
}
