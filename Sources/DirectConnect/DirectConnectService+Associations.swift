import AWSJSONProtocol
import DirectConnectModel
import Foundation
import ServiceKit
import Storage

/// Associations of Direct Connect gateways with virtual private gateways and transit gateways (SPEC 7-9,
/// reference §3.4), kept in the global scope of the Direct Connect gateway's owner.
extension DirectConnectService {
    /// The most virtual private gateways, and transit gateways, one Direct Connect gateway associates with.
    package static let virtualGatewayAssociationLimit = 20
    package static let transitGatewayAssociationLimit = 6
    /// The most allowed prefixes of one transit gateway association, IPv4 and IPv6 together.
    package static let allowedPrefixLimit = 200

    package func createDirectConnectGatewayAssociation(
        _ input: CreateDirectConnectGatewayAssociationRequest,
        in scope: Scope
    ) async throws -> CreateDirectConnectGatewayAssociationResult {
        try Self.requireMembers(input)
        let gatewayId = try Self.required(input.directConnectGatewayId, "directConnectGatewayId")
        let target = try Self.associatedGatewayId(gatewayId: input.gatewayId, virtualGatewayId: input.virtualGatewayId)
        let requested = try Self.prefixes(input.addAllowedPrefixesToDirectConnectGateway)
        let now = clock.now
        let global = Scope.global(account: scope.account)
        let associatedAt = settled(from: now, .association)
        return try await transaction(.write) { transaction in
            let gateway = try await liveGateway(gatewayId, in: transaction, global, at: now)
            guard !Self.isBeingDeleted(gateway, at: now) else {
                throw AWSError.client("Direct Connect Gateway \(gatewayId) is being deleted")
            }
            let peer = try await associable(target, in: transaction, scope, gateway: gateway)
            let record = try await makeAssociation(
                of: target,
                in: scope,
                with: gateway,
                owner: scope.account,
                prefixes: requested.isEmpty ? peer.defaultPrefixes : requested,
                attaching: peer.known,
                in: transaction,
                at: now,
                associatedAt: associatedAt
            )
            return CreateDirectConnectGatewayAssociationResult(
                directConnectGatewayAssociation: Self.association(record, owner: scope.account, at: now)
            )
        }
    }

    /// A new association of `target`, a gateway of `gatewayScope`, with `gateway`, a Direct Connect gateway of
    /// `owner`: the gateway is associated with no other, the Direct Connect gateway has room for it and never mixes
    /// kinds, the prefixes follow the rules; a transit gateway known here gets its attachment. Saved in the owner's
    /// global scope, and linked into the gateway owner's when the two accounts differ.
    func makeAssociation(
        of target: AssociatedGatewayID,
        in gatewayScope: Scope,
        with gateway: GatewayRecord,
        owner: String,
        prefixes: [IPBlock],
        attaching: Bool,
        in transaction: any StoreTransaction,
        at now: Date,
        associatedAt: Date
    ) async throws -> AssociationRecord {
        let held = try await visibleAssociations(of: gatewayScope.account, in: transaction, at: now, purging: true)
        if let taken = held.first(where: { $0.record.gatewayId == target.id }) {
            throw AWSError.client(
                taken.record.directConnectGatewayId == gateway.id
                    ? "\(target.noun) \(target.id) is already associated with Direct Connect Gateway \(gateway.id)"
                    : "\(target.noun) \(target.id) is already associated with another Direct Connect Gateway"
            )
        }
        let global = Scope.global(account: owner)
        let siblings = try await liveAssociations(in: transaction, global, at: now, purging: true)
            .filter { $0.directConnectGatewayId == gateway.id }
        try Self.checkCounts(adding: target, to: siblings, gatewayId: gateway.id)
        // Transit gateways go with transit virtual interfaces, virtual private gateways with private ones.
        let clashing: DirectConnectGatewayAttachmentType =
            target.type == .transitGateway ? .privateVirtualInterface : .transitVirtualInterface
        if let attached = try await liveAttachments(to: gateway.id, in: transaction, global, at: now)
            .first(where: { $0.attachmentType == clashing.rawValue })
        {
            throw AWSError.client(
                "Direct Connect Gateway \(gateway.id) has virtual interface \(attached.id) attached: it cannot be "
                    + "associated with "
                    + (target.type == .transitGateway ? "transit gateway " : "virtual private gateway ") + target.id
            )
        }
        try Self.checkPrefixes(prefixes, for: target, among: siblings, associationId: nil)
        let id = try await transaction.unusedID(for: AssociationRecord.self, in: global, RandomUUID.make)
        var record = AssociationRecord(
            id: id,
            directConnectGatewayId: gateway.id,
            gatewayId: target.id,
            gatewayType: target.type.rawValue,
            gatewayOwnerAccount: gatewayScope.account,
            gatewayRegion: gatewayScope.region,
            allowedPrefixes: prefixes.map(\.description),
            createdAt: now,
            associatedAt: associatedAt
        )
        if target.type == .transitGateway, attaching {
            record.transitGatewayAttachmentId = try await attachTransitGateway(
                target.id,
                to: gateway.id,
                owner: owner,
                in: transaction,
                gatewayScope,
                at: now,
                availableAt: associatedAt
            )
        }
        try await transaction.save(record, in: global)
        try await link(
            record.id,
            kind: AssociationRecord.recordKind.name,
            owner: owner,
            into: .global(account: gatewayScope.account),
            in: transaction
        )
        return record
    }

    package func describeDirectConnectGatewayAssociations(
        _ input: DescribeDirectConnectGatewayAssociationsRequest,
        in scope: Scope
    ) async throws -> DescribeDirectConnectGatewayAssociationsResult {
        if let associationId = input.associationId { try Self.requireAssociationIdFormat(associationId) }
        let gatewayId = Self.given(input.directConnectGatewayId)
        let associated = Self.given(input.associatedGatewayId)
        let virtual = Self.given(input.virtualGatewayId)
        guard input.associationId != nil || gatewayId != nil || associated != nil || virtual != nil else {
            throw AWSError.client(
                "You must specify one of associationId, associatedGatewayId, directConnectGatewayId or "
                    + "virtualGatewayId"
            )
        }
        let list = "directConnectGatewayAssociations"
        let request = try pages.request(list: list, maxResults: input.maxResults, nextToken: input.nextToken, in: scope)
        let now = clock.now
        return try await transaction(.read) { transaction in
            let found = try await visibleAssociations(of: scope.account, in: transaction, at: now).filter { held in
                let record = held.record
                return (input.associationId.map { record.id == $0 } ?? true)
                    && (gatewayId.map { record.directConnectGatewayId == $0 } ?? true)
                    && (associated.map { record.gatewayId == $0 } ?? true)
                    && (virtual.map { record.gatewayId == $0 } ?? true)
            }
            let (page, token) = try pages.page(of: found, request: request, list: list, in: scope, id: \.record.id)
            return DescribeDirectConnectGatewayAssociationsResult(
                directConnectGatewayAssociations: page.map { Self.association($0.record, owner: $0.owner, at: now) },
                nextToken: token
            )
        }
    }

    /// Adds and removes allowed prefixes; the association reads `updating` until the settle time has passed. A
    /// prefix to remove that the association does not allow is ignored. (our choice)
    package func updateDirectConnectGatewayAssociation(
        _ input: UpdateDirectConnectGatewayAssociationRequest,
        in scope: Scope
    ) async throws -> UpdateDirectConnectGatewayAssociationResult {
        let associationId = try Self.required(input.associationId, "associationId")
        try Self.requireAssociationIdFormat(associationId)
        let adding = try Self.prefixes(input.addAllowedPrefixesToDirectConnectGateway)
        let removing = try Self.prefixes(input.removeAllowedPrefixesToDirectConnectGateway)
        let now = clock.now
        let updatedAt = settled(from: now, .association)
        return try await transaction(.write) { transaction in
            let held = try await visibleAssociation(associationId, of: scope.account, in: transaction, at: now)
            var record = held.record
            guard record.deletedAt == nil else {
                throw AWSError.client("Association \(associationId) is being disassociated and cannot be updated")
            }
            try await changePrefixes(
                of: &record,
                in: held.scope,
                adding: adding,
                removing: removing,
                in: transaction,
                at: now,
                updatedAt: updatedAt
            )
            return UpdateDirectConnectGatewayAssociationResult(
                directConnectGatewayAssociation: Self.association(record, owner: held.owner, at: now)
            )
        }
    }

    /// Removes `removing` from an association's allowed prefixes and adds `adding` (or puts `replacing` in their
    /// place), checks them against the rules and the Direct Connect gateway's other associations, and saves the
    /// association `updating` until `updatedAt`.
    func changePrefixes(
        of record: inout AssociationRecord,
        in global: Scope,
        adding: [IPBlock],
        removing: [IPBlock],
        replacing: [IPBlock] = [],
        in transaction: any StoreTransaction,
        at now: Date,
        updatedAt: Date
    ) async throws {
        var prefixes = record.allowedPrefixes.compactMap(IPBlock.init)
        if replacing.isEmpty {
            prefixes.removeAll { removing.contains($0) }
            for prefix in adding where !prefixes.contains(prefix) { prefixes.append(prefix) }
        } else {
            prefixes = replacing
        }
        let target = AssociatedGatewayID(id: record.gatewayId, type: GatewayType(rawValue: record.gatewayType))
        let gatewayId = record.directConnectGatewayId
        let siblings = try await liveAssociations(in: transaction, global, at: now)
            .filter { $0.directConnectGatewayId == gatewayId }
        try Self.checkPrefixes(prefixes, for: target, among: siblings, associationId: record.id)
        record.allowedPrefixes = prefixes.map(\.description)
        record.updatedAt = max(updatedAt, record.associatedAt)
        try await transaction.save(record, in: global)
    }

    /// By `associationId`, or by the gateway pair Ansible sends; answers the association `disassociating`, and it
    /// is gone from every answer once the settle time has passed (SPEC 8).
    package func deleteDirectConnectGatewayAssociation(
        _ input: DeleteDirectConnectGatewayAssociationRequest,
        in scope: Scope
    ) async throws -> DeleteDirectConnectGatewayAssociationResult {
        let associationId = Self.given(input.associationId)
        let gatewayId = Self.given(input.directConnectGatewayId)
        let virtual = Self.given(input.virtualGatewayId)
        if let associationId { try Self.requireAssociationIdFormat(associationId) }
        guard associationId != nil || (gatewayId != nil && virtual != nil) else {
            throw AWSError.client(
                "You must specify an associationId, or both a directConnectGatewayId and a virtualGatewayId"
            )
        }
        let now = clock.now
        let deletedAt = settled(from: now, .association)
        return try await transaction(.write) { transaction in
            let held: HeldAssociation
            if let associationId {
                held = try await visibleAssociation(associationId, of: scope.account, in: transaction, at: now)
            } else if let gatewayId, let virtual,
                let found = try await visibleAssociations(of: scope.account, in: transaction, at: now)
                    .first(where: { $0.record.directConnectGatewayId == gatewayId && $0.record.gatewayId == virtual })
            {
                held = found
            } else {
                throw AWSError.client(
                    "The association of Direct Connect Gateway \(Identifiers.quoted(gatewayId ?? "")) with "
                        + "\(Identifiers.quoted(virtual ?? "")) does not exist"
                )
            }
            var record = held.record
            guard record.deletedAt == nil else {
                throw AWSError.client("Association \(record.id) is already being disassociated")
            }
            record.deletedAt = deletedAt
            if let attachmentId = record.transitGatewayAttachmentId {
                let tgwScope = Scope(account: record.gatewayOwnerAccount, region: record.gatewayRegion)
                if var attachment = try await transaction.record(
                    TransitGatewayAttachmentRecord.self,
                    id: attachmentId,
                    in: tgwScope
                ) {
                    attachment.deletedAt = deletedAt
                    if deletedAt > now {
                        try await transaction.save(attachment, in: tgwScope)
                    } else {
                        try await transaction.delete(
                            TransitGatewayAttachmentRecord.self,
                            id: attachmentId,
                            in: tgwScope
                        )
                    }
                }
            }
            if deletedAt > now {
                try await transaction.save(record, in: held.scope)
            } else {
                try await transaction.delete(AssociationRecord.self, id: record.id, in: held.scope)
            }
            return DeleteDirectConnectGatewayAssociationResult(
                directConnectGatewayAssociation: Self.association(
                    record,
                    owner: held.owner,
                    at: now,
                    state: .disassociating
                )
            )
        }
    }

    /// The caller's virtual private gateways in the region: EC2's (SPEC 9), or with `--ec2 external` those its
    /// associations name. Not paged, as in the model.
    package func describeVirtualGateways(
        _ input: EmptyShape,
        in scope: Scope
    ) async throws -> VirtualGateways {
        let now = clock.now
        let ec2External = self.ec2External
        return try await transaction(.read) { transaction in
            let ids: [String]
            if ec2External {
                let named = try await visibleAssociations(of: scope.account, in: transaction, at: now)
                    .map(\.record)
                    .filter {
                        $0.gatewayType == GatewayType.virtualPrivateGateway.rawValue && $0.gatewayRegion == scope.region
                            && $0.gatewayOwnerAccount == scope.account
                    }
                    .map(\.gatewayId)
                ids = Array(Set(named)).sorted()
            } else {
                ids = try await transaction.records(VpnGatewayRecord.self, in: scope, matching: nil, page: .all)
                    .map(\.id)
            }
            return VirtualGateways(
                virtualGateways: ids.map { VirtualGateway(virtualGatewayId: $0, virtualGatewayState: "available") }
            )
        }
    }

    // MARK: - Rules

    /// The gateway a request associates: `gatewayId`, or the legacy `virtualGatewayId` Ansible sends (both: they
    /// must agree). A `vgw-` ID is a virtual private gateway, a `tgw-` ID a transit gateway.
    static func associatedGatewayId(gatewayId: String?, virtualGatewayId: String?) throws -> AssociatedGatewayID {
        let given = [gatewayId, virtualGatewayId].compactMap { $0?.isEmpty == false ? $0 : nil }
        guard let id = given.first else {
            throw AWSError.client("You must specify a gatewayId (or a virtualGatewayId) to associate")
        }
        guard given.allSatisfy({ $0 == id }) else {
            throw AWSError.client("gatewayId and virtualGatewayId name two gateways; give one of them")
        }
        if EC2Identifiers.isWellFormed(id, prefix: "vgw") {
            return AssociatedGatewayID(id: id, type: .virtualPrivateGateway)
        }
        if EC2Identifiers.isWellFormed(id, prefix: "tgw") { return AssociatedGatewayID(id: id, type: .transitGateway) }
        throw AWSError.client("Gateway ID \(Identifiers.quoted(id)) has an invalid format: use a vgw- or tgw- ID")
    }

    /// What EC2 makes checkable of the gateway to associate (SPEC 9): it exists in the caller's region, a virtual
    /// private gateway is attached to a VPC (whose block is its default allowed prefix), a transit gateway's ASN
    /// differs from the Direct Connect gateway's. With `--ec2 external` only the ID's form is checked.
    func associable(
        _ target: AssociatedGatewayID,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        gateway: GatewayRecord
    ) async throws -> (known: Bool, defaultPrefixes: [IPBlock]) {
        guard !ec2External else { return (false, []) }
        switch target.type {
        case .transitGateway:
            guard let tgw = try await transaction.record(TransitGatewayRecord.self, id: target.id, in: scope),
                tgw.deletedAt == nil
            else {
                throw AWSError.client("The TransitGateway \(target.id) does not exist.")
            }
            guard tgw.amazonSideAsn != gateway.amazonSideAsn else {
                throw AWSError.client(
                    "The transit gateway \(target.id) and Direct Connect Gateway \(gateway.id) have the same ASN "
                        + "\(gateway.amazonSideAsn); their ASNs must differ"
                )
            }
            return (true, [])
        default:
            guard let vgw = try await transaction.record(VpnGatewayRecord.self, id: target.id, in: scope) else {
                throw AWSError.client("The VirtualGateway \(target.id) does not exist.")
            }
            guard let attachment = vgw.liveAttachment else {
                throw AWSError.client(
                    "The VirtualGateway \(target.id) is not attached to a VPC; attach it before associating it"
                )
            }
            let vpc = try await transaction.record(VpcRecord.self, id: attachment.vpcId, in: scope)
            return (true, vpc.flatMap { IPBlock($0.cidrBlock) }.map { [$0] } ?? [])
        }
    }

    /// At most 20 virtual private gateways or 6 transit gateways a Direct Connect gateway, never both kinds.
    static func checkCounts(
        adding target: AssociatedGatewayID,
        to siblings: [AssociationRecord],
        gatewayId: String
    ) throws {
        if let other = siblings.first(where: { $0.gatewayType != target.type.rawValue }) {
            throw AWSError.client(
                "Direct Connect Gateway \(gatewayId) is associated with \(other.gatewayId); it cannot be associated "
                    + "with virtual private gateways and transit gateways at once"
            )
        }
        let limit =
            target.type == .transitGateway ? transitGatewayAssociationLimit : virtualGatewayAssociationLimit
        guard siblings.count < limit else {
            throw AWSError.client(
                "Direct Connect Gateway \(gatewayId) already has \(limit) "
                    + "\(target.type == .transitGateway ? "transit gateway" : "virtual private gateway") associations, "
                    + "the most it may have"
            )
        }
    }

    /// Allowed prefixes: an IPv6 block of /64 or shorter; a transit gateway association needs at least one and
    /// at most 200, none overlapping another transit gateway association's on the same Direct Connect gateway.
    static func checkPrefixes(
        _ prefixes: [IPBlock],
        for target: AssociatedGatewayID,
        among siblings: [AssociationRecord],
        associationId: String?
    ) throws {
        for case .v6(let block) in prefixes where block.prefixLength > 64 {
            throw AWSError.client("Allowed prefix \(block) is not valid: an IPv6 prefix must be /64 or shorter")
        }
        guard target.type == .transitGateway else { return }
        guard !prefixes.isEmpty else {
            throw AWSError.client("Allowed prefixes are required when you associate a transit gateway")
        }
        guard prefixes.count <= allowedPrefixLimit else {
            throw AWSError.client(
                "A transit gateway association allows at most \(allowedPrefixLimit) prefixes, not \(prefixes.count)"
            )
        }
        for sibling in siblings where sibling.id != associationId {
            for other in sibling.allowedPrefixes.compactMap(IPBlock.init) {
                if let clash = prefixes.first(where: { $0.overlaps(other) }) {
                    throw AWSError.client(
                        "Allowed prefix \(clash) overlaps \(other), allowed for \(sibling.gatewayId) on the same "
                            + "Direct Connect Gateway"
                    )
                }
            }
        }
    }

    /// The prefixes of a request, each a valid IPv4 or IPv6 block, none given twice.
    static func prefixes(_ given: [RouteFilterPrefix]?) throws -> [IPBlock] {
        var blocks: [IPBlock] = []
        for prefix in given ?? [] {
            let text = prefix.cidr ?? ""
            guard let block = IPBlock(text) else {
                throw AWSError.client("Allowed prefix \(Identifiers.quoted(text)) is not a valid CIDR block")
            }
            if !blocks.contains(block) { blocks.append(block) }
        }
        return blocks
    }

    /// `Association ID <id> has an invalid format.`, as the service says it (an empty ID too, with its two spaces).
    static func requireAssociationIdFormat(_ id: String) throws {
        guard Identifiers.isLowercaseUUID(id) else {
            throw AWSError.client("Association ID \(Identifiers.quoted(id)) has an invalid format.")
        }
    }

    /// Makes the `direct-connect-gateway` attachment a transit gateway association creates (SPEC 9): `pending`
    /// until the association is `associated`, in the transit gateway's scope.
    func attachTransitGateway(
        _ transitGatewayId: String,
        to gatewayId: String,
        owner: String,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        at now: Date,
        availableAt: Date
    ) async throws -> String {
        let id = try await transaction.unusedID(for: TransitGatewayAttachmentRecord.self, in: scope) {
            EC2Identifiers.make("tgw-attach")
        }
        try await transaction.save(
            TransitGatewayAttachmentRecord(
                id: id,
                transitGatewayId: transitGatewayId,
                resourceType: "direct-connect-gateway",
                resourceId: gatewayId,
                resourceOwnerId: owner,
                createdAt: now,
                availableAt: availableAt,
                tags: []
            ),
            in: scope
        )
        return id
    }

    // MARK: - Reading

    /// The account's associations not yet gone, in ID order; with `purging` (a write transaction) the gone ones
    /// are removed from the store.
    func liveAssociations(
        in transaction: any StoreTransaction,
        _ global: Scope,
        at now: Date,
        purging: Bool = false
    ) async throws -> [AssociationRecord] {
        try await transaction.live(AssociationRecord.self, in: global, purging: purging) {
            Self.associationState($0, at: now) != nil
        }
    }

    /// Every association `account` may read, not yet gone, in ID order: those of its Direct Connect gateways, and
    /// those of other accounts' Direct Connect gateways with one of its gateways (linked, SPEC 7); with `purging`
    /// (a write transaction) the gone ones and the links to them are removed.
    func visibleAssociations(
        of account: String,
        in transaction: any StoreTransaction,
        at now: Date,
        purging: Bool = false
    ) async throws -> [HeldAssociation] {
        let own = try await liveAssociations(in: transaction, .global(account: account), at: now, purging: purging)
            .map { HeldAssociation(record: $0, owner: account) }
        let linked = try await linkedRecords(
            AssociationRecord.self,
            in: .global(account: account),
            transaction,
            purging: purging
        ) {
            Self.associationState($0, at: now) != nil
        }
        return (own + linked.map { HeldAssociation(record: $0.record, owner: $0.owner) })
            .sorted { $0.record.id < $1.record.id }
    }

    /// An association `account` may read, not yet gone, or the error Terraform matches (`does not exist`).
    func visibleAssociation(
        _ id: String,
        of account: String,
        in transaction: any StoreTransaction,
        at now: Date
    ) async throws -> HeldAssociation {
        let visible = try await visibleAssociations(of: account, in: transaction, at: now)
        guard let held = visible.first(where: { $0.record.id == id }) else {
            throw AWSError.client("Direct Connect Gateway Association \(id) does not exist")
        }
        return held
    }

    /// The state an association reads at `now`, or `nil` once its disassociation has completed (never shown as
    /// `disassociated`, SPEC 8).
    package static func associationState(
        _ record: AssociationRecord,
        at now: Date
    ) -> DirectConnectGatewayAssociationState? {
        if let deletedAt = record.deletedAt { return now < deletedAt ? .disassociating : nil }
        if now < record.associatedAt { return .associating }
        if let updatedAt = record.updatedAt, now < updatedAt { return .updating }
        return .associated
    }

    static func association(
        _ record: AssociationRecord,
        owner: String,
        at now: Date,
        state: DirectConnectGatewayAssociationState? = nil
    ) -> DirectConnectGatewayAssociation {
        let isVirtual = record.gatewayType == GatewayType.virtualPrivateGateway.rawValue
        return DirectConnectGatewayAssociation(
            directConnectGatewayId: record.directConnectGatewayId,
            directConnectGatewayOwnerAccount: owner,
            associationState: state ?? associationState(record, at: now) ?? .disassociated,
            associatedGateway: AssociatedGateway(
                id: record.gatewayId,
                type: GatewayType(rawValue: record.gatewayType),
                ownerAccount: record.gatewayOwnerAccount,
                region: record.gatewayRegion
            ),
            associationId: record.id,
            allowedPrefixesToDirectConnectGateway: record.allowedPrefixes.map { RouteFilterPrefix(cidr: $0) },
            virtualGatewayId: isVirtual ? record.gatewayId : nil,
            virtualGatewayRegion: isVirtual ? record.gatewayRegion : nil,
            virtualGatewayOwnerAccount: isVirtual ? record.gatewayOwnerAccount : nil
        )
    }
}

/// An association and the account whose global scope holds it: the owner of its Direct Connect gateway.
struct HeldAssociation: Sendable {
    var record: AssociationRecord
    var owner: String

    var scope: Scope { .global(account: owner) }
}

/// The gateway a request names for an association, and its kind.
struct AssociatedGatewayID: Sendable {
    var id: String
    var type: GatewayType

    /// How messages name the kind.
    var noun: String { type == .transitGateway ? "TransitGateway" : "VirtualGateway" }
}
