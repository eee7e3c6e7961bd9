import AWSJSONProtocol
import DirectConnectModel
import Foundation
import ServiceKit
import Storage

/// Hosted connections and the partner flow (SPEC 7, reference §3.6). A partner allocates a hosted connection on its
/// interconnect or LAG for a customer account; the connection is the customer's, kept in the customer's scope of the
/// parent's region (so DescribeConnections, ConfirmConnection, virtual interfaces, tags and LOAs find it as any of
/// its connections), with a `LinkRecord` in the partner's scope through which the partner lists, moves and deletes
/// it. A partner may allocate one for itself: then no link is needed.
extension DirectConnectService {
    typealias Hosted = HostedConnectionRules

    /// A hosted connection with the scope that holds it (its owner's).
    struct HeldConnection: Sendable {
        var record: ConnectionRecord
        var holder: Scope
    }

    /// An interconnect or LAG of the caller's, as a parent of hosted connections.
    struct HostedParent: Sendable {
        var id: String
        var port: PortRecord
        var isLag: Bool
    }

    // MARK: Allocate

    package func allocateHostedConnection(
        _ input: AllocateHostedConnectionRequest,
        in scope: Scope
    ) async throws -> Connection {
        try Self.requireMembers(input)
        let parentId = try Self.required(input.connectionId, "connectionId")
        let request = try Hosted.request(
            owner: input.ownerAccount,
            bandwidth: input.bandwidth,
            name: input.connectionName,
            vlan: input.vlan,
            tags: try Self.validatedTags(input.tags)
        )
        return try await allocateHosted(request, on: parentId, interconnectOnly: false, in: scope)
    }

    /// The deprecated form of AllocateHostedConnection: an interconnect only, no tags.
    package func allocateConnectionOnInterconnect(
        _ input: AllocateConnectionOnInterconnectRequest,
        in scope: Scope
    ) async throws -> Connection {
        try Self.requireMembers(input)
        let parentId = try Self.required(input.interconnectId, "interconnectId")
        let request = try Hosted.request(
            owner: input.ownerAccount,
            bandwidth: input.bandwidth,
            name: input.connectionName,
            vlan: input.vlan,
            tags: []
        )
        return try await allocateHosted(request, on: parentId, interconnectOnly: true, in: scope)
    }

    /// One transaction: the parent is the caller's and takes the bandwidth and the VLAN; the connection is made in
    /// the owner's scope, `ordering`, and linked into the caller's.
    func allocateHosted(
        _ request: Hosted.Request,
        on parentId: String,
        interconnectOnly: Bool,
        in scope: Scope
    ) async throws -> Connection {
        let now = clock.now
        let holder = Scope(account: request.owner, region: scope.region)
        return try await transaction(.write) { transaction in
            let parent = try await hostedParent(parentId, interconnectOnly: interconnectOnly, in: transaction, scope)
            let partner = try await customerRecord(of: scope.account, in: transaction)
            try Hosted.checkBandwidth(
                request.bandwidth,
                partnerType: partner.partnerType,
                parentId: parent.id,
                parentBandwidth: parent.port.bandwidth
            )
            try await checkVlanFree(request.vlan, on: parent, in: transaction, scope, at: now)
            // IDs are unique across accounts (SPEC 11), so a fresh one is checked in both scopes.
            let id = try await unusedId(Identifiers.newConnectionId, in: transaction, scopes: holder, scope)
            let record = ConnectionRecord(
                id: id,
                kind: .connection,
                name: request.name,
                port: PortRecord(
                    location: parent.port.location,
                    bandwidth: request.bandwidth,
                    awsDevice: parent.port.awsDevice,
                    awsDeviceV2: parent.port.awsDeviceV2,
                    awsLogicalDeviceId: parent.port.awsLogicalDeviceId,
                    providerName: nil,
                    macSecCapable: false,
                    encryptionMode: .noEncrypt
                ),
                vlan: request.vlan,
                state: SettlingState(transitional: .pending, settlesAt: .distantFuture),
                createdAt: now,
                tags: request.tags,
                keys: [],
                hosted: HostedRecord(
                    parentId: parent.id,
                    partnerAccount: scope.account,
                    partnerName: partner.partnerName ?? parent.port.providerName ?? scope.account,
                    parentMacSecCapable: parent.port.macSecCapable
                )
            )
            try await transaction.save(record, in: holder)
            try await link(
                id,
                kind: ConnectionRecord.recordKind.name,
                owner: request.owner,
                into: scope,
                in: transaction
            )
            return Self.connection(record, lag: nil, in: holder, at: now, mka: .untouched)
        }
    }

    // MARK: Confirm

    /// The owner accepting a hosted connection: `pending` until the settle time passes, then `available`.
    package func confirmConnection(
        _ input: ConfirmConnectionRequest,
        in scope: Scope
    ) async throws -> ConfirmConnectionResponse {
        try Self.requireMembers(input)
        let id = try Self.required(input.connectionId, "connectionId")
        let now = clock.now
        let settlesAt = settled(from: now, .hostedConnection)
        return try await transaction(.write) { transaction in
            guard var record = try await transaction.connection(id: id, in: scope), record.kind == .connection else {
                throw AWSError.connectionNotFound(id)
            }
            guard var hosted = record.hosted else {
                throw AWSError.client("Connection \(id) is not a hosted connection: there is nothing to confirm")
            }
            let state = Hosted.state(record, at: now)
            guard state == .ordering else {
                throw AWSError.client("Connection \(id) is \(state.rawValue), not ordering: it is confirmed already")
            }
            hosted.confirmedAt = now
            record.hosted = hosted
            record.state = SettlingState(transitional: .pending, settlesAt: settlesAt)
            try await transaction.save(record, in: scope)
            // The reply is `pending` as the service's is (reference §7), whatever the settle time.
            return ConfirmConnectionResponse(connectionState: .pending)
        }
    }

    // MARK: Describe

    /// The hosted connections on an interconnect or LAG of the caller's, paged. A connection's own ID (a hosted
    /// or dedicated one) is refused with the service's words (reference §4, Terraform #43499); an unknown one with
    /// the text Terraform reads as gone.
    package func describeHostedConnections(
        _ input: DescribeHostedConnectionsRequest,
        in scope: Scope
    ) async throws -> Connections {
        try Self.requireMembers(input)
        let parentId = try Self.required(input.connectionId, "connectionId")
        let list = "hostedConnections"
        let request = try pages.request(list: list, maxResults: input.maxResults, nextToken: input.nextToken, in: scope)
        let now = clock.now
        return try await transaction(.read) { transaction in
            let parent = try await listedParent(parentId, in: transaction, scope)
            let held = try await hostedConnections(on: parent, in: transaction, scope)
            let (page, token) = try pages.page(of: held, request: request, list: list, in: scope, id: \.record.id)
            return Connections(
                connections: page.map { Self.connection($0.record, lag: nil, in: $0.holder, at: now, mka: .untouched) },
                nextToken: token
            )
        }
    }

    /// The deprecated form of DescribeHostedConnections: an interconnect only, one answer (the model pages it not).
    package func describeConnectionsOnInterconnect(
        _ input: DescribeConnectionsOnInterconnectRequest,
        in scope: Scope
    ) async throws -> Connections {
        try Self.requireMembers(input)
        let parentId = try Self.required(input.interconnectId, "interconnectId")
        let now = clock.now
        return try await transaction(.read) { transaction in
            guard let record = try await transaction.connection(id: parentId, in: scope), record.kind == .interconnect
            else { throw Self.interconnectNotFound(parentId) }
            let held = try await hostedConnections(on: parentId, in: transaction, scope)
            return Connections(
                connections: held.map { Self.connection($0.record, lag: nil, in: $0.holder, at: now, mka: .untouched) }
            )
        }
    }

    // MARK: Move

    /// The partner moving a hosted connection, and so its virtual interfaces, to another of its interconnects or
    /// LAGs at the same location (our choice: a cross-connect does not change buildings); the VLAN must be free
    /// there and the bandwidth fit. The state does not change.
    package func associateHostedConnection(
        _ input: AssociateHostedConnectionRequest,
        in scope: Scope
    ) async throws -> Connection {
        try Self.requireMembers(input)
        let id = try Self.required(input.connectionId, "connectionId")
        let parentId = try Self.required(input.parentConnectionId, "parentConnectionId")
        let now = clock.now
        return try await transaction(.write) { transaction in
            guard let held = try await partnerConnection(id, in: transaction, scope), let hosted = held.record.hosted
            else { throw AWSError.connectionNotFound(id) }
            let parent = try await hostedParent(parentId, interconnectOnly: false, in: transaction, scope)
            guard hosted.parentId != parent.id else {
                return Self.connection(held.record, lag: nil, in: held.holder, at: now, mka: .untouched)
            }
            guard parent.port.location == held.record.port.location else {
                throw AWSError.client(
                    "Connection \(id) is at location \(held.record.port.location) and \(parent.id) at "
                        + "\(parent.port.location): a hosted connection moves within its location only"
                )
            }
            let partner = try await customerRecord(of: scope.account, in: transaction)
            try Hosted.checkBandwidth(
                held.record.port.bandwidth,
                partnerType: partner.partnerType,
                parentId: parent.id,
                parentBandwidth: parent.port.bandwidth
            )
            try await checkVlanFree(held.record.vlan, on: parent, in: transaction, scope, at: now)
            let moved = try await move(held, onto: parent, in: transaction)
            return Self.connection(moved, lag: nil, in: held.holder, at: now, mka: .untouched)
        }
    }

    // MARK: Shared steps

    static func interconnectNotFound(_ id: String) -> AWSError {
        .client("Could not find Interconnect with ID \(Identifiers.quoted(id))")
    }

    /// The caller's interconnect or LAG that hosted connections are allocated on or moved to: not a dedicated
    /// connection, not an interconnect that is a LAG's member (our choice: the LAG carries them then).
    func hostedParent(
        _ id: String,
        interconnectOnly: Bool,
        in transaction: any StoreTransaction,
        _ scope: Scope
    ) async throws -> HostedParent {
        if !interconnectOnly, id.hasPrefix(Identifiers.lagPrefix) {
            guard let lag = try await transaction.lag(id: id, in: scope) else { throw AWSError.notFound(id) }
            return HostedParent(id: lag.id, port: lag.port, isLag: true)
        }
        guard let record = try await transaction.connection(id: id, in: scope) else {
            throw interconnectOnly ? Self.interconnectNotFound(id) : AWSError.notFound(id)
        }
        guard record.kind == .interconnect else {
            throw AWSError.client(
                "Connection \(id) is not an interconnect: hosted connections are allocated on interconnects and LAGs"
            )
        }
        if let lagId = record.lagId {
            throw AWSError.client(
                "Interconnect \(id) is a member of \(lagId): allocate hosted connections on the LAG"
            )
        }
        return HostedParent(id: record.id, port: record.port, isLag: false)
    }

    /// The interconnect or LAG DescribeHostedConnections lists: the caller's; a connection it sees that is neither
    /// gets the service's own refusal.
    func listedParent(_ id: String, in transaction: any StoreTransaction, _ scope: Scope) async throws -> String {
        if id.hasPrefix(Identifiers.lagPrefix) {
            guard try await transaction.lag(id: id, in: scope) != nil else { throw AWSError.notFound(id) }
            return id
        }
        if let record = try await transaction.connection(id: id, in: scope) {
            guard record.kind == .interconnect else { throw Self.notAParent(id, in: scope) }
            return id
        }
        if try await partnerConnection(id, in: transaction, scope) != nil { throw Self.notAParent(id, in: scope) }
        throw AWSError.notFound(id)
    }

    /// What the service answers when DescribeHostedConnections is given a connection that carries none (reference
    /// §4: a hosted connection's own ID).
    static func notAParent(_ id: String, in scope: Scope) -> AWSError {
        .client(
            "\(scope.account) DescribeHostedConnections failed for connection \(Identifiers.quoted(id)) doesn't exist."
        )
    }

    /// The hosted connections on the caller's interconnect or LAG `parentId`, in ID order: those it allocated for
    /// itself (its own scope) and those of other accounts (linked).
    func hostedConnections(
        on parentId: String,
        in transaction: any StoreTransaction,
        _ scope: Scope
    ) async throws -> [HeldConnection] {
        var found = try await transaction.connections(of: .connection, in: scope, page: .all)
            .filter { $0.hosted?.parentId == parentId }
            .map { HeldConnection(record: $0, holder: scope) }
        for (record, owner) in try await linkedRecords(
            ConnectionRecord.self,
            in: scope,
            transaction,
            { record in
                record.hosted?.parentId == parentId && record.hosted?.partnerAccount == scope.account
            }
        ) {
            found.append(HeldConnection(record: record, holder: Scope(account: owner, region: scope.region)))
        }
        return found.sorted { $0.record.id < $1.record.id }
    }

    /// A hosted connection the caller allocated, in its own scope or another account's (linked).
    func partnerConnection(
        _ id: String,
        in transaction: any StoreTransaction,
        _ scope: Scope
    ) async throws -> HeldConnection? {
        if let record = try await transaction.connection(id: id, in: scope) {
            return record.hosted?.partnerAccount == scope.account ? HeldConnection(record: record, holder: scope) : nil
        }
        guard let link = try await transaction.record(LinkRecord.self, id: id, in: scope),
            link.kind == ConnectionRecord.recordKind.name
        else { return nil }
        let holder = Self.ownerScope(of: link, from: scope)
        guard let record = try await transaction.connection(id: id, in: holder),
            record.hosted?.partnerAccount == scope.account
        else { return nil }
        return HeldConnection(record: record, holder: holder)
    }

    /// A hosted connection moved onto `parent` (AssociateHostedConnection, or its interconnect joining a LAG): its
    /// parent, and the device it and its virtual interfaces are on; the moved record.
    func move(
        _ held: HeldConnection,
        onto parent: HostedParent,
        in transaction: any StoreTransaction
    ) async throws -> ConnectionRecord {
        var record = held.record
        record.hosted?.parentId = parent.id
        record.hosted?.parentMacSecCapable = parent.port.macSecCapable
        record.port.move(toDeviceOf: parent.port)
        try await transaction.save(record, in: held.holder)
        for var interface in try await transaction.records(
            VirtualInterfaceRecord.self,
            in: held.holder,
            matching: RecordMatch(.first, record.id),
            page: .all
        ) {
            interface.move(toDeviceOf: parent.port)
            try await transaction.save(interface, in: held.holder)
        }
        return record
    }

    /// A VLAN is free on a parent: no hosted connection on it holds it, nor (on a LAG) a virtual interface.
    func checkVlanFree(
        _ vlan: Int,
        on parent: HostedParent,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        at now: Date
    ) async throws {
        let hosted = try await hostedConnections(on: parent.id, in: transaction, scope)
        var taken = hosted.contains { $0.record.vlan == vlan }
        if !taken, parent.isLag {
            taken = try await transaction.records(
                VirtualInterfaceRecord.self,
                in: scope,
                matching: RecordMatch(.first, parent.id),
                page: .all
            )
            .contains { $0.vlan == vlan && VirtualInterfaceRules.isHeld($0, at: now) }
        }
        if taken { throw AWSError.client("Vlan \(vlan) is already in use") }
    }

    /// Whether an interconnect or LAG still carries hosted connections (their deletion is refused then, our
    /// choice: as a port with virtual interfaces).
    func carriesHostedConnections(
        _ id: String,
        in transaction: any StoreTransaction,
        _ scope: Scope
    ) async throws -> Bool {
        try await !hostedConnections(on: id, in: transaction, scope).isEmpty
    }

    /// Removes the link through which the partner sees a hosted connection of the caller's.
    func unlinkHosted(
        _ id: String,
        from hosted: HostedRecord,
        in transaction: any StoreTransaction,
        _ scope: Scope
    ) async throws {
        guard hosted.partnerAccount != scope.account else { return }
        let partner = Scope(account: hosted.partnerAccount, region: scope.region)
        try await transaction.delete(LinkRecord.self, id: id, in: partner)
    }

    /// The partner deleting a hosted connection it allocated for another account (reference §3.6: Terraform's
    /// `aws_dx_hosted_connection` does): gone for both, once no virtual interface is left on it.
    func deletePartnerConnection(
        _ id: String,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        at now: Date
    ) async throws -> Connection {
        guard let held = try await partnerConnection(id, in: transaction, scope) else {
            throw AWSError.connectionNotFound(id)
        }
        guard try await !carriesInterfaces(id, in: transaction, held.holder, at: now) else {
            throw AWSError.client("Connection \(id) cannot be deleted until its Virtual Interfaces are deleted")
        }
        try await transaction.deleteConnection(id: id, in: held.holder)
        try await transaction.delete(LinkRecord.self, id: id, in: scope)
        return Self.connection(held.record, lag: nil, in: held.holder, at: now, state: .deleted, mka: .untouched)
    }
}
