import Synchronization

/// The `x-amzn-RequestId` of a reply.
public enum RequestID {
    public static let header = "x-amzn-RequestId"

    /// A fresh request ID: a lower-case version 4 UUID, as AWS renders them (`RandomUUID`).
    public static func make() -> String { RandomUUID.make() }
}

/// Lower-case version 4 UUIDs for identifiers that name things and are no secret: request IDs, secret version IDs.
///
/// Their bits come from a fast generator seeded once from the system's: Foundation's `UUID()` opens, reads and
/// closes `/dev/urandom` each time, and `uuidString.lowercased()` makes two strings, which together cost more than
/// the rest of a small request's protocol handling.
public enum RandomUUID {
    public static func make() -> String {
        var (high, low) = generator.withLock { ($0.next(), $0.next()) }
        high = (high & ~0xF000) | 0x4000  // version 4
        low = (low & ~(0xC000 << 48)) | (0x8000 << 48)  // variant 10xx
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for digit in 0..<32 {
            if digit == 8 || digit == 12 || digit == 16 || digit == 20 { text.append(UInt8(ascii: "-")) }
            let word = digit < 16 ? high : low
            text.append(hex[Int((word >> UInt64(60 - (digit % 16) * 4)) & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static let generator = Mutex(Xoshiro256StarStar())
}

/// xoshiro256** (Blackman and Vigna): fast, 256 bits of state, seeded from the system's generator.
struct Xoshiro256StarStar: RandomNumberGenerator {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    init() {
        var system = SystemRandomNumberGenerator()
        state = (system.next(), system.next(), system.next(), system.next())
        if state == (0, 0, 0, 0) { state.0 = 1 }
    }

    mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }
}
