import DirectConnect
import Foundation
import Testing

/// The hand-written `startOn` formatter writes what Foundation's ISO 8601 style writes.
@Suite struct ISO8601TimestampTests {
    @Test func writesWhatFoundationWrites() {
        var generator = SystemRandomNumberGenerator()
        var instants: [TimeInterval] = [0, -0.5, -1, -86_400, 951_782_400, 4_107_542_399.999, 1_800_000_000.5]
        for _ in 0..<5_000 { instants.append(Double.random(in: -2_000_000_000...4_000_000_000, using: &generator)) }
        for instant in instants {
            let date = Date(timeIntervalSince1970: instant)
            #expect(ISO8601Timestamp.string(from: date) == date.formatted(.iso8601), "\(instant)")
        }
    }

    @Test func leapDaysAndCenturies() {
        // 2000-02-29, 2100-03-01 (2100 is not a leap year), 1900-01-01.
        for (instant, text) in [
            (951_782_400.0, "2000-02-29T00:00:00Z"), (4_107_542_400, "2100-03-01T00:00:00Z"),
            (-2_208_988_800, "1900-01-01T00:00:00Z"),
        ] {
            #expect(ISO8601Timestamp.string(from: Date(timeIntervalSince1970: instant)) == text)
        }
    }
}
