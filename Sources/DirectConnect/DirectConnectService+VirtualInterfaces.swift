import AWSJSONProtocol
import DirectConnectModel
import Foundation
import ServiceKit
import Storage

/// Virtual interfaces (SPEC 7 and 8, reference §3.1): kept in the regional scope of the account owning the dedicated
/// connection or LAG that carries them; a hosted one (allocated for another account) is linked into its owner's
/// scope of the same region, so both accounts see it. An attachment to a Direct Connect gateway is kept in the
/// gateway owner's global scope.
extension DirectConnectService {
    typealias Rules = VirtualInterfaceRules

    // MARK: Create

    package func createPrivateVirtualInterface(
        _ input: CreatePrivateVirtualInterfaceRequest,
        in scope: Scope
    ) async throws -> VirtualInterface {
        try Self.requireMembers(input)
        let connectionId = try Self.required(input.connectionId, "connectionId")
        guard let new = input.newPrivateVirtualInterface else {
            throw AWSError.client("Missing required parameter newPrivateVirtualInterface")
        }
        var request = try Self.interfaceRequest(.private, new)
        request.virtualGatewayId = Self.given(new.virtualGatewayId)
        request.directConnectGatewayId = Self.given(new.directConnectGatewayId)
        request.siteLink = new.enableSiteLink ?? false
        try Self.checkGateways(of: request)
        return try await createInterface(request, on: connectionId, owner: scope.account, in: scope)
    }

    package func createPublicVirtualInterface(
        _ input: CreatePublicVirtualInterfaceRequest,
        in scope: Scope
    ) async throws -> VirtualInterface {
        try Self.requireMembers(input)
        let connectionId = try Self.required(input.connectionId, "connectionId")
        guard let new = input.newPublicVirtualInterface else {
            throw AWSError.client("Missing required parameter newPublicVirtualInterface")
        }
        var request = try Self.interfaceRequest(.public, new)
        request.routeFilterPrefixes = try Rules.routeFilterPrefixes(new.routeFilterPrefixes)
        return try await createInterface(request, on: connectionId, owner: scope.account, in: scope)
    }

    package func createTransitVirtualInterface(
        _ input: CreateTransitVirtualInterfaceRequest,
        in scope: Scope
    ) async throws -> CreateTransitVirtualInterfaceResult {
        try Self.requireMembers(input)
        let connectionId = try Self.required(input.connectionId, "connectionId")
        guard let new = input.newTransitVirtualInterface else {
            throw AWSError.client("Missing required parameter newTransitVirtualInterface")
        }
        var request = try Self.interfaceRequest(.transit, new)
        request.directConnectGatewayId = Self.given(new.directConnectGatewayId)
        request.siteLink = new.enableSiteLink ?? false
        try Self.checkGateways(of: request)
        let created = try await createInterface(request, on: connectionId, owner: scope.account, in: scope)
        return CreateTransitVirtualInterfaceResult(virtualInterface: created)
    }

    // MARK: Allocate and confirm (hosted interfaces)

    package func allocatePrivateVirtualInterface(
        _ input: AllocatePrivateVirtualInterfaceRequest,
        in scope: Scope
    ) async throws -> VirtualInterface {
        try Self.requireMembers(input)
        let connectionId = try Self.required(input.connectionId, "connectionId")
        let owner = try Self.allocationOwner(input.ownerAccount, in: scope)
        guard let new = input.newPrivateVirtualInterfaceAllocation else {
            throw AWSError.client("Missing required parameter newPrivateVirtualInterfaceAllocation")
        }
        let request = try Self.interfaceRequest(.private, new)
        return try await createInterface(request, on: connectionId, owner: owner, in: scope)
    }

    package func allocatePublicVirtualInterface(
        _ input: AllocatePublicVirtualInterfaceRequest,
        in scope: Scope
    ) async throws -> VirtualInterface {
        try Self.requireMembers(input)
        let connectionId = try Self.required(input.connectionId, "connectionId")
        let owner = try Self.allocationOwner(input.ownerAccount, in: scope)
        guard let new = input.newPublicVirtualInterfaceAllocation else {
            throw AWSError.client("Missing required parameter newPublicVirtualInterfaceAllocation")
        }
        var request = try Self.interfaceRequest(.public, new)
        request.routeFilterPrefixes = try Rules.routeFilterPrefixes(new.routeFilterPrefixes)
        return try await createInterface(request, on: connectionId, owner: owner, in: scope)
    }

    /// The model requires no member of the transit allocation; its name and VLAN are required here as for the two
    /// others (reference §3.1).
    package func allocateTransitVirtualInterface(
        _ input: AllocateTransitVirtualInterfaceRequest,
        in scope: Scope
    ) async throws -> AllocateTransitVirtualInterfaceResult {
        try Self.requireMembers(input)
        let connectionId = try Self.required(input.connectionId, "connectionId")
        let owner = try Self.allocationOwner(input.ownerAccount, in: scope)
        guard let new = input.newTransitVirtualInterfaceAllocation else {
            throw AWSError.client("Missing required parameter newTransitVirtualInterfaceAllocation")
        }
        let request = try Self.interfaceRequest(.transit, new)
        let allocated = try await createInterface(request, on: connectionId, owner: owner, in: scope)
        return AllocateTransitVirtualInterfaceResult(virtualInterface: allocated)
    }

    package func confirmPrivateVirtualInterface(
        _ input: ConfirmPrivateVirtualInterfaceRequest,
        in scope: Scope
    ) async throws -> ConfirmPrivateVirtualInterfaceResponse {
        try Self.requireMembers(input)
        let id = try Self.required(input.virtualInterfaceId, "virtualInterfaceId")
        var gateways = Rules.Request(kind: .private, name: "", vlan: 1, asn: 1, mtu: 1500, family: .ipv4)
        gateways.virtualGatewayId = Self.given(input.virtualGatewayId)
        gateways.directConnectGatewayId = Self.given(input.directConnectGatewayId)
        try Self.checkGateways(of: gateways)
        let state = try await confirmInterface(id, kind: .private, gateways: gateways, in: scope)
        return ConfirmPrivateVirtualInterfaceResponse(virtualInterfaceState: state)
    }

    package func confirmPublicVirtualInterface(
        _ input: ConfirmPublicVirtualInterfaceRequest,
        in scope: Scope
    ) async throws -> ConfirmPublicVirtualInterfaceResponse {
        try Self.requireMembers(input)
        let id = try Self.required(input.virtualInterfaceId, "virtualInterfaceId")
        let gateways = Rules.Request(kind: .public, name: "", vlan: 1, asn: 1, mtu: 1500, family: .ipv4)
        let state = try await confirmInterface(id, kind: .public, gateways: gateways, in: scope)
        return ConfirmPublicVirtualInterfaceResponse(virtualInterfaceState: state)
    }

    package func confirmTransitVirtualInterface(
        _ input: ConfirmTransitVirtualInterfaceRequest,
        in scope: Scope
    ) async throws -> ConfirmTransitVirtualInterfaceResponse {
        try Self.requireMembers(input)
        let id = try Self.required(input.virtualInterfaceId, "virtualInterfaceId")
        var gateways = Rules.Request(kind: .transit, name: "", vlan: 1, asn: 1, mtu: 1500, family: .ipv4)
        gateways.directConnectGatewayId = try Self.required(input.directConnectGatewayId, "directConnectGatewayId")
        let state = try await confirmInterface(id, kind: .transit, gateways: gateways, in: scope)
        return ConfirmTransitVirtualInterfaceResponse(virtualInterfaceState: state)
    }

    // MARK: Describe, update, move, delete

    /// The interfaces on the caller's connections and LAGs and those it owns on another account's, deleted ones for
    /// 15 minutes; by connection or LAG, or by ID. An unknown ID lists nothing (Terraform reads an empty list as
    /// gone; reference §3.1).
    package func describeVirtualInterfaces(
        _ input: DescribeVirtualInterfacesRequest,
        in scope: Scope
    ) async throws -> VirtualInterfaces {
        let list = "virtualInterfaces"
        let request = try pages.request(list: list, maxResults: input.maxResults, nextToken: input.nextToken, in: scope)
        let connectionId = Self.given(input.connectionId)
        let interfaceId = Self.given(input.virtualInterfaceId)
        let now = clock.now
        return try await transaction(.read) { transaction in
            var found: [HeldInterface]
            if let interfaceId {
                found = try await visibleInterface(interfaceId, in: transaction, scope, at: now).map { [$0] } ?? []
            } else {
                found = try await visibleInterfaces(in: transaction, scope, on: connectionId, at: now)
            }
            if let connectionId { found.removeAll { $0.record.connectionId != connectionId } }
            let (page, token) = try pages.page(of: found, request: request, list: list, in: scope, id: \.record.id)
            let down = try await carriersDown(of: page, in: transaction, at: now)
            return VirtualInterfaces(
                virtualInterfaces: try page.map { try interface($0, at: now, carrierDown: down.contains($0.carrier)) },
                nextToken: token
            )
        }
    }

    /// The MTU (`pending` until the change settles), SiteLink and name; each given member is changed, the others
    /// kept. Only the interface's owner may change it (our choice).
    package func updateVirtualInterfaceAttributes(
        _ input: UpdateVirtualInterfaceAttributesRequest,
        in scope: Scope
    ) async throws -> VirtualInterface {
        try Self.requireMembers(input)
        let id = try Self.required(input.virtualInterfaceId, "virtualInterfaceId")
        let name = try input.virtualInterfaceName.map { try Rules.name($0) }
        let now = clock.now
        let settlesAt = settled(from: now, .vif)
        return try await transaction(.write) { transaction in
            var held = try await ownInterface(id, in: transaction, scope, at: now)
            let kind = Rules.Kind(rawValue: held.record.type) ?? .private
            switch Rules.state(held.record, at: now) {
            case .available?, .down?, .pending?, .verifying?, .testing?: break
            case let state:
                throw AWSError.client(
                    "Virtual interface \(id) is \(state?.rawValue ?? "deleted") and cannot be updated"
                )
            }
            if let mtu = input.mtu, mtu != held.record.mtu {
                guard kind != .public else {
                    throw AWSError.client("The MTU of public virtual interface \(id) cannot be changed")
                }
                held.record.mtu = try Rules.mtu(mtu, kind: kind)
                held.record.settlesAt = max(held.record.settlesAt, settlesAt)
            }
            if let siteLink = input.enableSiteLink, siteLink != held.record.siteLinkEnabled {
                guard kind != .public, held.record.virtualGatewayId == nil else {
                    throw AWSError.client(
                        "SiteLink is not available on virtual interface \(id): it needs a private or transit "
                            + "virtual interface attached to a Direct Connect gateway"
                    )
                }
                held.record.siteLinkEnabled = siteLink
            }
            if let name { held.record.name = name }
            try await transaction.save(held.record, in: held.holder)
            return try await interface(held, in: transaction, at: now)
        }
    }

    /// Moves an interface to another dedicated connection or LAG of the caller's, in the same region: the caller
    /// owns both connections, the VLAN is free there and the target has room (reference §3.1). The interface reads
    /// `pending` and its peers settle again.
    package func associateVirtualInterface(
        _ input: AssociateVirtualInterfaceRequest,
        in scope: Scope
    ) async throws -> VirtualInterface {
        try Self.requireMembers(input)
        let id = try Self.required(input.virtualInterfaceId, "virtualInterfaceId")
        let connectionId = try Self.required(input.connectionId, "connectionId")
        let now = clock.now
        let settlesAt = settled(from: now, .vif)
        let peersAt = settled(from: now, .bgpPeer)
        return try await transaction(.write) { transaction in
            guard var held = try await visibleInterface(id, in: transaction, scope, at: now),
                Rules.isHeld(held.record, at: now)
            else { throw Self.interfaceNotFound(id) }
            // The model: the requester owns the interface or its connection, and owns the target (reference §3.1);
            // `visibleInterface` answers only those two, and `carrier` only the caller's connections and LAGs.
            let state = Rules.state(held.record, at: now)
            guard state != .deleting else {
                throw AWSError.client("Virtual interface \(id) is being deleted and cannot be moved")
            }
            if held.holder != scope, state == .confirming {
                // (our choice) Its owner accepts it where it was allocated before taking it elsewhere.
                throw AWSError.client("Virtual interface \(id) is confirming: confirm it before moving it")
            }
            guard held.record.connectionId != connectionId else {
                throw AWSError.client("Virtual interface \(id) is already on \(connectionId)")
            }
            let carrier = try await carrier(connectionId, in: transaction, scope, at: now)
            if carrier.isLag,
                let current = try await transaction.connection(id: held.record.connectionId, in: held.holder),
                current.hosted != nil
            {
                // The model: it moves with its hosted connection (AssociateHostedConnection), never onto a LAG.
                throw AWSError.client(
                    "Virtual interface \(id) is on hosted connection \(current.id) and cannot be moved to a LAG: it "
                        + "moves with its hosted connection"
                )
            }
            let kind = Rules.Kind(rawValue: held.record.type) ?? .private
            try await checkRoom(
                on: carrier,
                kind: kind,
                vlan: held.record.vlan,
                moving: held.record,
                in: transaction,
                scope,
                at: now
            )
            held.record.connectionId = carrier.id
            held.record.location = carrier.port.location
            held.record.move(toDeviceOf: carrier.port)
            held.record.carrierDownAt = carrier.isDown ? now : nil
            if held.record.confirmedAt != nil {
                held.record.settlesAt = settlesAt
                held.record.verifying = false
                held.record.peers = Rules.peersHeld(held.record).map { peer in
                    var peer = peer
                    peer.availableAt = peersAt
                    return peer
                }
            }
            if held.holder != scope {
                // Its owner moved it onto a connection of its own: it leaves the scope that held it, and the link
                // through which its owner saw it there. (our choice: it is then the owner's own interface)
                try await transaction.delete(VirtualInterfaceRecord.self, id: id, in: held.holder)
                try await transaction.delete(LinkRecord.self, id: id, in: scope)
                held.holder = scope
            }
            try await transaction.save(held.record, in: held.holder)
            return try await interface(held, in: transaction, at: now)
        }
    }

    /// `deleting`, then `deleted` for 15 minutes; the owner of a hosted interface refusing it while it is
    /// `confirming` makes it `rejected`. Its owner or its connection's may delete it; a second deletion answers the
    /// state it reads (our choice).
    package func deleteVirtualInterface(
        _ input: DeleteVirtualInterfaceRequest,
        in scope: Scope
    ) async throws -> DeleteVirtualInterfaceResponse {
        try Self.requireMembers(input)
        let id = try Self.required(input.virtualInterfaceId, "virtualInterfaceId")
        let now = clock.now
        // Never before now: a deleted interface stays listed for 15 minutes from its deletion.
        let deletedAt = max(now, settled(from: now, .vif))
        return try await transaction(.write) { transaction in
            guard var held = try await visibleInterface(id, in: transaction, scope, at: now),
                let state = Rules.state(held.record, at: now)
            else { throw Self.interfaceNotFound(id) }
            guard held.record.deletedAt == nil else {
                return DeleteVirtualInterfaceResponse(virtualInterfaceState: state)
            }
            if state == .confirming, held.record.ownerAccount == scope.account, held.holder != scope {
                held.record.deletedAt = now
                held.record.rejected = true
                try await transaction.save(held.record, in: held.holder)
                return DeleteVirtualInterfaceResponse(virtualInterfaceState: .rejected)
            }
            held.record.deletedAt = deletedAt
            if Rules.isTesting(held.record, at: now) {
                // A test ends with its interface, `cancelled` (our choice: the reference is silent).
                let owner = Scope(account: held.record.ownerAccount, region: scope.region)
                _ = try await cancelRunningTests(of: id, in: owner, transaction, at: now)
                held.record.testEndsAt = now
                held.record.testRestoredAt = now
            }
            try await transaction.save(held.record, in: held.holder)
            try await detach(held.record, in: transaction, at: now, detachedAt: deletedAt)
            return DeleteVirtualInterfaceResponse(virtualInterfaceState: .deleting)
        }
    }

    // MARK: Shared steps

    /// An interface with the scope that holds it (its connection owner's).
    struct HeldInterface: Sendable {
        var record: VirtualInterfaceRecord
        var holder: Scope

        /// The connection or LAG that carries it, in the scope that holds both.
        var carrier: RecordPosition { RecordPosition(scope: holder, id: record.connectionId) }
    }

    /// A dedicated connection or LAG that carries interfaces.
    struct Carrier: Sendable {
        var id: String
        var port: PortRecord
        var keys: [KeyRecord]
        /// A hosted connection's VLAN, which its one interface takes (the partner set it).
        var hostedVlan: Int?
        var isLag = false
        /// Whether the port is down (the operator's `port-down`): an interface made or moved onto it reads `down`.
        var isDown = false
    }

    static func interfaceNotFound(_ id: String) -> AWSError {
        .client("Virtual interface \(Identifiers.quoted(id)) does not exist")
    }

    /// The account a hosted interface is allocated for: twelve digits, never the caller's.
    static func allocationOwner(_ given: String?, in scope: Scope) throws -> String {
        let owner = try required(given, "ownerAccount")
        try Identifiers.checkOwnerAccount(owner)
        guard owner != scope.account else {
            throw AWSError.client("Cannot allocate VirtualInterface for the connection owner.")
        }
        return owner
    }

    /// What the six create and allocate shapes describe, checked.
    static func interfaceRequest(_ kind: Rules.Kind, _ new: some NewInterfaceShape) throws -> Rules.Request {
        let family = try Rules.family(new.addressFamily)
        let addresses = try Rules.addresses(
            amazon: new.amazonAddress,
            customer: new.customerAddress,
            family: family,
            kind: kind
        )
        return Rules.Request(
            kind: kind,
            name: try Rules.name(new.virtualInterfaceName),
            vlan: try Rules.vlan(new.vlan),
            asn: try Rules.asn(asn: new.asn, asnLong: new.asnLong),
            mtu: try Rules.mtu(new.mtu, kind: kind),
            authKey: try Rules.authKey(new.authKey),
            family: family,
            amazonAddress: addresses?.amazon,
            customerAddress: addresses?.customer,
            tags: try validatedTags(new.tags)
        )
    }

    /// A private interface names exactly one gateway, a transit one a Direct Connect gateway; SiteLink needs a
    /// Direct Connect gateway.
    static func checkGateways(of request: Rules.Request) throws {
        switch request.kind {
        case .private:
            switch (request.virtualGatewayId, request.directConnectGatewayId) {
            case (nil, nil):
                throw AWSError.client(
                    "A private virtual interface needs a virtualGatewayId or a directConnectGatewayId"
                )
            case (_?, _?):
                throw AWSError.client("Give a virtualGatewayId or a directConnectGatewayId, not both")
            case (let vgw?, nil):
                guard EC2Identifiers.isWellFormed(vgw, prefix: "vgw") else {
                    throw AWSError.client("Virtual gateway ID \(Identifiers.quoted(vgw)) has an invalid format")
                }
                guard !request.siteLink else {
                    throw AWSError.client(
                        "SiteLink is not available on a virtual interface attached to a virtual private gateway"
                    )
                }
            case (nil, _?): break
            }
        case .transit:
            guard request.directConnectGatewayId != nil else {
                throw AWSError.client("A transit virtual interface needs a directConnectGatewayId")
            }
        case .public: break
        }
    }

    /// Makes an interface on `connectionId`, a connection or LAG of the caller's, owned by `owner`: the caller's
    /// own (created, attached to its gateway) or another account's (allocated, `confirming` until that account
    /// confirms it). One transaction: the carrier has room and the VLAN free, the gateway accepts it.
    func createInterface(
        _ request: Rules.Request,
        on connectionId: String,
        owner: String,
        in scope: Scope
    ) async throws -> VirtualInterface {
        let now = clock.now
        let allocated = owner != scope.account
        let settlesAt = allocated ? Date.distantPast : settled(from: now, .vif)
        let peersAt = allocated ? Date.distantFuture : settled(from: now, .bgpPeer)
        return try await transaction(.write) { transaction in
            let carrier = try await carrier(connectionId, in: transaction, scope, at: now)
            try await checkRoom(on: carrier, kind: request.kind, vlan: request.vlan, in: transaction, scope, at: now)
            let id = try await transaction.unusedID(for: VirtualInterfaceRecord.self, in: scope, Rules.newInterfaceId)
            var record = VirtualInterfaceRecord(
                id: id,
                type: request.kind.rawValue,
                name: request.name,
                connectionId: carrier.id,
                ownerAccount: owner,
                location: carrier.port.location,
                awsDeviceV2: carrier.port.awsDeviceV2,
                awsLogicalDeviceId: carrier.port.awsLogicalDeviceId,
                vlan: request.vlan,
                asn: request.asn,
                amazonSideAsn: Rules.publicAmazonSideASN,
                mtu: request.mtu,
                siteLinkEnabled: request.siteLink,
                routeFilterPrefixes: request.routeFilterPrefixes,
                peers: [],
                createdAt: now,
                confirmedAt: allocated ? nil : now,
                settlesAt: settlesAt,
                verifying: request.kind == .public,
                testPeers: [],
                carrierDownAt: carrier.isDown ? now : nil,
                rejected: false,
                tags: request.tags
            )
            record.peers = [
                try await newPeer(
                    of: record,
                    asn: request.asn,
                    authKey: request.authKey,
                    family: request.family,
                    amazonAddress: request.amazonAddress,
                    customerAddress: request.customerAddress,
                    in: transaction,
                    scope,
                    at: now,
                    availableAt: peersAt
                )
            ]
            if !allocated {
                try await attach(&record, to: request, in: transaction, scope, at: now)
            }
            try await transaction.save(record, in: scope)
            try await link(
                id,
                kind: VirtualInterfaceRecord.recordKind.name,
                owner: scope.account,
                into: Scope(account: owner, region: scope.region),
                in: transaction
            )
            return try await interface(HeldInterface(record: record, holder: scope), in: transaction, at: now)
        }
    }

    /// The owner confirming a hosted interface: attached to its gateway, `pending` (`verifying` for a public one)
    /// until the settle time passes.
    func confirmInterface(
        _ id: String,
        kind: Rules.Kind,
        gateways: Rules.Request,
        in scope: Scope
    ) async throws -> VirtualInterfaceState {
        let now = clock.now
        let settlesAt = settled(from: now, .vif)
        let peersAt = settled(from: now, .bgpPeer)
        return try await transaction(.write) { transaction in
            guard var held = try await visibleInterface(id, in: transaction, scope, at: now),
                let state = Rules.state(held.record, at: now), state != .deleted, state != .rejected
            else { throw Self.interfaceNotFound(id) }
            guard held.record.ownerAccount == scope.account else {
                throw AWSError.client(
                    "Virtual interface \(id) can be confirmed only by its owner, account \(held.record.ownerAccount)"
                )
            }
            guard state == .confirming else {
                throw AWSError.client("Virtual interface \(id) is \(state.rawValue), not confirming")
            }
            guard held.record.type == kind.rawValue else {
                throw AWSError.client("Virtual interface \(id) is a \(held.record.type) virtual interface")
            }
            held.record.confirmedAt = now
            held.record.settlesAt = settlesAt
            held.record.peers = held.record.peers.map { peer in
                var peer = peer
                peer.availableAt = peersAt
                return peer
            }
            try await attach(&held.record, to: gateways, in: transaction, scope, at: now)
            try await transaction.save(held.record, in: held.holder)
            return kind == .public ? .verifying : .pending
        }
    }

    /// The connection or LAG of the caller's that carries interfaces: not an interconnect, not a LAG member.
    func carrier(
        _ id: String,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        at now: Date
    ) async throws -> Carrier {
        if id.hasPrefix(Identifiers.lagPrefix) {
            guard let lag = try await transaction.lag(id: id, in: scope) else { throw AWSError.notFound(id) }
            let members = try await transaction.members(ofLag: id, in: scope)
            let down = Keychain.isDown(lag, members: members, at: now)
            return Carrier(id: lag.id, port: lag.port, keys: lag.keys, isLag: true, isDown: down)
        }
        guard let connection = try await transaction.connection(id: id, in: scope) else {
            throw AWSError.notFound(id)
        }
        guard connection.kind == .connection else {
            throw AWSError.client("Interconnect \(id) carries hosted connections, not virtual interfaces")
        }
        if let lagId = connection.lagId {
            throw AWSError.client(
                "Connection \(id) is a member of \(lagId): create the virtual interface on the LAG"
            )
        }
        guard HostedConnectionRules.carriesInterfaces(connection) else {
            throw AWSError.client(
                "Connection \(id) is ordering: confirm the hosted connection before creating virtual interfaces on it"
            )
        }
        return Carrier(
            id: connection.id,
            port: connection.port,
            keys: connection.keys,
            hostedVlan: connection.hosted == nil ? nil : connection.vlan,
            isDown: connection.portDownAt != nil
        )
    }

    /// The VLAN is free on the carrier and it has room for one more interface of `kind`; an interface `moving`
    /// onto it uses no peering address that one of its interfaces uses, those moving with it (`movingWith`, a
    /// connection's interfaces following it into a LAG) aside. Interfaces of the carrier gone from every answer are
    /// removed from the store on the way (a write transaction).
    func checkRoom(
        on carrier: Carrier,
        kind: Rules.Kind,
        vlan: Int,
        moving: VirtualInterfaceRecord? = nil,
        movingWith: Set<String> = [],
        in transaction: any StoreTransaction,
        _ scope: Scope,
        at now: Date
    ) async throws {
        var held: [VirtualInterfaceRecord] = []
        for record in try await transaction.records(
            VirtualInterfaceRecord.self,
            in: scope,
            matching: RecordMatch(.first, carrier.id),
            page: .all
        ) {
            if Rules.state(record, at: now) == nil {
                try await transaction.delete(VirtualInterfaceRecord.self, id: record.id, in: scope)
            } else if Rules.isHeld(record, at: now) {
                held.append(record)
            }
        }
        if let hostedVlan = carrier.hostedVlan {
            // The user guide: on a hosted connection, use the VLAN the partner provided.
            guard vlan == hostedVlan else {
                throw AWSError.client(
                    "Vlan \(vlan) is not the VLAN of hosted connection \(carrier.id): use \(hostedVlan), which its "
                        + "partner set"
                )
            }
            guard held.isEmpty else {
                throw AWSError.client(
                    "Hosted connection \(carrier.id) already has a virtual interface, the most it may have"
                )
            }
        }
        if held.contains(where: { $0.vlan == vlan }) {
            throw AWSError.client("Vlan \(vlan) is already in use")
        }
        if carrier.isLag,
            try await hostedConnections(on: carrier.id, in: transaction, scope).contains(where: {
                $0.record.vlan == vlan
            })
        {
            throw AWSError.client("Vlan \(vlan) is already in use")
        }
        if let moving, let clash = Rules.addressInUse(by: moving, among: held.filter { !movingWith.contains($0.id) }) {
            throw AWSError.client(
                "Address \(clash.address) is already in use on \(carrier.id) by virtual interface \(clash.interfaceId)"
            )
        }
        guard held.count < Rules.interfaceLimit else {
            throw AWSError.client(
                "\(carrier.id) already has \(Rules.interfaceLimit) virtual interfaces, the most it may have"
            )
        }
        if kind == .transit,
            held.filter({ $0.type == Rules.Kind.transit.rawValue }).count >= Rules.transitInterfaceLimit
        {
            throw AWSError.client(
                "\(carrier.id) already has \(Rules.transitInterfaceLimit) transit virtual interfaces, the most it "
                    + "may have"
            )
        }
    }

    /// Attaches `record` to the gateway `request` names, of `scope`'s account: a virtual private gateway of the
    /// region (its ASN becomes the interface's Amazon side), or a Direct Connect gateway with room that mixes no
    /// kinds (an attachment is made, `attaching` until the settle time passes).
    func attach(
        _ record: inout VirtualInterfaceRecord,
        to request: Rules.Request,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        at now: Date
    ) async throws {
        if let vgw = request.virtualGatewayId {
            record.virtualGatewayId = vgw
            if ec2External {
                record.amazonSideAsn = Self.defaultGatewayASN
            } else {
                guard let gateway = try await transaction.record(VpnGatewayRecord.self, id: vgw, in: scope) else {
                    throw AWSError.client("The VirtualGateway \(vgw) does not exist.")
                }
                record.amazonSideAsn = gateway.amazonSideAsn
            }
            return
        }
        guard let gatewayId = request.directConnectGatewayId else { return }
        let kind = Rules.Kind(rawValue: record.type) ?? .private
        let global = Scope.global(account: scope.account)
        let gateway = try await liveGateway(gatewayId, in: transaction, global, at: now)
        guard !Self.isBeingDeleted(gateway, at: now) else {
            throw AWSError.client("Direct Connect Gateway \(gatewayId) is being deleted")
        }
        let attached = try await liveAttachments(to: gatewayId, in: transaction, global, at: now, purging: true)
        if let other = attached.first(where: { $0.attachmentType != kind.attachmentType.rawValue }) {
            throw AWSError.client(
                "Direct Connect Gateway \(gatewayId) has \(other.attachmentType == "TransitVirtualInterface" ? "transit" : "private") "
                    + "virtual interface \(other.id) attached; private and transit virtual interfaces cannot share "
                    + "a Direct Connect gateway"
            )
        }
        guard attached.count < Rules.gatewayInterfaceLimit else {
            throw AWSError.client(
                "Direct Connect Gateway \(gatewayId) already has \(Rules.gatewayInterfaceLimit) virtual interfaces "
                    + "attached, the most it may have"
            )
        }
        let associations = try await liveAssociations(in: transaction, global, at: now)
            .filter { $0.directConnectGatewayId == gatewayId }
        let clashing = kind == .transit ? GatewayType.virtualPrivateGateway : GatewayType.transitGateway
        if let association = associations.first(where: { $0.gatewayType == clashing.rawValue }) {
            throw AWSError.client(
                "Direct Connect Gateway \(gatewayId) is associated with \(association.gatewayId): a "
                    + "\(kind.rawValue) virtual interface cannot be attached to it"
            )
        }
        record.directConnectGatewayId = gatewayId
        record.directConnectGatewayOwner = scope.account
        record.amazonSideAsn = gateway.amazonSideAsn
        try await transaction.save(
            AttachmentRecord(
                id: record.id,
                directConnectGatewayId: gatewayId,
                interfaceRegion: scope.region,
                interfaceOwnerAccount: record.ownerAccount,
                attachmentType: kind.attachmentType.rawValue,
                createdAt: now,
                attachedAt: settled(from: now, .vif)
            ),
            in: global
        )
    }

    /// Starts the detachment of a deleted interface from its Direct Connect gateway, if it has one.
    func detach(
        _ record: VirtualInterfaceRecord,
        in transaction: any StoreTransaction,
        at now: Date,
        detachedAt: Date
    ) async throws {
        guard let owner = record.directConnectGatewayOwner else { return }
        let global = Scope.global(account: owner)
        guard var attachment = try await transaction.record(AttachmentRecord.self, id: record.id, in: global) else {
            return
        }
        if detachedAt > now {
            attachment.detachedAt = detachedAt
            try await transaction.save(attachment, in: global)
        } else {
            try await transaction.delete(AttachmentRecord.self, id: record.id, in: global)
        }
    }

    /// The attachments to a gateway of the account not yet gone; with `purging` the others are removed.
    func liveAttachments(
        to gatewayId: String?,
        in transaction: any StoreTransaction,
        _ global: Scope,
        at now: Date,
        purging: Bool = false
    ) async throws -> [AttachmentRecord] {
        let match = gatewayId.map { RecordMatch(.first, $0) }
        var live: [AttachmentRecord] = []
        for record in try await transaction.records(AttachmentRecord.self, in: global, matching: match, page: .all) {
            if Self.attachmentState(record, at: now) != nil {
                live.append(record)
            } else if purging {
                try await transaction.delete(AttachmentRecord.self, id: record.id, in: global)
            }
        }
        return live
    }

    /// An attachment's state at `now`, or `nil` once its detachment has completed (our choice: `detached` is never
    /// shown, as `disassociated` associations are not).
    package static func attachmentState(
        _ record: AttachmentRecord,
        at now: Date
    ) -> DirectConnectGatewayAttachmentState? {
        if let detachedAt = record.detachedAt { return now < detachedAt ? .detaching : nil }
        return now < record.attachedAt ? .attaching : .attached
    }

    /// A new peer of `record`: its addresses given, or the next automatic ones of its owner's account and region
    /// (never handed out twice, and never one given by hand there: SPEC 7), its auth key given or generated, and
    /// sealed.
    func newPeer(
        of record: VirtualInterfaceRecord,
        asn: Int,
        authKey: String?,
        family: AddressFamily,
        amazonAddress: String?,
        customerAddress: String?,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        at now: Date,
        availableAt: Date
    ) async throws -> BGPPeerRecord {
        var amazon = amazonAddress ?? ""
        var customer = customerAddress ?? ""
        let automatic = amazonAddress == nil || customerAddress == nil
        // Blocks of the automatic range given by hand, which the pool records (none for a public interface's).
        let given = automatic ? [] : Set([amazon, customer].compactMap(Rules.ipv4PeeringBlock))
        // The pool of the interface's owner, wherever the interface is held (a hosted one on a partner's connection),
        // read only when it is drawn from or told of a block.
        let poolScope = Scope(account: record.ownerAccount, region: scope.region)
        var pool = PeeringPoolRecord(id: "peering", ipv4Issued: 0, ipv6Issued: 0)
        if automatic || !given.isEmpty {
            pool = try await transaction.record(PeeringPoolRecord.self, id: "peering", in: poolScope) ?? pool
        }
        if automatic {
            let handPicked = Set(pool.ipv4HandPicked ?? [])
            var issued = family == .ipv6 ? pool.ipv6Issued : pool.ipv4Issued
            var addresses = family == .ipv6 ? Rules.ipv6Peering(issued) : Rules.ipv4Peering(issued)
            while family == .ipv4, let taken = addresses,
                handPicked.contains(Rules.ipv4PeeringBlock(taken.amazon) ?? "")
            {
                issued += 1
                addresses = Rules.ipv4Peering(issued)
            }
            guard let addresses else {
                throw AWSError.client("No automatic \(family.rawValue) peering addresses are left in \(scope.region)")
            }
            if family == .ipv6 { pool.ipv6Issued = issued + 1 } else { pool.ipv4Issued = issued + 1 }
            try await transaction.save(pool, in: poolScope)
            (amazon, customer) = addresses
        } else {
            let known = Set(pool.ipv4HandPicked ?? [])
            if !given.isSubset(of: known) {
                pool.ipv4HandPicked = known.union(given).sorted()
                try await transaction.save(pool, in: poolScope)
            }
        }
        var peerId = Rules.newPeerId()
        while record.peers.contains(where: { $0.id == peerId }) { peerId = Rules.newPeerId() }
        let key = authKey ?? Rules.newAuthKey()
        let sealed: (sealed: Data, keyId: String)
        do {
            sealed = try sealer.seal(
                Data(key.utf8),
                context: BGPAuthKeySealing.context(interfaceId: record.id, peerId: peerId)
            )
        } catch {
            throw Self.serverError
        }
        return BGPPeerRecord(
            id: peerId,
            asn: asn,
            sealedAuthKey: sealed.sealed,
            masterKeyId: sealed.keyId,
            addressFamily: family.rawValue,
            amazonAddress: amazon,
            customerAddress: customer,
            createdAt: now,
            availableAt: availableAt
        )
    }

    /// An interface the caller sees: on its connections (its scope) or its own on another account's (linked).
    func visibleInterface(
        _ id: String,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        at now: Date
    ) async throws -> HeldInterface? {
        if let record = try await transaction.record(VirtualInterfaceRecord.self, id: id, in: scope) {
            return Rules.state(record, at: now) == nil ? nil : HeldInterface(record: record, holder: scope)
        }
        guard let link = try await transaction.record(LinkRecord.self, id: id, in: scope),
            link.kind == VirtualInterfaceRecord.recordKind.name
        else { return nil }
        let holder = Self.ownerScope(of: link, from: scope)
        guard let record = try await transaction.record(VirtualInterfaceRecord.self, id: id, in: holder),
            record.ownerAccount == scope.account, Rules.state(record, at: now) != nil
        else { return nil }
        return HeldInterface(record: record, holder: holder)
    }

    /// An interface the caller owns and may change (its failover tests, peers, attributes), or the error Terraform
    /// matches (`does not exist`).
    func ownInterface(
        _ id: String,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        at now: Date
    ) async throws -> HeldInterface {
        guard let held = try await visibleInterface(id, in: transaction, scope, at: now) else {
            throw Self.interfaceNotFound(id)
        }
        guard held.record.ownerAccount == scope.account else {
            throw AWSError.client(
                "Virtual interface \(id) belongs to account \(held.record.ownerAccount); only its owner may change it"
            )
        }
        return held
    }

    /// Every interface the caller sees, in ID order: on its connections (on one when `connectionId` is given) and
    /// its own on other accounts'.
    func visibleInterfaces(
        in transaction: any StoreTransaction,
        _ scope: Scope,
        on connectionId: String?,
        at now: Date
    ) async throws -> [HeldInterface] {
        let match = connectionId.map { RecordMatch(.first, $0) }
        var found = try await transaction.records(VirtualInterfaceRecord.self, in: scope, matching: match, page: .all)
            .filter { Rules.state($0, at: now) != nil }
            .map { HeldInterface(record: $0, holder: scope) }
        for (record, owner) in try await linkedRecords(
            VirtualInterfaceRecord.self,
            in: scope,
            transaction,
            { record in
                record.ownerAccount == scope.account && Rules.state(record, at: now) != nil
            }
        ) {
            found.append(HeldInterface(record: record, holder: Scope(account: owner, region: scope.region)))
        }
        return found.sorted { $0.record.id < $1.record.id }
    }

    /// Whether a connection or LAG still carries interfaces that are not `deleted` (DeleteConnection and DeleteLag
    /// refuse then).
    func carriesInterfaces(
        _ id: String,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        at now: Date
    ) async throws
        -> Bool
    {
        try await transaction.records(
            VirtualInterfaceRecord.self,
            in: scope,
            matching: RecordMatch(.first, id),
            page: .all
        )
        .contains { Rules.isHeld($0, at: now) }
    }

    // MARK: Rendering

    /// The interface as the service answers it, with what its carrier's MKA does to it (`carriersDown`).
    func interface(
        _ held: HeldInterface,
        in transaction: any StoreTransaction,
        at now: Date,
        deletingPeer: String? = nil
    ) async throws -> VirtualInterface {
        let down = try await carriersDown(of: [held], in: transaction, at: now)
        return try interface(held, at: now, deletingPeer: deletingPeer, carrierDown: down.contains(held.carrier))
    }

    /// The carriers of `interfaces` that read `down` where their interfaces' records do not say so: a
    /// MACsec-capable connection or LAG in `must_encrypt` whose ports MKA has not secured (SPEC 12; our choice, as
    /// on a real port: what a down port carries goes down with it, as after the operator's `port-down`). Ports in
    /// another mode are never down for MKA, so only a `must_encrypt` carrier costs its verdicts.
    func carriersDown(
        of interfaces: [HeldInterface],
        in transaction: any StoreTransaction,
        at now: Date
    ) async throws -> Set<RecordPosition> {
        var down: Set<RecordPosition> = []
        let carriers = Set(interfaces.map(\.carrier))
        // The connections among them, one read a holding scope rather than one a carrier (on PostgreSQL each read is
        // a round trip, and a listing may hold a thousand interfaces on as many connections).
        let connections = try await transaction.records(
            ConnectionRecord.self,
            at: carriers.filter { !$0.id.hasPrefix(Identifiers.lagPrefix) }
        )
        for key in carriers {
            let (id, scope) = (key.id, key.scope)
            if id.hasPrefix(Identifiers.lagPrefix) {
                guard let lag = try await transaction.lag(id: id, in: scope),
                    Keychain.effectiveMode(lag.port.encryptionMode, keys: lag.keys, at: now) == .mustEncrypt
                else { continue }
                let members = try await transaction.members(ofLag: id, in: scope)
                let mka = try await mkaVerdicts(members, lags: [id: lag], in: transaction, scope, at: now)
                if Self.lag(lag, members: members, in: scope, at: now, mka: mka).lagState == .down { down.insert(key) }
            } else {
                guard let connection = connections[key], MKAVerdicts.runsMKA(connection) else { continue }
                // A member keeps its LAG's mode and keys (an interface made on it before it joined one).
                let lag = try await connection.lagId.asyncMap { try await transaction.lag(id: $0, in: scope) } ?? nil
                guard Keychain.keysAndMode(of: connection, lag: lag, at: now).mode == .mustEncrypt else { continue }
                let lags = lag.map { [$0.id: $0] } ?? [:]
                let mka = try await mkaVerdicts([connection], lags: lags, in: transaction, scope, at: now)
                if Self.connection(connection, lag: lag, in: scope, at: now, mka: mka).connectionState == .down {
                    down.insert(key)
                }
            }
        }
        return down
    }

    /// An interface as the service answers it (reference §1.3): every member, empty gateways as `""`, the peers'
    /// auth keys opened. `carrierDown`: see `carriersDown`.
    func interface(
        _ held: HeldInterface,
        at now: Date,
        deletingPeer: String? = nil,
        carrierDown: Bool
    ) throws -> VirtualInterface {
        let record = held.record
        let kind = Rules.Kind(rawValue: record.type) ?? .private
        let state = Rules.state(record, at: now, carrierDown: carrierDown) ?? .deleted
        var peers: [BGPPeer] = []
        var routerPeers: [RouterPeering] = []
        for peer in record.peers {
            guard var peerState = Rules.peerState(peer, kind: kind, interfaceState: state, at: now) else { continue }
            if peer.id == deletingPeer { peerState = .deleting }
            let key = try authKey(of: peer, interfaceId: record.id)
            peers.append(
                BGPPeer(
                    bgpPeerId: peer.id,
                    asn: Rules.shortASN(peer.asn),
                    asnLong: peer.asn,
                    authKey: key,
                    addressFamily: AddressFamily(rawValue: peer.addressFamily),
                    amazonAddress: peer.amazonAddress,
                    customerAddress: peer.customerAddress,
                    bgpPeerState: peerState,
                    bgpStatus: Rules.bgpStatus(
                        peer,
                        peerState: peerState,
                        record: record,
                        interfaceState: state,
                        at: now
                    ),
                    awsDeviceV2: record.awsDeviceV2,
                    awsLogicalDeviceId: record.awsLogicalDeviceId
                )
            )
            routerPeers.append(
                RouterPeering(
                    addressFamily: peer.addressFamily,
                    amazonAddress: peer.amazonAddress,
                    customerAddress: peer.customerAddress,
                    asn: peer.asn,
                    authKey: key
                )
            )
        }
        let first = peers.first { $0.addressFamily == .ipv4 } ?? peers.first
        return VirtualInterface(
            ownerAccount: record.ownerAccount,
            virtualInterfaceId: record.id,
            location: record.location,
            connectionId: record.connectionId,
            virtualInterfaceType: record.type,
            virtualInterfaceName: record.name,
            vlan: record.vlan,
            asn: Rules.shortASN(record.asn),
            asnLong: record.asn,
            amazonSideAsn: record.amazonSideAsn,
            authKey: first?.authKey,
            amazonAddress: first?.amazonAddress,
            customerAddress: first?.customerAddress,
            addressFamily: first?.addressFamily,
            virtualInterfaceState: state,
            customerRouterConfig: RouterConfiguration.logicalConnectionXML(
                Self.routerInterface(record, peers: routerPeers)
            ),
            mtu: record.mtu,
            jumboFrameCapable: true,
            virtualGatewayId: record.virtualGatewayId ?? "",
            directConnectGatewayId: record.directConnectGatewayId ?? "",
            routeFilterPrefixes: record.routeFilterPrefixes.map { RouteFilterPrefix(cidr: $0) },
            bgpPeers: peers,
            region: held.holder.region,
            awsDeviceV2: record.awsDeviceV2,
            awsLogicalDeviceId: record.awsLogicalDeviceId,
            tags: Self.tags(record.tags),
            siteLinkEnabled: record.siteLinkEnabled
        )
    }

    static func routerInterface(
        _ record: VirtualInterfaceRecord,
        peers: [RouterPeering],
        macSecCKN: String? = nil
    ) -> RouterInterface {
        RouterInterface(
            id: record.id,
            name: record.name,
            type: record.type,
            vlan: record.vlan,
            amazonSideAsn: record.amazonSideAsn,
            peers: peers,
            routeFilterPrefixes: record.routeFilterPrefixes,
            macSecCKN: macSecCKN
        )
    }

    /// A peer's auth key, opened; a failure to open it is the server's fault, never shown.
    func authKey(of peer: BGPPeerRecord, interfaceId: String) throws -> String {
        do {
            let data = try sealer.open(
                peer.sealedAuthKey,
                keyId: peer.masterKeyId,
                context: BGPAuthKeySealing.context(interfaceId: interfaceId, peerId: peer.id)
            )
            return String(decoding: data, as: UTF8.self)
        } catch {
            throw Self.serverError
        }
    }
}

/// The members the model's six shapes of a new interface share (`NewPrivateVirtualInterface`, ...,
/// `NewTransitVirtualInterfaceAllocation`); public ones have no MTU.
protocol NewInterfaceShape {
    var virtualInterfaceName: String? { get }
    var vlan: Int? { get }
    var asn: Int? { get }
    var asnLong: Int? { get }
    var mtu: Int? { get }
    var authKey: String? { get }
    var amazonAddress: String? { get }
    var customerAddress: String? { get }
    var addressFamily: AddressFamily? { get }
    var tags: [Tag]? { get }
}

extension NewPrivateVirtualInterface: NewInterfaceShape {}
extension NewTransitVirtualInterface: NewInterfaceShape {}
extension NewPrivateVirtualInterfaceAllocation: NewInterfaceShape {}
extension NewTransitVirtualInterfaceAllocation: NewInterfaceShape {}
extension NewPublicVirtualInterface: NewInterfaceShape {
    var mtu: Int? { nil }
}
extension NewPublicVirtualInterfaceAllocation: NewInterfaceShape {
    var mtu: Int? { nil }
}
