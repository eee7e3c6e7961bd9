import Foundation

/// How long each kind's transitions take (SPEC 8): one time for every kind (`--settle-time`), and a kind's own
/// (`--settle-time-KIND`) over it. Kinds the service does not serve yet get their flag when they are served.
package struct SettleTimes: Sendable, Hashable {
    package enum Kind: String, CaseIterable, Sendable {
        /// Connections, interconnects and LAGs: `requested`/`pending` -> `available`.
        case connection
        /// MACsec keys: `associating` -> `associated`, `disassociating` -> gone, and their port's `pending`.
        case key
        /// Direct Connect gateways: `pending` -> `available`, `deleting` -> gone.
        case gateway
    }

    /// The time of every kind without one of its own.
    package var all: TimeInterval
    package var byKind: [Kind: TimeInterval]

    package init(_ all: TimeInterval = 0, byKind: [Kind: TimeInterval] = [:]) {
        self.all = all
        self.byKind = byKind
    }

    /// The seconds a transition of `kind` takes; never negative.
    package func seconds(_ kind: Kind) -> TimeInterval { max(0, byKind[kind] ?? all) }
}
