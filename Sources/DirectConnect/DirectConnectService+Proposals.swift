import AWSJSONProtocol
import DirectConnectModel
import Foundation
import ServiceKit
import Storage

/// Association proposals across accounts (SPEC 7, reference §3.5): the owner of a virtual private or transit gateway
/// proposes, the owner of the Direct Connect gateway accepts. A proposal is kept in the Direct Connect gateway
/// owner's global scope and linked into the proposer's, so both read it.
extension DirectConnectService {
    /// A proposal not accepted by then reads `deleted` (our choice of state; reference §2: it expires).
    package static let proposalLifetime: TimeInterval = 7 * 24 * 3600
    /// How long an accepted, deleted or expired proposal stays listed (reference §2).
    package static let endedProposalVisibility: TimeInterval = 3 * 24 * 3600

    package func createDirectConnectGatewayAssociationProposal(
        _ input: CreateDirectConnectGatewayAssociationProposalRequest,
        in scope: Scope
    ) async throws -> CreateDirectConnectGatewayAssociationProposalResult {
        try Self.requireMembers(input)
        let gatewayId = try Self.required(input.directConnectGatewayId, "directConnectGatewayId")
        let owner = try Self.required(input.directConnectGatewayOwnerAccount, "directConnectGatewayOwnerAccount")
        guard owner.count == 12, owner.allSatisfy(\.isASCII), owner.allSatisfy(\.isNumber) else {
            throw AWSError.client("directConnectGatewayOwnerAccount \(Identifiers.quoted(owner)) is not an account ID")
        }
        let target = try Self.associatedGatewayId(gatewayId: input.gatewayId, virtualGatewayId: nil)
        let adding = try Self.prefixes(input.addAllowedPrefixesToDirectConnectGateway)
        let removing = try Self.prefixes(input.removeAllowedPrefixesToDirectConnectGateway)
        let now = clock.now
        return try await transaction(.write) { transaction in
            let gateway = try await liveGateway(gatewayId, in: transaction, .global(account: owner), at: now)
            let peer = try await associable(target, in: transaction, scope, gateway: gateway)
            // A `disassociating` association is on its way out: the proposal is for the association that may follow
            // it (accepted once it is gone), with the gateway's own prefixes when none are named (our choice).
            let existing = try await visibleAssociations(of: scope.account, in: transaction, at: now)
                .first { $0.record.gatewayId == target.id && $0.record.deletedAt == nil }
            if let existing, existing.record.directConnectGatewayId != gatewayId {
                throw AWSError.client(
                    "\(target.noun) \(target.id) is already associated with another Direct Connect Gateway"
                )
            }
            let requested = existing == nil && adding.isEmpty ? peer.defaultPrefixes : adding
            if existing == nil {
                try Self.checkPrefixes(requested, for: target, among: [], associationId: nil)
            }
            let global = Scope.global(account: owner)
            let id = try await transaction.unusedID(for: ProposalRecord.self, in: global, RandomUUID.make)
            let record = ProposalRecord(
                id: id,
                directConnectGatewayId: gatewayId,
                proposerAccount: scope.account,
                gatewayId: target.id,
                gatewayType: target.type.rawValue,
                gatewayRegion: scope.region,
                requestedPrefixes: requested.map(\.description),
                removedPrefixes: removing.map(\.description),
                existingPrefixes: existing?.record.allowedPrefixes,
                createdAt: now
            )
            try await transaction.save(record, in: global)
            try await link(
                id,
                kind: ProposalRecord.recordKind.name,
                owner: owner,
                into: .global(account: scope.account),
                in: transaction
            )
            return CreateDirectConnectGatewayAssociationProposalResult(
                directConnectGatewayAssociationProposal: Self.proposal(record, owner: owner, at: now)
            )
        }
    }

    /// The proposals the caller made or received, those ended less than three days ago included; every filter
    /// optional, paged.
    package func describeDirectConnectGatewayAssociationProposals(
        _ input: DescribeDirectConnectGatewayAssociationProposalsRequest,
        in scope: Scope
    ) async throws -> DescribeDirectConnectGatewayAssociationProposalsResult {
        let list = "directConnectGatewayAssociationProposals"
        let request = try pages.request(list: list, maxResults: input.maxResults, nextToken: input.nextToken, in: scope)
        let gatewayId = Self.given(input.directConnectGatewayId)
        let proposalId = Self.given(input.proposalId)
        let associated = Self.given(input.associatedGatewayId)
        let now = clock.now
        return try await transaction(.read) { transaction in
            let found = try await visibleProposals(of: scope.account, in: transaction, at: now).filter { held in
                (gatewayId.map { held.record.directConnectGatewayId == $0 } ?? true)
                    && (proposalId.map { held.record.id == $0 } ?? true)
                    && (associated.map { held.record.gatewayId == $0 } ?? true)
            }
            let (page, token) = try pages.page(of: found, request: request, list: list, in: scope, id: \.record.id)
            return DescribeDirectConnectGatewayAssociationProposalsResult(
                directConnectGatewayAssociationProposals: page.map {
                    Self.proposal($0.record, owner: $0.owner, at: now)
                },
                nextToken: token
            )
        }
    }

    /// By the Direct Connect gateway's owner, in the region of the proposed gateway: makes the association (or
    /// updates the one there is) with the requested prefixes, or `overrideAllowedPrefixesToDirectConnectGateway`
    /// when given, and the proposal reads `accepted`.
    package func acceptDirectConnectGatewayAssociationProposal(
        _ input: AcceptDirectConnectGatewayAssociationProposalRequest,
        in scope: Scope
    ) async throws -> AcceptDirectConnectGatewayAssociationProposalResult {
        try Self.requireMembers(input)
        let gatewayId = try Self.required(input.directConnectGatewayId, "directConnectGatewayId")
        let proposalId = try Self.required(input.proposalId, "proposalId")
        let proposer = try Self.required(input.associatedGatewayOwnerAccount, "associatedGatewayOwnerAccount")
        let override = try Self.prefixes(input.overrideAllowedPrefixesToDirectConnectGateway)
        let now = clock.now
        let global = Scope.global(account: scope.account)
        let settlesAt = settled(from: now, .association)
        return try await transaction(.write) { transaction in
            guard var proposal = try await transaction.record(ProposalRecord.self, id: proposalId, in: global),
                proposal.directConnectGatewayId == gatewayId, proposal.proposerAccount == proposer,
                let state = Self.proposalState(proposal, at: now), state != .deleted, proposal.deletedAt == nil
            else { throw Self.proposalNotFound(proposalId) }
            guard state == .requested, proposal.acceptedAt == nil else {
                throw AWSError.client("Direct Connect Gateway Association Proposal \(proposalId) has been accepted!")
            }
            let target = AssociatedGatewayID(id: proposal.gatewayId, type: GatewayType(rawValue: proposal.gatewayType))
            // The service answers so when the proposal is accepted from another region (reference §1.5).
            guard proposal.gatewayRegion == scope.region else {
                throw AWSError.client("The \(target.noun) \(target.id) does not exist.")
            }
            let gateway = try await liveGateway(gatewayId, in: transaction, global, at: now)
            guard !Self.isBeingDeleted(gateway, at: now) else {
                throw AWSError.client("Direct Connect Gateway \(gatewayId) is being deleted")
            }
            let gatewayScope = Scope(account: proposer, region: proposal.gatewayRegion)
            let peer = try await associable(target, in: transaction, gatewayScope, gateway: gateway)
            let requested = proposal.requestedPrefixes.compactMap(IPBlock.init)
            let association: AssociationRecord
            if var existing = try await liveAssociations(in: transaction, global, at: now)
                .first(where: { $0.gatewayId == target.id && $0.directConnectGatewayId == gatewayId })
            {
                // SPEC 8: an association may change in any state but `disassociating`.
                guard existing.deletedAt == nil else {
                    throw AWSError.client(
                        "Association \(existing.id) is being disassociated and cannot be updated"
                    )
                }
                try await changePrefixes(
                    of: &existing,
                    in: global,
                    adding: requested,
                    removing: proposal.removedPrefixes.compactMap(IPBlock.init),
                    replacing: override,
                    in: transaction,
                    at: now,
                    updatedAt: settlesAt
                )
                association = existing
            } else {
                association = try await makeAssociation(
                    of: target,
                    in: gatewayScope,
                    with: gateway,
                    owner: scope.account,
                    prefixes: override.isEmpty ? requested : override,
                    attaching: peer.known,
                    in: transaction,
                    at: now,
                    associatedAt: settlesAt
                )
            }
            proposal.acceptedAt = now.addingTimeInterval(settleTimes.seconds(.proposal))
            try await transaction.save(proposal, in: global)
            return AcceptDirectConnectGatewayAssociationProposalResult(
                directConnectGatewayAssociation: Self.association(association, owner: scope.account, at: now)
            )
        }
    }

    /// By either side: a `requested` proposal reads `deleted` (once the proposal's settle time has passed, as the
    /// answer already shows it); one already accepted or deleted is answered as it is (our choice: nothing is left to
    /// withdraw).
    package func deleteDirectConnectGatewayAssociationProposal(
        _ input: DeleteDirectConnectGatewayAssociationProposalRequest,
        in scope: Scope
    ) async throws -> DeleteDirectConnectGatewayAssociationProposalResult {
        try Self.requireMembers(input)
        let proposalId = try Self.required(input.proposalId, "proposalId")
        let now = clock.now
        return try await transaction(.write) { transaction in
            guard
                let held = try await visibleProposals(of: scope.account, in: transaction, at: now, purging: true)
                    .first(where: { $0.record.id == proposalId })
            else { throw Self.proposalNotFound(proposalId) }
            var record = held.record
            // Already decided: shown as it reads once its decision has settled.
            var shownAt = max(now, record.acceptedAt ?? record.deletedAt ?? now)
            if Self.proposalState(record, at: now) == .requested, record.acceptedAt == nil, record.deletedAt == nil {
                shownAt = now.addingTimeInterval(settleTimes.seconds(.proposal))
                record.deletedAt = shownAt
                try await transaction.save(record, in: .global(account: held.owner))
            }
            return DeleteDirectConnectGatewayAssociationProposalResult(
                directConnectGatewayAssociationProposal: Self.proposal(record, owner: held.owner, at: shownAt)
            )
        }
    }

    /// The text Terraform matches when a proposal is gone (`is not found`).
    static func proposalNotFound(_ id: String) -> AWSError {
        AWSError.client("Direct Connect Gateway Association Proposal \(Identifiers.quoted(id)) is not found")
    }

    /// The proposals `account` received (its global scope) and made (linked), not yet gone, in ID order; with
    /// `purging` the gone ones are removed.
    func visibleProposals(
        of account: String,
        in transaction: any StoreTransaction,
        at now: Date,
        purging: Bool = false
    ) async throws -> [(record: ProposalRecord, owner: String)] {
        let own = try await transaction.live(ProposalRecord.self, in: .global(account: account), purging: purging) {
            Self.proposalState($0, at: now) != nil
        }
        let linked = try await linkedRecords(
            ProposalRecord.self,
            in: .global(account: account),
            transaction,
            purging: purging
        ) {
            Self.proposalState($0, at: now) != nil
        }
        return (own.map { ($0, account) } + linked).sorted { $0.record.id < $1.record.id }
    }

    /// The state a proposal reads at `now`: `requested` until its acceptance or withdrawal has settled or it is
    /// seven days old (then `deleted`), and `nil` (gone) three days after it ended.
    package static func proposalState(
        _ record: ProposalRecord,
        at now: Date
    ) -> DirectConnectGatewayAssociationProposalState? {
        // Accepted or withdrawn before it expired (the calls refuse after), so the decision is its end.
        let ended = record.acceptedAt ?? record.deletedAt ?? record.createdAt.addingTimeInterval(proposalLifetime)
        guard now >= ended else { return .requested }
        if now >= ended.addingTimeInterval(endedProposalVisibility) { return nil }
        return record.acceptedAt != nil ? .accepted : .deleted
    }

    static func proposal(
        _ record: ProposalRecord,
        owner: String,
        at now: Date
    ) -> DirectConnectGatewayAssociationProposal {
        DirectConnectGatewayAssociationProposal(
            proposalId: record.id,
            directConnectGatewayId: record.directConnectGatewayId,
            directConnectGatewayOwnerAccount: owner,
            proposalState: proposalState(record, at: now) ?? .deleted,
            associatedGateway: AssociatedGateway(
                id: record.gatewayId,
                type: GatewayType(rawValue: record.gatewayType),
                ownerAccount: record.proposerAccount,
                region: record.gatewayRegion
            ),
            existingAllowedPrefixesToDirectConnectGateway: record.existingPrefixes?.map { RouteFilterPrefix(cidr: $0) },
            requestedAllowedPrefixesToDirectConnectGateway: record.requestedPrefixes.map { RouteFilterPrefix(cidr: $0) }
        )
    }
}
