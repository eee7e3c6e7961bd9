import Crypto
import CryptoExtras
import Foundation

/// AES-CMAC (RFC 4493, NIST SP 800-38B) with a 128- or 256-bit key: the PRF of 802.1X's key derivation and the
/// MKPDU's ICV. swift-crypto has no CMAC, only the single-block AES permutation this is built on (some 40 lines;
/// `reference/mka.md` §4).
package enum AESCMAC {
    static let blockSize = 16
    /// The constant of RFC 4493's subkey generation for a 128-bit block.
    static let rb: UInt8 = 0x87

    /// The 16-octet MAC of `message` under `key`.
    package static func mac(_ message: some Collection<UInt8>, key: SymmetricKey) throws -> [UInt8] {
        let (k1, k2) = try subkeys(key)
        let bytes = Array(message)
        let blocks = max(1, (bytes.count + blockSize - 1) / blockSize)
        let complete = !bytes.isEmpty && bytes.count % blockSize == 0
        var last = [UInt8](repeating: 0, count: blockSize)
        let tail = bytes[((blocks - 1) * blockSize)...]
        for (index, byte) in tail.enumerated() { last[index] = byte }
        if complete {
            last = xor(last, k1)
        } else {
            last[tail.count] = 0x80
            last = xor(last, k2)
        }
        var state = [UInt8](repeating: 0, count: blockSize)
        for block in 0..<(blocks - 1) {
            state = xor(state, bytes[(block * blockSize)..<((block + 1) * blockSize)])
            try AES.permute(&state, key: key)
        }
        state = xor(state, last)
        try AES.permute(&state, key: key)
        return state
    }

    /// K1 and K2 of RFC 4493 §2.3.
    static func subkeys(_ key: SymmetricKey) throws -> ([UInt8], [UInt8]) {
        var zero = [UInt8](repeating: 0, count: blockSize)
        try AES.permute(&zero, key: key)
        let k1 = doubled(zero)
        return (k1, doubled(k1))
    }

    /// The block shifted left by one bit, with Rb folded in when the top bit falls out.
    static func doubled(_ block: [UInt8]) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: blockSize)
        var carry: UInt8 = 0
        for index in stride(from: blockSize - 1, through: 0, by: -1) {
            result[index] = (block[index] << 1) | carry
            carry = block[index] >> 7
        }
        if carry == 1 { result[blockSize - 1] ^= rb }
        return result
    }

    static func xor(_ left: [UInt8], _ right: some Collection<UInt8>) -> [UInt8] {
        zip(left, right).map { $0 ^ $1 }
    }
}
