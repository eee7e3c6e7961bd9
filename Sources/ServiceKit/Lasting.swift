import Foundation

/// The instants between which a read's answer cannot change while the store does not: every rule that shows a
/// record compares the clock with instants the record holds (a state's `settlesAt`, a key's `associatedAt`...), so
/// the answer given at `now` holds from the latest such instant at or before `now` until the earliest one after.
package struct StableWindow: Hashable, Sendable {
    package private(set) var from = Date.distantPast
    package private(set) var until = Date.distantFuture
    /// The instant the answer was computed at.
    package let now: Date

    package init(at now: Date) {
        self.now = now
    }

    /// Narrows the window around `now` by an instant a rule compares the clock with.
    package mutating func consider(_ instant: Date?) {
        guard let instant else { return }
        if instant <= now { from = max(from, instant) } else { until = min(until, instant) }
    }

    /// Closes the window: the answer may change at any moment (a link's timers run under it).
    package mutating func endNow() {
        until = now
    }

    package func contains(_ instant: Date) -> Bool {
        from <= instant && instant < until
    }
}

/// A read's answer with the window of instants in which it stays the answer while the store does not change: what
/// a reply cache needs to keep it (`ResponseCache` in the dispatch).
package struct Lasting<Output: Sendable>: Sendable {
    package var output: Output
    package var window: StableWindow

    package init(_ output: Output, window: StableWindow) {
        self.output = output
        self.window = window
    }
}
