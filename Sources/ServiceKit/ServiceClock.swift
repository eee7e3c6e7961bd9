import Foundation
import Synchronization

/// Where the domain reads the time; every time-dependent rule takes one so tests never sleep.
package protocol ServiceClock: Sendable {
    var now: Date { get }
}

/// The wall clock.
package struct SystemClock: ServiceClock {
    package init() {}
    package var now: Date { Date() }
}

/// A clock that moves only when told to.
package final class ManualClock: ServiceClock {
    private let current: Mutex<Date>

    package init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex(start)
    }

    package var now: Date { current.withLock { $0 } }

    package func advance(by seconds: TimeInterval) {
        current.withLock { $0 += seconds }
    }
}

/// The wall clock moved forward by an offset that only grows; lets a test drive a real server through time
/// (`dxlocal serve --clock-control`).
package final class OffsetClock: ServiceClock {
    private let offset = Mutex<TimeInterval>(0)

    package init() {}

    package var now: Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    /// How far ahead of the system's clock it is.
    package var offsetSeconds: TimeInterval { offset.withLock { $0 } }

    /// Moves the clock forward; negative or non-finite amounts are ignored, so time never runs back.
    package func advance(by seconds: TimeInterval) {
        guard seconds.isFinite, seconds > 0 else { return }
        offset.withLock { $0 += seconds }
    }

    /// Moves the clock forward until it is at least `seconds` ahead of the system's; never back.
    package func advance(toAtLeast seconds: TimeInterval) {
        guard seconds.isFinite else { return }
        offset.withLock { $0 = max($0, seconds) }
    }
}
