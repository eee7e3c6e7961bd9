import Synchronization

/// The `x-amzn-RequestId` of a reply.
public enum RequestID {
    public static let header = "x-amzn-RequestId"

    /// The ID of the request being answered, for the protocols that also write it into the body (EC2's); set by the
    /// server around each request.
    @TaskLocal public static var current: String?

    /// A fresh request ID: a lower-case version 4 UUID, as AWS renders them (`RandomUUID`).
    public static func make() -> String { RandomUUID.make() }
}

/// Lower-case version 4 UUIDs for identifiers that name things and are no secret: request IDs, secret version IDs.
///
/// Their bits come from `NameRandomness`, a fast generator: Foundation's `UUID()` opens, reads and closes
/// `/dev/urandom` each time, and `uuidString.lowercased()` makes two strings, which together cost more than the rest
/// of a small request's protocol handling.
public enum RandomUUID {
    public static func make() -> String {
        var (high, low) = NameRandomness.generator.withLock { ($0.next(), $0.next()) }
        high = (high & ~0xF000) | 0x4000  // version 4
        low = (low & ~(0xC000 << 48)) | (0x8000 << 48)  // variant 10xx
        // Written straight into the string's storage: one allocation, where a table, an array and the string were
        // three (a request ID for every request, a version ID for every secret).
        return String(unsafeUninitializedCapacity: 36) { text in
            var index = 0
            for digit in 0..<32 {
                if digit == 8 || digit == 12 || digit == 16 || digit == 20 {
                    text[index] = UInt8(ascii: "-")
                    index += 1
                }
                let word = digit < 16 ? high : low
                let nibble = UInt8(truncatingIfNeeded: word >> UInt64(60 - (digit % 16) * 4)) & 0xF
                text[index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
                index += 1
            }
            return index
        }
    }
}

/// The bits behind every name the service makes up (IDs, ARN suffixes, request and version IDs) and its fault
/// rules' draws: seeded from the system's generator, or from a number (`dxlocal serve --random-seed N`), and then
/// the same sequence of requests gets the same names. Process-wide (our choice): one server runs in a process.
/// Never key material: keys, nonces and salts come from the system's generator only.
package struct NameRandomness: RandomNumberGenerator {
    package init() {}

    package mutating func next() -> UInt64 { Self.generator.withLock { $0.next() } }

    /// Starts the sequence from `seed` (and `rewind()` restarts it there), or from the system's generator when `nil`.
    package static func seed(_ seed: UInt64?) {
        let fresh = seed.map(Xoshiro256StarStar.init(seed:)) ?? Xoshiro256StarStar()
        generator.withLock { $0 = fresh }
        configuredSeed.withLock { $0 = seed }
    }

    /// Restarts the sequence from the seed given to `seed(_:)`, if one was; a full reset calls it, so that each test
    /// after a reset sees the names a fresh server would give (our choice).
    package static func rewind() {
        guard let seed = configuredSeed.withLock({ $0 }) else { return }
        generator.withLock { $0 = Xoshiro256StarStar(seed: seed) }
    }

    /// After a state document is loaded, when a seed was given to `seed(_:)`: the sequence moved on by the
    /// document's bytes, so that the names it gives next are not again those that named the document's records
    /// (a fixture exported from a server of the same seed), and still the same after the same requests and
    /// documents (our choice). Moved on from where it stands, never back: a second load of one document does not
    /// give the names the first one did.
    package static func moveOn(after document: some Collection<UInt8>) {
        guard configuredSeed.withLock({ $0 }) != nil else { return }
        var digest: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a
        for byte in document { digest = (digest ^ UInt64(byte)) &* 0x100_0000_01B3 }
        generator.withLock { $0 = Xoshiro256StarStar(seed: $0.next() ^ digest) }
    }

    /// Whether names come from a seed: then a restart, or another instance on the same database, gives the same
    /// names again, and a new ID must be looked for in every scope (`StoreTransaction.unusedID`).
    package static var isSeeded: Bool { configuredSeed.withLock { $0 } != nil }

    /// A number in [0, 1) with 53 random bits.
    package static func unitInterval() -> Double {
        Double(generator.withLock { $0.next() } >> 11) * 0x1p-53
    }

    static let generator = Mutex(Xoshiro256StarStar())
    private static let configuredSeed = Mutex<UInt64?>(nil)
}

/// xoshiro256** (Blackman and Vigna): fast, 256 bits of state, seeded from the system's generator (or from a number:
/// tests that want a repeatable sequence use it too).
package struct Xoshiro256StarStar: RandomNumberGenerator {
    private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    init() {
        var system = SystemRandomNumberGenerator()
        state = (system.next(), system.next(), system.next(), system.next())
        if state == (0, 0, 0, 0) { state.0 = 1 }
    }

    init(state: (UInt64, UInt64, UInt64, UInt64)) { self.state = state }

    /// The state SplitMix64 expands `seed` into, as the generator's authors recommend.
    package init(seed: UInt64) {
        var mixer = seed
        func splitMix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    package mutating func next() -> UInt64 {
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
