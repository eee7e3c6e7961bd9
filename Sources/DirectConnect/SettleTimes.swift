import Foundation

/// How long each kind's transitions take (SPEC 8): a kind's own time (`--settle-time-KIND`), else the time of every
/// kind (`--settle-time`), else the kind's default: 0 s, but 2 s for gateway associations (our choice, SPEC 8: the
/// Ansible module must read `associating` right after it creates one).
package struct SettleTimes: Sendable, Hashable {
    package enum Kind: String, CaseIterable, Sendable {
        /// Connections, interconnects and LAGs: `requested`/`pending` -> `available`.
        case connection
        /// MACsec keys: `associating` -> `associated`, `disassociating` -> gone, and their port's `pending`.
        case key
        /// Direct Connect gateways: `pending` -> `available`, `deleting` -> gone.
        case gateway
        /// Gateway associations: `associating`/`updating` -> `associated`, `disassociating` -> gone.
        case association
        /// Virtual interfaces: `pending`/`verifying` -> `available`, `deleting` -> `deleted`, and their gateway
        /// attachments' `attaching` -> `attached`, `detaching` -> gone.
        case vif
        /// BGP peers: `pending`/`verifying` -> `available`, `deleting` -> gone.
        case bgpPeer = "bgp-peer"
        /// Hosted connections: `pending` -> `available` once their owner confirms them (`ordering` has no timer).
        case hostedConnection = "hosted-connection"
        /// Association proposals: `requested` -> `accepted` once accepted, `requested` -> `deleted` once withdrawn.
        /// There is no state between, so the proposal reads `requested` until the time has passed (our choice);
        /// the decision itself is taken at the call (a second accept or a withdrawal meanwhile is refused).
        case proposal
        /// BGP failover tests: once a test ends (its duration over, or stopped), its peers are back `up` and the
        /// interface `available` after this time; the interface reads `testing` until then (our choice: BGP
        /// sessions take time to come back up).
        case failoverTest = "failover-test"

        /// The time of a kind when neither its own nor every kind's is given.
        package var defaultSeconds: TimeInterval { self == .association ? 2 : 0 }
    }

    /// The time of every kind without one of its own, when given.
    package var all: TimeInterval?
    package var byKind: [Kind: TimeInterval]

    package init(_ all: TimeInterval? = nil, byKind: [Kind: TimeInterval] = [:]) {
        self.all = all
        self.byKind = byKind
    }

    /// The seconds a transition of `kind` takes; never negative.
    package func seconds(_ kind: Kind) -> TimeInterval { max(0, byKind[kind] ?? all ?? kind.defaultSeconds) }
}
