import AWSJSONProtocol
import DirectConnectModel
import Foundation
import ServiceKit
import Storage

/// The pure rules of virtual interfaces and their BGP peers (SPEC 7 and 8, reference §§1.3, 1.4, 2, 3.1, 3.2): the
/// states as functions of the stored instants, the checks a request passes before any store is read, and the
/// automatic peering addresses. No I/O.
package enum VirtualInterfaceRules {
    /// The most private and public interfaces a dedicated connection or LAG carries (transit ones count too).
    package static let interfaceLimit = 50
    /// The most transit interfaces a dedicated connection or LAG carries (reference §3.1: "Use 4").
    package static let transitInterfaceLimit = 4
    /// The most interfaces attached to one Direct Connect gateway.
    package static let gatewayInterfaceLimit = 30
    /// The most route filter prefixes of a public interface.
    package static let routeFilterPrefixLimit = 1_000
    /// How long a deleted (or rejected) interface stays listed.
    package static let deletedVisibility: TimeInterval = 15 * 60
    /// The Amazon side's ASN of public interfaces and of hosted ones not yet confirmed (reference §1.3).
    package static let publicAmazonSideASN = 7224
    /// The default failover test length, and the longest, in minutes (reference §3.9).
    package static let defaultTestMinutes = 180
    package static let longestTestMinutes = 4_320

    /// The three kinds, as `virtualInterfaceType` spells them.
    package enum Kind: String, Sendable {
        case `private`
        case `public`
        case transit

        /// The MTUs an interface of the kind may have (public: 1500 only).
        package var mtus: [Int] {
            switch self {
            case .private: [1500, 9001]
            case .transit: [1500, 8500]
            case .public: [1500]
            }
        }

        /// How its attachment to a Direct Connect gateway is typed.
        package var attachmentType: DirectConnectGatewayAttachmentType {
            self == .transit ? .transitVirtualInterface : .privateVirtualInterface
        }
    }

    /// What every create and allocate request describes, checked before any store is read.
    package struct Request: Sendable, Hashable {
        package var kind: Kind
        package var name: String
        package var vlan: Int
        package var asn: Int
        package var mtu: Int
        package var authKey: String?
        package var family: AddressFamily
        /// Both or neither (then assigned).
        package var amazonAddress: String?
        package var customerAddress: String?
        package var virtualGatewayId: String?
        package var directConnectGatewayId: String?
        package var routeFilterPrefixes: [String] = []
        package var siteLink: Bool = false
        package var tags: [TagRecord] = []
    }

    // MARK: Stateless checks

    /// A name of 1-100 characters; the model's letters-digits-hyphens pattern is not enforced by the service
    /// (reference §3.1), so neither is it here.
    package static func name(_ value: String?, member: String = "virtualInterfaceName") throws -> String {
        guard let value, !value.isEmpty else {
            throw AWSError.client("Missing required parameter \(member): it must not be empty")
        }
        guard value.count <= 100 else {
            throw AWSError.client("\(member) must be at most 100 characters long")
        }
        return value
    }

    package static func vlan(_ value: Int?) throws -> Int {
        guard let value else { throw AWSError.client("Missing required parameter vlan") }
        guard (1...4094).contains(value) else {
            throw AWSError.client("Vlan \(value) is not valid: it must be between 1 and 4094")
        }
        return value
    }

    /// The customer's ASN: `asnLong` (1-4294967294) wins over `asn` (1-2147483646) when both are given.
    package static func asn(asn: Int?, asnLong: Int?) throws -> Int {
        if let asnLong {
            guard (1...4_294_967_294).contains(asnLong) else {
                throw AWSError.client("asnLong \(asnLong) is not valid: it must be between 1 and 4294967294")
            }
            return asnLong
        }
        guard let asn else { throw AWSError.client("Missing required parameter asn (or asnLong)") }
        guard (1...2_147_483_646).contains(asn) else {
            throw AWSError.client("asn \(asn) is not valid: it must be between 1 and 2147483646")
        }
        return asn
    }

    /// Whether an ASN is private (RFC 6996): 64512-65534 or 4200000000-4294967294.
    package static func isPrivateASN(_ asn: Int) -> Bool {
        (64_512...65_534).contains(asn) || (4_200_000_000...4_294_967_294).contains(asn)
    }

    /// `asn` as answers carry it: the value when it fits an `asn`, else 0 (the value is in `asnLong`).
    package static func shortASN(_ value: Int) -> Int { value <= 2_147_483_646 ? value : 0 }

    package static func authKey(_ value: String?) throws -> String? {
        guard let value else { return nil }
        guard (6...80).contains(value.count) else {
            throw AWSError.client("authKey must be 6 to 80 characters long")
        }
        return value
    }

    package static func family(_ value: AddressFamily?) throws -> AddressFamily {
        let family = value ?? .ipv4
        guard family == .ipv4 || family == .ipv6 else {
            throw AWSError.client("addressFamily \(family.rawValue.prefix(64)) is not valid: use ipv4 or ipv6")
        }
        return family
    }

    /// The peering addresses a request gives: none for IPv6 (always assigned), both or neither for IPv4, each an
    /// IPv4 address with its prefix length; a public interface's IPv4 peer needs both (its public addresses).
    package static func addresses(
        amazon: String?,
        customer: String?,
        family: AddressFamily,
        kind: Kind
    ) throws -> (amazon: String, customer: String)? {
        let amazon = amazon.flatMap { $0.isEmpty ? nil : $0 }
        let customer = customer.flatMap { $0.isEmpty ? nil : $0 }
        if family == .ipv6 {
            guard amazon == nil, customer == nil else {
                throw AWSError.client(
                    "IPv6 peering addresses are assigned by AWS: give no amazonAddress or customerAddress"
                )
            }
            return nil
        }
        switch (amazon, customer) {
        case (nil, nil):
            guard kind != .public else {
                throw AWSError.client(
                    "A public virtual interface needs both amazonAddress and customerAddress for IPv4"
                )
            }
            return nil
        case (let amazon?, let customer?):
            for (member, value) in [("amazonAddress", amazon), ("customerAddress", customer)] {
                guard let block = IPv4Block(value), block.prefixLength >= 1 else {
                    throw AWSError.client(
                        "\(member) \(Identifiers.quoted(value)) is not valid: give an IPv4 address with its prefix "
                            + "length, as 169.254.10.1/30"
                    )
                }
            }
            guard amazon != customer else {
                throw AWSError.client("amazonAddress and customerAddress must differ")
            }
            // A public interface peers over the customer's public addresses (reference §3.1).
            if kind == .public {
                for (member, value) in [("amazonAddress", amazon), ("customerAddress", customer)] {
                    let host = value.split(separator: "/").first.map(String.init) ?? value
                    guard IPBlock("\(host)/32")?.isPublic ?? false else {
                        throw AWSError.client(
                            "\(member) \(value) is not valid for a public virtual interface: give a public IPv4 "
                                + "address that you own"
                        )
                    }
                }
            }
            return (amazon, customer)
        default:
            throw AWSError.client("Give both amazonAddress and customerAddress, or neither to have them assigned")
        }
    }

    package static func mtu(_ value: Int?, kind: Kind) throws -> Int {
        let mtu = value ?? 1500
        guard kind.mtus.contains(mtu) else {
            throw AWSError.client(
                "MTU \(mtu) is not valid for a \(kind.rawValue) virtual interface: use "
                    + kind.mtus.map(String.init).joined(separator: " or ")
            )
        }
        return mtu
    }

    /// A public interface's route filter prefixes: 1 to 1,000 CIDR blocks of public address space, an IPv6 one /64 or
    /// shorter.
    package static func routeFilterPrefixes(_ given: [RouteFilterPrefix]?) throws -> [String] {
        let prefixes = (given ?? []).map { $0.cidr ?? "" }
        guard !prefixes.isEmpty else {
            throw AWSError.client("A public virtual interface needs at least one route filter prefix")
        }
        guard prefixes.count <= routeFilterPrefixLimit else {
            throw AWSError.client(
                "A public virtual interface takes at most \(routeFilterPrefixLimit) route filter prefixes"
            )
        }
        var seen = Set<String>()
        for text in prefixes {
            guard let block = IPBlock(text) else {
                throw AWSError.client("Route filter prefix \(Identifiers.quoted(text)) is not a valid CIDR block")
            }
            if case .v6 = block, block.prefixLength > 64 {
                throw AWSError.client("Route filter prefix \(text) is not valid: an IPv6 prefix must be /64 or shorter")
            }
            guard block.isPublic else {
                throw AWSError.client(
                    "Route filter prefix \(text) is not valid: a public virtual interface advertises public prefixes"
                )
            }
            guard seen.insert(block.description).inserted else {
                throw AWSError.client("Route filter prefix \(text) is given twice")
            }
        }
        return prefixes
    }

    // MARK: States

    /// The state of an interface at `now`, or `nil` once it is gone from every answer. `carrierDown`: its connection
    /// or LAG reads `down` for a reason the record does not hold (a `must_encrypt` port that MKA has not secured,
    /// SPEC 12), which holds a settled interface `down` as a port-down does.
    package static func state(
        _ record: VirtualInterfaceRecord,
        at now: Date,
        carrierDown: Bool = false
    ) -> VirtualInterfaceState? {
        if let deletedAt = record.deletedAt {
            guard now < deletedAt.addingTimeInterval(deletedVisibility) else { return nil }
            if record.rejected { return .rejected }
            return now < deletedAt ? .deleting : .deleted
        }
        guard let confirmedAt = record.confirmedAt else { return .confirming }
        if now < record.settlesAt {
            // A public interface's review: `verifying` for the first half of its transition, then `pending`
            // (reference §2). (our choice: the halves)
            let half = record.settlesAt.timeIntervalSince(confirmedAt) / 2
            return record.verifying && now < confirmedAt.addingTimeInterval(half) ? .verifying : .pending
        }
        if record.bgpDownAt != nil || record.carrierDownAt != nil || carrierDown { return .down }
        if isHeldByTest(record, at: now) { return .testing }
        return .available
    }

    /// Whether a failover test runs at `now` (the test's own clock, whatever the interface reads).
    package static func isTesting(_ record: VirtualInterfaceRecord, at now: Date) -> Bool {
        record.testEndsAt.map { now < $0 } ?? false
    }

    /// Whether a failover test holds the interface's chosen peers down at `now`: while it runs, and after it ends
    /// until they are back up (the failover test's settle time).
    package static func isHeldByTest(_ record: VirtualInterfaceRecord, at now: Date) -> Bool {
        (record.testRestoredAt ?? record.testEndsAt).map { now < $0 } ?? false
    }

    /// Whether the interface still counts on its connection (its VLAN, the limits): every state but `deleted`
    /// and `rejected`.
    package static func isHeld(_ record: VirtualInterfaceRecord, at now: Date) -> Bool {
        switch state(record, at: now) {
        case nil, .deleted?, .rejected?: false
        default: true
        }
    }

    /// A peer's state at `now` on an interface of `kind` in `interfaceState`, or `nil` once it is gone.
    package static func peerState(
        _ peer: BGPPeerRecord,
        kind: Kind,
        interfaceState: VirtualInterfaceState,
        at now: Date
    ) -> BGPPeerState? {
        switch interfaceState {
        case .deleted, .rejected: return .deleted
        case .deleting: return .deleting
        default: break
        }
        if let deletedAt = peer.deletedAt { return now < deletedAt ? .deleting : nil }
        if interfaceState == .confirming || now < peer.availableAt { return kind == .public ? .verifying : .pending }
        return .available
    }

    /// `up` while the peer and its interface are available (our choice, SPEC 8) and no failover test holds it down.
    package static func bgpStatus(
        _ peer: BGPPeerRecord,
        peerState: BGPPeerState,
        record: VirtualInterfaceRecord,
        interfaceState: VirtualInterfaceState,
        at now: Date
    ) -> BGPStatus {
        guard peerState == .available else { return .down }
        switch interfaceState {
        case .available: return .up
        case .testing: return record.testPeers.contains(peer.id) ? .down : .up
        default: return .down
        }
    }

    /// The peers not yet gone at `now`.
    package static func livePeers(_ record: VirtualInterfaceRecord, at now: Date) -> [BGPPeerRecord] {
        record.peers.filter { peer in peer.deletedAt.map { now < $0 } ?? true }
    }

    /// The peers whose deletion is still `deleting` or not begun: those a peer of the same family would clash with.
    package static func peersHeld(_ record: VirtualInterfaceRecord) -> [BGPPeerRecord] {
        record.peers.filter { $0.deletedAt == nil }
    }

    /// The first peering address (Amazon's or the customer's, without its prefix length) of `moving`'s peers that a
    /// peer of another of `others` uses too, with that interface's ID: a move onto their carrier is an IP conflict
    /// (reference §3.1). Only IPv4 addresses outside 169.254.0.0/16 count (our choice): link-local ones are the
    /// automatic addresses, which AWS never hands out twice but each account's pool here does (SPEC 7: never twice
    /// in an account and region), and IPv6 peering addresses are always automatic.
    package static func addressInUse(
        by moving: VirtualInterfaceRecord,
        among others: [VirtualInterfaceRecord]
    ) -> (address: String, interfaceId: String)? {
        func addresses(_ record: VirtualInterfaceRecord) -> [String] {
            peersHeld(record).flatMap { [$0.amazonAddress, $0.customerAddress] }.compactMap { address in
                guard let ip = address.split(separator: "/").first, !ip.contains(":"), !ip.hasPrefix("169.254.")
                else { return nil }
                return String(ip)
            }
        }
        let wanted = Set(addresses(moving))
        for other in others where other.id != moving.id {
            if let address = addresses(other).first(where: wanted.contains) { return (address, other.id) }
        }
        return nil
    }

    // MARK: Automatic peering addresses

    /// The /30 blocks of 169.254.1.0-169.254.254.255 (the first and last /24 of the link-local range are reserved).
    static let ipv4Blocks = 254 * 64

    /// The `issued`-th automatic IPv4 peering (Amazon `.1`, customer `.2` of a /30 of 169.254.0.0/16), or `nil`
    /// once every block has been handed out. Blocks come in a scattered order: 5,923 is coprime with 16,256
    /// (2^7 x 127), so `issued -> issued x 5923 + 1337 mod 16256` visits every block exactly once.
    package static func ipv4Peering(_ issued: Int) -> (amazon: String, customer: String)? {
        guard issued >= 0, issued < ipv4Blocks else { return nil }
        let index = (issued * 5_923 + 1_337) % ipv4Blocks
        let third = 1 + index / 64
        let fourth = (index % 64) * 4
        return ("169.254.\(third).\(fourth + 1)/30", "169.254.\(third).\(fourth + 2)/30")
    }

    /// The /30 of the automatic IPv4 peering range (169.254.0.0/16) that holds an address given as `a.b.c.d/n`;
    /// `nil` for an address outside it.
    package static func ipv4PeeringBlock(_ address: String) -> String? {
        guard let host = address.split(separator: "/").first, let block = IPv4Block("\(host)/30"),
            block.network >> 16 == 0xA9FE
        else { return nil }
        return block.description
    }

    /// The `issued`-th automatic IPv6 peering: a /125 of the documentation range `2001:db8:1100:2f0:0:1::/96`
    /// (our choice: addresses that route nowhere), Amazon at offset 1 and the customer at offset 6, as the service's
    /// example shows (`...:4211/125`, `...:4216/125`). The odd multiplier visits every /125 of the range once.
    package static func ipv6Peering(_ issued: Int) -> (amazon: String, customer: String)? {
        let blocks = 1 << 29
        guard issued >= 0, issued < blocks else { return nil }
        let block = UInt32((issued &* 40_503 &+ 7_717) & (blocks - 1)) << 3
        let high = String(block >> 16, radix: 16)
        func address(_ offset: UInt32) -> String {
            "2001:db8:1100:2f0:0:1:\(high):\(String((block & 0xFFFF) + offset, radix: 16))/125"
        }
        return (address(1), address(6))
    }

    /// An auth key as the service generates one: `0x` and 22 characters of letters, digits, `.` and `_`.
    package static func newAuthKey() -> String {
        "0x" + RandomText.string(22, from: authKeyAlphabet)
    }

    private static let authKeyAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._")

    /// `dxvif-` or `dxpeer-` and eight lower-case letters or digits.
    package static func newInterfaceId() -> String { "dxvif-" + RandomText.string(8, from: lowerAlphanumerics) }
    package static func newPeerId() -> String { "dxpeer-" + RandomText.string(8, from: lowerAlphanumerics) }
    private static let lowerAlphanumerics = Array("abcdefghijklmnopqrstuvwxyz0123456789")

}
