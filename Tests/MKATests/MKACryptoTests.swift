import Crypto
import Testing

@testable import MKA

/// The published vectors of `reference/mka.md` §2.1: RFC 4493 AES-CMAC, RFC 3394 AES Key Wrap, and IEEE
/// 802.1X-2020 Annex G (KDF, KEK, ICK, SAK), with the wraps and AWS-shaped keys derived there.
@Suite struct MKACryptoTests {
    static func hex(_ text: String) -> [UInt8] {
        let digits = Array(text.filter { !$0.isWhitespace })
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16) ?? 0 }
    }

    static func text(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static let rfcMessage = hex(
        "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 "
            + "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710"
    )

    @Test(arguments: [
        ("2b7e151628aed2a6abf7158809cf4f3c", 0, "bb1d6929e95937287fa37d129b756746"),
        ("2b7e151628aed2a6abf7158809cf4f3c", 16, "070a16b46b4d4144f79bdd9dd04a287c"),
        ("2b7e151628aed2a6abf7158809cf4f3c", 40, "dfa66747de9ae63030ca32611497c827"),
        ("2b7e151628aed2a6abf7158809cf4f3c", 64, "51f0bebf7e3b9d92fc49741779363cfe"),
        ("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", 0, "028962f61b7bf89efc6b551f4667d983"),
        ("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", 16, "28a7023f452e8f82bd4bf28d8c37c35c"),
        ("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", 64, "e1992190549f6ed5696a2c056c315410"),
    ])
    func aesCMACMatchesRFC4493(key: String, length: Int, expected: String) throws {
        let mac = try AESCMAC.mac(Self.rfcMessage.prefix(length), key: SymmetricKey(data: Self.hex(key)))
        #expect(Self.text(mac) == expected)
    }

    @Test func keyWrapMatchesRFC3394() throws {
        #expect(
            Self.text(
                try MKAKeys.wrap(
                    sak: Self.hex("00112233445566778899AABBCCDDEEFF"),
                    kek: Self.hex("000102030405060708090A0B0C0D0E0F")
                )
            ) == "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5"
        )
        let kek = Array(UInt8(0)...UInt8(31))
        let sak = Self.hex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
        let wrapped = try MKAKeys.wrap(sak: sak, kek: kek)
        #expect(
            Self.text(wrapped)
                == "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21"
        )
        #expect(try MKAKeys.unwrap(wrapped, kek: kek) == sak)
        var tampered = wrapped
        tampered[5] ^= 1
        #expect(throws: MKAKeys.Failure.unwrap) { try MKAKeys.unwrap(tampered, kek: kek) }
    }

    @Test func theKDFMatchesAnnexG1() throws {
        let context = Self.hex("01020104")
        #expect(
            Self.text(
                try MKAKeys.kdf(
                    key: Self.hex("1ab9024fa04a03feb9024fa04a03fe11"),
                    label: "HI THERE",
                    context: context,
                    bits: 128
                )
            ) == "b57a0b05f43e9600c3c4d15c1e3c26e8"
        )
        #expect(
            Self.text(
                try MKAKeys.kdf(
                    key: Self.hex("3946ec36f59017f1267e914abed2dbf6633f52ae7e20309d3eefdda4073adfad"),
                    label: "HI THERE",
                    context: context,
                    bits: 256
                )
            ) == "0efd01e5b03a0951a6df9bbffe419016ee40fdbfc3335ebf92ea03802214a307"
        )
        #expect(throws: MKAKeys.Failure.keyLength) {
            try MKAKeys.kdf(key: [1, 2, 3], label: "x", context: [], bits: 128)
        }
    }

    static let cak128 = hex("135bd758b0ee5c11c55ff6ab19fdb199")
    static let ckn128 = hex("96437a93ccf10d9dfe347846cce52c7d")
    static let cak256 = hex("a29efdb63d6fba73c65daab2295340a837a8886e94a905b5c9c7ef1d9dbb297e")
    static let ckn256 = hex("7888f5d48ba8b24e96bb95bd8c7304ec")
    static let memberIdentifiers = [hex("cd421cf86ba457938657675b"), hex("01020304050607080d1f36cf")]

    @Test func kekICKAndSAKMatchAnnexG4ToG6() throws {
        #expect(Self.text(try MKAKeys.kek(cak: Self.cak128, ckn: Self.ckn128)) == "8f5a384c15d6ae9302b462e363d03ca6")
        #expect(Self.text(try MKAKeys.ick(cak: Self.cak128, ckn: Self.ckn128)) == "8f1c5cb1c8ed2e5f047906e0473aad4d")
        #expect(
            Self.text(try MKAKeys.kek(cak: Self.cak256, ckn: Self.ckn256))
                == "71340e454c84a1232aa7977d5ed86f78f250f3f9d53584b9337ff0c6dfdc9f96"
        )
        #expect(
            Self.text(try MKAKeys.ick(cak: Self.cak256, ckn: Self.ckn256))
                == "98b8544d7390a41e50ef72e25b4a036523c919e812918871949b48123eab526e"
        )
        let sak128 = try MKAKeys.sak(
            cak: Self.cak128,
            nonce: Self.hex("0102030405060708090a0b0c0d0e0f10"),
            memberIdentifiers: Self.memberIdentifiers,
            keyNumber: 1,
            bits: 128
        )
        #expect(Self.text(sak128) == "045205925831ae59c14550ed59cc003d")
        let sak256 = try MKAKeys.sak(
            cak: Self.cak256,
            nonce: Self.hex("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f00"),
            memberIdentifiers: Self.memberIdentifiers,
            keyNumber: 1,
            bits: 256
        )
        #expect(Self.text(sak256) == "bb692568b287484a5f3f4793b09732270d13dd818373c15b3f2793fdc1948a37")
        // The wraps derived in reference §2.1.1 (hostap's C and pyca agree).
        let kek128 = try MKAKeys.kek(cak: Self.cak128, ckn: Self.ckn128)
        #expect(
            Self.text(try MKAKeys.wrap(sak: sak128, kek: kek128)) == "b3c056c941552bc4fb842f9ebea6cd43ac30167b6d5eedbb"
        )
        let kek256 = try MKAKeys.kek(cak: Self.cak256, ckn: Self.ckn256)
        #expect(
            Self.text(try MKAKeys.wrap(sak: sak256, kek: kek256))
                == "e3c8b280e0d1bb1c537e6b1c39d44c5ec76f3ceac37bbab9f8e13ade8191cb02f12f204a4f78768c"
        )
    }

    @Test func awsShapedKeysUseOnlyTheFirstSixteenOctetsOfTheCKN() throws {
        let cak = Self.cak128 + Self.cak128
        let ckn = Self.ckn128 + Self.ckn128
        #expect(
            Self.text(try MKAKeys.ick(cak: cak, ckn: ckn))
                == "2ed3dfc1ca175fdba3f2360ae9a6e7d6e749473c7936d25150f17328ececc32a"
        )
        #expect(
            Self.text(try MKAKeys.kek(cak: cak, ckn: ckn))
                == "67bd4c3bd6a57d5aa58c45d38f1bbe64d9a4f0744186015eddc7067796506217"
        )
        var other = ckn
        other[31] ^= 0xFF
        #expect(try MKAKeys.ick(cak: cak, ckn: other) == MKAKeys.ick(cak: cak, ckn: ckn))
        // A CKN shorter than 16 octets is padded with zeros: hostap's hwsim defaults.
        let hwsimCAK = Array(UInt8(0)...UInt8(15))
        let hwsimCKN = Array(UInt8(0)...UInt8(31))
        #expect(Self.text(try MKAKeys.ick(cak: hwsimCAK, ckn: hwsimCKN)) == "940dd70d87fe2547897ed54b732b6dc7")
        #expect(Self.text(try MKAKeys.kek(cak: hwsimCAK, ckn: hwsimCKN)) == "92837d1d5f4564f49d55cfdf623a91b7")
    }
}
