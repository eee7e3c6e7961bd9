import AWSJSONProtocol
import DirectConnectModel
import Foundation
import ServiceKit
import Storage

extension DirectConnectService {
    /// The physical events of a port that `POST /_dxlocal/simulate` makes happen (SPEC 11).
    package enum PortEvent: String, Sendable, CaseIterable {
        case portDown = "port-down"
        case portUp = "port-up"
    }

    /// What a port shows once an event happened: the connection (or interconnect) as DescribeConnections shows it,
    /// where it is, and its LAG's state when it is a member of one.
    package struct SimulatedPort: Sendable {
        package var connection: Connection
        package var lagState: LagState?
    }

    /// Takes the port of a connection or interconnect, found by its ID in any account and region, down or up again,
    /// in one transaction at the clock's instant. A port that has not settled yet (`requested`, `pending`) refuses:
    /// it carries no link to lose (our choice). Taking a port down that is down, or up that is up, changes nothing.
    package func simulate(_ event: PortEvent, connectionId id: String) async throws -> SimulatedPort {
        try await transaction(.write) { transaction in
            let now = clock.now
            guard var found = try await transaction.recordInAnyScope(ConnectionRecord.self, id: id) else {
                throw AWSError(
                    code: "NotFoundException",
                    message: "No connection or interconnect has the ID \(Identifiers.quoted(id))",
                    status: 404
                )
            }
            let settled = Keychain.portState(found.record.state, at: now)
            let ordering = Hosted.state(found.record, at: now) == .ordering
            guard settled == .available, !ordering else {
                let shown = ordering ? ConnectionState.ordering.rawValue : settled.rawValue
                throw AWSError(
                    code: "ValidationException",
                    message: "\(id) is \(shown): only a port that is available can go down or come up",
                    status: 400
                )
            }
            // A hosted connection is a VLAN on its partner's port (SPEC 11): it cannot come up while that port is down.
            if event == .portUp, let hosted = found.record.hosted,
                try await isDown(
                    hosted.parentId,
                    Scope(account: hosted.partnerAccount, region: found.scope.region),
                    transaction,
                    at: now
                )
            {
                throw AWSError(
                    code: "ValidationException",
                    message: "\(id) is a hosted connection on \(hosted.parentId), whose port is down: it comes up "
                        + "with that port",
                    status: 400
                )
            }
            switch event {
            case .portDown: found.record.portDownAt = found.record.portDownAt ?? now
            case .portUp:
                // The outage stays in the port's history, which its MKA replay goes through (SPEC 12).
                if let downAt = found.record.portDownAt {
                    found.record.pastOutages =
                        (found.record.pastOutages ?? []) + [OutageRecord(downAt: downAt, upAt: now)]
                }
                found.record.portDownAt = nil
            }
            try await transaction.save(found.record, in: found.scope)
            // The port's LAG and its members (this port as saved), read once for the event and the answer.
            var lag: (record: LagRecord, members: [ConnectionRecord])?
            if let lagId = found.record.lagId, let record = try await transaction.lag(id: lagId, in: found.scope) {
                lag = (record, try await transaction.members(ofLag: lagId, in: found.scope))
            }
            try await propagatePortEvent(found.record, lag: lag, in: found.scope, transaction, at: now)
            let mka = try await mkaVerdicts(
                lag?.members ?? [found.record],
                lags: lag.map { [$0.record.id: $0.record] } ?? [:],
                in: transaction,
                found.scope,
                at: now
            )
            return SimulatedPort(
                connection: Self.connection(found.record, lag: lag?.record, in: found.scope, at: now, mka: mka),
                lagState: lag.flatMap {
                    Self.lag($0.record, members: $0.members, in: found.scope, at: now, mka: mka).lagState
                }
            )
        }
    }

    /// Whether the interconnect or LAG `id` of `scope` is down (held down, or a LAG below its minimum links).
    private func isDown(
        _ id: String,
        _ scope: Scope,
        _ transaction: any StoreTransaction,
        at now: Date
    ) async throws -> Bool {
        if id.hasPrefix(Identifiers.lagPrefix) {
            guard let lag = try await transaction.lag(id: id, in: scope) else { return false }
            return Keychain.isDown(lag, members: try await transaction.members(ofLag: id, in: scope), at: now)
        }
        return try await transaction.connection(id: id, in: scope)?.portDownAt != nil
    }

    /// What a port's event does to what the port carries (our choice: as on a real port): the interfaces of a
    /// connection, or of its LAG once the LAG is down or up again, read `down` or come back; the hosted connections
    /// of an interconnect (or of such a LAG) go down or up with it, and their interfaces too. A port-up brings them
    /// all up, whatever held them down before.
    func propagatePortEvent(
        _ port: ConnectionRecord,
        lag: (record: LagRecord, members: [ConnectionRecord])?,
        in scope: Scope,
        _ transaction: any StoreTransaction,
        at now: Date
    ) async throws {
        if let lag {
            try await propagateLagState(lag.record, members: lag.members, in: scope, transaction, at: now)
        } else {
            try await propagate(carrierId: port.id, down: port.portDownAt != nil, in: scope, transaction, at: now)
        }
    }

    /// What a LAG carries reads `down` while the LAG is down (below its minimum links, our choice as above) and
    /// comes back when it is not: after its membership or its minimum links change.
    func propagateLagState(
        _ lag: LagRecord,
        members: [ConnectionRecord],
        in scope: Scope,
        _ transaction: any StoreTransaction,
        at now: Date
    ) async throws {
        let down = Keychain.isDown(lag, members: members, at: now)
        try await propagate(carrierId: lag.id, down: down, in: scope, transaction, at: now)
    }

    private func propagate(
        carrierId: String,
        down: Bool,
        in scope: Scope,
        _ transaction: any StoreTransaction,
        at now: Date
    ) async throws {
        try await markInterfaces(on: carrierId, down: down, in: scope, transaction, at: now)
        for held in try await hostedConnections(on: carrierId, in: transaction, scope) {
            var hosted = held.record
            hosted.portDownAt = down ? (hosted.portDownAt ?? now) : nil
            try await transaction.save(hosted, in: held.holder)
            try await markInterfaces(on: hosted.id, down: down, in: held.holder, transaction, at: now)
        }
    }

    /// Marks the interfaces of a connection or LAG whose port is down (or clears the mark).
    private func markInterfaces(
        on carrierId: String,
        down: Bool,
        in scope: Scope,
        _ transaction: any StoreTransaction,
        at now: Date
    ) async throws {
        for var record in try await transaction.records(
            VirtualInterfaceRecord.self,
            in: scope,
            matching: RecordMatch(.first, carrierId),
            page: .all
        ) where record.deletedAt == nil {
            let mark = down ? (record.carrierDownAt ?? now) : nil
            guard mark != record.carrierDownAt else { continue }
            record.carrierDownAt = mark
            try await transaction.save(record, in: scope)
        }
    }

    /// The BGP events of a virtual interface that `POST /_dxlocal/simulate` makes happen (SPEC 11).
    package enum BGPEvent: String, Sendable, CaseIterable {
        case bgpDown = "bgp-down"
        case bgpUp = "bgp-up"
    }

    /// Takes the BGP sessions of a virtual interface, found by its ID in any account and region, down (the interface
    /// reads `down`, its peers' `bgpStatus` is `down`) or up again, in one transaction at the clock's instant. Only an
    /// interface that has settled (`available`, `down` or `testing`) takes the event (our choice, as ports do).
    package func simulate(_ event: BGPEvent, virtualInterfaceId id: String) async throws -> VirtualInterface {
        try await transaction(.write) { transaction in
            let now = clock.now
            guard var found = try await transaction.recordInAnyScope(VirtualInterfaceRecord.self, id: id),
                let state = Rules.state(found.record, at: now)
            else {
                throw AWSError(
                    code: "NotFoundException",
                    message: "No virtual interface has the ID \(Identifiers.quoted(id))",
                    status: 404
                )
            }
            guard [.available, .down, .testing].contains(state) else {
                throw AWSError(
                    code: "ValidationException",
                    message:
                        "\(id) is \(state.rawValue): only a settled virtual interface's BGP can go down or come up",
                    status: 400
                )
            }
            switch event {
            case .bgpDown: found.record.bgpDownAt = found.record.bgpDownAt ?? now
            case .bgpUp: found.record.bgpDownAt = nil
            }
            try await transaction.save(found.record, in: found.scope)
            return try await interface(
                HeldInterface(record: found.record, holder: found.scope),
                in: transaction,
                at: now
            )
        }
    }
}
