import Testing

@testable import MKA

/// The MKPDU's encoding and the receiver's checks (`reference/mka.md` §§1.1, 1.2, 1.5).
@Suite struct MKPDUTests {
    static let source: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01]
    static let ckn = MKACryptoTests.ckn128 + MKACryptoTests.ckn128
    static let cak = MKACryptoTests.cak128 + MKACryptoTests.cak128
    static let memberIdentifier: [UInt8] = Array(1...12)
    static let peer: [UInt8] = Array(21...32)

    static func basic(ckn: [UInt8] = ckn) -> MKPDU.Basic {
        MKPDU.Basic(
            keyServerPriority: 16,
            keyServer: true,
            macsecDesired: true,
            macsecCapability: 3,
            sci: .init(mac: source),
            memberIdentifier: memberIdentifier,
            messageNumber: 7,
            ckn: ckn
        )
    }

    static func full() -> MKPDU {
        var pdu = MKPDU(basic: basic())
        pdu.livePeers = [.init(memberIdentifier: peer, messageNumber: 3)]
        pdu.keyServerSSCI = 1
        pdu.potentialPeers = []
        var use = MKPDU.SAKUse()
        use.latestAN = 1
        use.latestTx = true
        use.latestRx = true
        use.delayProtect = true
        use.keys = .init(latest: .init(memberIdentifier: memberIdentifier, keyNumber: 2), latestLowestPN: 1)
        pdu.sakUse = use
        pdu.distributedSAK = .init(
            associationNumber: 1,
            confidentialityOffset: 1,
            key: .init(keyNumber: 2, cipherSuite: .gcmAESXPN256, wrappedSAK: Array(repeating: 0xAB, count: 40))
        )
        pdu.announcedSuites = [.init(capability: 2, suite: MKPDU.CipherSuite.gcmAES256.rawValue)]
        pdu.xpn = .init(suspensionTime: 0, latestLowestPNHigh: 5, oldLowestPNHigh: 0)
        return pdu
    }

    @Test(arguments: [false, true])
    func everySetReadsBackAsWritten(indicator: Bool) throws {
        var pdu = Self.full()
        pdu.icvIndicator = indicator
        let ick = try MKAKeys.ick(cak: Self.cak, ckn: Self.ckn)
        let frame = try pdu.frame(source: Self.source, ick: ick)
        #expect(frame.count % 2 == 0 && Array(frame[12..<16]) == [0x88, 0x8E, 3, 5])
        let received = try MKPDU.decode(frame + [0, 0, 0, 0])  // Ethernet padding beyond the body is ignored.
        #expect(received.pdu == pdu)
        #expect(received.source == Self.source)
        #expect(received.verifies(ick: ick))
        #expect(!received.verifies(ick: try MKAKeys.ick(cak: Array(Self.cak.reversed()), ckn: Self.ckn)))
        var corrupted = frame
        corrupted[30] ^= 1
        #expect(try !MKPDU.decode(corrupted).verifies(ick: ick))
    }

    @Test func theBasicSetAloneIsThirtyTwoOctetsAndTheCKN() throws {
        let pdu = MKPDU(basic: Self.basic(ckn: [0xAA]))
        let frame = try pdu.frame(source: Self.source, ick: Array(repeating: 1, count: 16))
        // Header 4 + body 29, padded to 36, then the ICV.
        #expect(Int(frame[16]) << 8 | Int(frame[17]) == 36 + 16)
        #expect(try MKPDU.decode(frame).pdu.basic.ckn == [0xAA])
    }

    @Test func theReceiversChecksRefuseWhatTheyMust() throws {
        let ick: [UInt8] = Array(repeating: 1, count: 32)
        let frame = try Self.full().frame(source: Self.source, ick: ick)
        var individual = frame
        individual[0] = 0x02
        #expect(throws: MKPDU.DecodeFailure.notToTheGroupAddress) { try MKPDU.decode(individual) }
        var version2 = frame
        version2[14] = 2
        #expect(throws: MKPDU.DecodeFailure.eapolVersion) { try MKPDU.decode(version2) }
        var notMKA = frame
        notMKA[15] = 0
        #expect(throws: MKPDU.DecodeFailure.notEAPOLMKA) { try MKPDU.decode(notMKA) }
        #expect(throws: MKPDU.DecodeFailure.truncated) { try MKPDU.decode(Array(frame.dropLast(4))) }
        var agility = frame
        agility[18 + 31] ^= 1
        #expect(throws: MKPDU.DecodeFailure.algorithmAgility) { try MKPDU.decode(agility) }
        let longCKN = MKPDU(basic: Self.basic(ckn: Array(repeating: 1, count: 33)))
        #expect(throws: MKPDU.DecodeFailure.cknLength) {
            try MKPDU.decode(try longCKN.frame(source: Self.source, ick: ick))
        }
        var odd = frame
        odd[17] -= 2
        #expect(throws: MKPDU.DecodeFailure.bodyLength) { try MKPDU.decode(odd) }
    }

    @Test func aSetTypeSentTwiceIsReadOnce() throws {
        var pdu = MKPDU(basic: Self.basic())
        pdu.livePeers = [.init(memberIdentifier: Self.peer, messageNumber: 9)]
        let ick: [UInt8] = Array(repeating: 3, count: 32)
        let sets = pdu.parameterSets()
        let liveSet = Array(sets[sets.count - 20..<sets.count])
        var second = liveSet
        second[4 + 15] = 1  // another message number
        let body = sets + second
        let length = body.count + 16
        var frame = MKPDU.groupAddress + Self.source + [0x88, 0x8E, 3, 5, UInt8(length >> 8), UInt8(length & 0xFF)]
        frame += body
        frame += try MKAKeys.icv(frame, ick: ick)
        let received = try MKPDU.decode(frame)
        #expect(received.pdu.livePeers == [.init(memberIdentifier: Self.peer, messageNumber: 9)])
        #expect(received.verifies(ick: ick))
    }
}
