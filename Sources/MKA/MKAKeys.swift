import Crypto
import Foundation

/// The key hierarchy of 802.1X's static-CAK mode (802.1X-2020 6.2, `reference/mka.md` §1.4): the KDF (NIST SP
/// 800-108 counter mode with AES-CMAC), the ICK and KEK of a CA, the SAK a key server derives, and the SAK's
/// transport under the KEK (RFC 3394 AES Key Wrap, swift-crypto's).
package enum MKAKeys {
    package enum Failure: Error, Equatable {
        /// A CAK or SAK that is neither 128 nor 256 bits.
        case keyLength
        /// A wrapped SAK that does not unwrap under the KEK.
        case unwrap
    }

    /// `KDF(K, Label, Context, L)`: the PRF over `i ‖ Label ‖ 0x00 ‖ Context ‖ L` for i = 1, 2, ..., concatenated and
    /// cut to `bits` (L is two octets, big-endian, in bits; i one octet).
    package static func kdf(key: [UInt8], label: String, context: [UInt8], bits: Int) throws -> [UInt8] {
        guard key.count == 16 || key.count == 32 else { throw Failure.keyLength }
        let symmetric = SymmetricKey(data: key)
        var output: [UInt8] = []
        var counter: UInt8 = 1
        while output.count * 8 < bits {
            let input = [counter] + Array(label.utf8) + [0] + context + [UInt8(bits >> 8 & 0xFF), UInt8(bits & 0xFF)]
            output += try AESCMAC.mac(input, key: symmetric)
            counter &+= 1
        }
        return Array(output.prefix(bits / 8))
    }

    /// The first 16 octets of the CKN, zero-padded when it is shorter.
    package static func keyIdentifier(ckn: [UInt8]) -> [UInt8] {
        Array((ckn + [UInt8](repeating: 0, count: 16)).prefix(16))
    }

    /// The ICV Key of a CA: as long as its CAK.
    package static func ick(cak: [UInt8], ckn: [UInt8]) throws -> [UInt8] {
        try kdf(key: cak, label: "IEEE8021 ICK", context: keyIdentifier(ckn: ckn), bits: cak.count * 8)
    }

    /// The Key Encrypting Key of a CA: as long as its CAK.
    package static func kek(cak: [UInt8], ckn: [UInt8]) throws -> [UInt8] {
        try kdf(key: cak, label: "IEEE8021 KEK", context: keyIdentifier(ckn: ckn), bits: cak.count * 8)
    }

    /// A SAK as 802.1X derives it: `KDF(CAK, "IEEE8021 SAK", KS-nonce ‖ MI-list ‖ KN, |SAK|)`, the key server's
    /// MI first in the list.
    package static func sak(
        cak: [UInt8],
        nonce: [UInt8],
        memberIdentifiers: [[UInt8]],
        keyNumber: UInt32,
        bits: Int
    ) throws -> [UInt8] {
        guard bits == 128 || bits == 256 else { throw Failure.keyLength }
        let context = nonce + memberIdentifiers.flatMap { $0 } + bigEndian(keyNumber)
        return try kdf(key: cak, label: "IEEE8021 SAK", context: context, bits: bits)
    }

    /// The SAK wrapped under the KEK (RFC 3394, default IV): eight octets longer than the SAK.
    package static func wrap(sak: [UInt8], kek: [UInt8]) throws -> [UInt8] {
        guard [16, 32].contains(sak.count), [16, 32].contains(kek.count) else { throw Failure.keyLength }
        return Array(try AES.KeyWrap.wrap(SymmetricKey(data: sak), using: SymmetricKey(data: kek)))
    }

    package static func unwrap(_ wrapped: [UInt8], kek: [UInt8]) throws(Failure) -> [UInt8] {
        guard [16, 32].contains(kek.count) else { throw Failure.keyLength }
        do {
            let key = try AES.KeyWrap.unwrap(wrapped, using: SymmetricKey(data: kek))
            return key.withUnsafeBytes { Array($0) }
        } catch {
            throw Failure.unwrap
        }
    }

    /// The ICV of an MKPDU: AES-CMAC under the ICK over every octet of the frame before the ICV.
    package static func icv(_ covered: some Collection<UInt8>, ick: [UInt8]) throws -> [UInt8] {
        guard ick.count == 16 || ick.count == 32 else { throw Failure.keyLength }
        return try AESCMAC.mac(covered, key: SymmetricKey(data: ick))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
}
