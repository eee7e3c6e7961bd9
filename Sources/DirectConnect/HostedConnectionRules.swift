import AWSJSONProtocol
import DirectConnectModel
import Foundation
import Storage

/// The pure rules of hosted connections and the partner flow (SPEC 7, reference §§2, 3.6, 3.10): the bandwidths a
/// partner may allocate, the states as functions of the stored instants, and the checks a request passes before any
/// store is read. No I/O.
package enum HostedConnectionRules {
    /// The bandwidths of a hosted connection (reference §3.6), in megabits per second.
    package static let bandwidths: [(name: String, megabits: Int)] = [
        ("50Mbps", 50), ("100Mbps", 100), ("200Mbps", 200), ("300Mbps", 300), ("400Mbps", 400), ("500Mbps", 500),
        ("1Gbps", 1_000), ("2Gbps", 2_000), ("5Gbps", 5_000), ("10Gbps", 10_000), ("25Gbps", 25_000),
    ]

    /// An account's partner type (DescribeCustomerMetadata's `nniPartnerType`).
    package enum PartnerType: String, Sendable, CaseIterable {
        case v1
        case v2
        case nonPartner

        /// The hosted bandwidths the type may allocate (reference §3.6: v1 below 1 Gbps only, v2 1 to 10 Gbps only;
        /// a non-partner, SPEC 7's default, any).
        package var megabits: ClosedRange<Int> {
            switch self {
            case .v1: 50...500
            case .v2: 1_000...10_000
            case .nonPartner: 50...25_000
            }
        }
    }

    /// The megabits per second a bandwidth names (`50Mbps`, `10Gbps`), hosted or dedicated; `nil` for any other text.
    package static func megabits(_ bandwidth: String) -> Int? {
        if let known = bandwidths.first(where: { $0.name == bandwidth }) { return known.megabits }
        guard bandwidth.hasSuffix("Gbps"), let gigabits = Int(bandwidth.dropLast(4)), (1...400).contains(gigabits)
        else { return nil }
        return gigabits * 1_000
    }

    /// What AllocateHostedConnection and AllocateConnectionOnInterconnect describe, checked.
    package struct Request: Sendable, Hashable {
        package var owner: String
        package var name: String
        package var bandwidth: String
        package var vlan: Int
        package var tags: [TagRecord]
    }

    /// The checks of an allocation that need no store: the owner is an account ID, the bandwidth a hosted one, the
    /// VLAN in 1-4094 and the name given.
    package static func request(
        owner: String?,
        bandwidth: String?,
        name: String?,
        vlan: Int?,
        tags: [TagRecord]
    ) throws -> Request {
        guard let owner, !owner.isEmpty else { throw AWSError.client("Missing required parameter ownerAccount") }
        try Identifiers.checkOwnerAccount(owner)
        guard let bandwidth, !bandwidth.isEmpty else { throw AWSError.client("Missing required parameter bandwidth") }
        guard bandwidths.contains(where: { $0.name == bandwidth }) else {
            throw AWSError.client(
                "Bandwidth \(Identifiers.quoted(bandwidth)) is not a hosted connection bandwidth; use one of "
                    + bandwidths.map(\.name).joined(separator: ", ")
            )
        }
        guard let name, !name.isEmpty else { throw AWSError.client("Missing required parameter connectionName") }
        return Request(
            owner: owner,
            name: name,
            bandwidth: bandwidth,
            vlan: try VirtualInterfaceRules.vlan(vlan),
            tags: tags
        )
    }

    /// The bandwidth fits the partner's type and the parent's port (our choice: no hosted connection is faster than
    /// the interconnect or LAG link that carries it).
    package static func checkBandwidth(
        _ bandwidth: String,
        partnerType: PartnerType,
        parentId: String,
        parentBandwidth: String
    ) throws {
        guard let megabits = megabits(bandwidth) else {
            throw AWSError.client("Bandwidth \(Identifiers.quoted(bandwidth)) is not a hosted connection bandwidth")
        }
        guard partnerType.megabits.contains(megabits) else {
            let allowed = bandwidths.filter { partnerType.megabits.contains($0.megabits) }.map(\.name)
            throw AWSError.client(
                "A \(partnerType.rawValue) partner cannot allocate \(bandwidth) hosted connections; it may allocate "
                    + allowed.joined(separator: ", ")
            )
        }
        if let parent = Self.megabits(parentBandwidth), megabits > parent {
            throw AWSError.client(
                "Bandwidth \(bandwidth) is more than the \(parentBandwidth) of \(parentId), which would carry it"
            )
        }
    }

    /// A hosted connection's state: `ordering` until its owner confirms it, then its port's (`pending` until the
    /// settle time passes, `available`, `down` while the operator holds it down).
    package static func state(_ record: ConnectionRecord, at now: Date) -> ConnectionState {
        if let hosted = record.hosted, hosted.confirmedAt == nil { return .ordering }
        return ConnectionState(
            rawValue: Keychain.portState(record.state, portDown: record.portDownAt != nil, at: now).rawValue
        )
    }

    /// The states in which a hosted connection carries virtual interfaces: confirmed (our choice: a customer builds
    /// on a connection it has accepted, as the console does).
    package static func carriesInterfaces(_ record: ConnectionRecord) -> Bool {
        record.hosted.map { $0.confirmedAt != nil } ?? true
    }
}
