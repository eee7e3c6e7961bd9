import AWSJSONProtocol
import DirectConnect
import DirectConnectModel
import EC2
import EC2Model
import Foundation
import ServiceKit
import Storage
import Testing

/// SPEC 7, reference §3.5: the owner of a gateway proposes, the owner of the Direct Connect gateway accepts; both
/// see the proposal and the association it makes, and nobody else does.
@Suite struct ProposalTests {
    static let owner = Fixture.scope
    static let proposer = Fixture.otherAccount
    static let stranger = Scope(account: "777788889999", region: "us-east-1")

    struct World {
        let f: Fixture
        let ec2: AssociationTests.EC2
        let gatewayId: String
        let vgw: String

        static func run(settleTime: TimeInterval = 0, _ body: (World) async throws -> Void) async throws {
            try await Fixture.run(settleTime: settleTime) { f in
                let ec2 = AssociationTests.EC2(f)
                let gateway = try await f.service.createDirectConnectGateway(
                    CreateDirectConnectGatewayRequest(directConnectGatewayName: "shared", amazonSideAsn: 64600),
                    in: ProposalTests.owner
                )
                let world = World(
                    f: f,
                    ec2: ec2,
                    gatewayId: try #require(gateway.directConnectGateway?.directConnectGatewayId),
                    vgw: try await ec2.vgw(cidr: "10.7.0.0/16", in: ProposalTests.proposer)
                )
                try await body(world)
            }
        }

        func propose(
            _ target: String? = nil,
            add: [String]? = nil,
            remove: [String]? = nil,
            in scope: Scope = ProposalTests.proposer
        ) async throws -> DirectConnectGatewayAssociationProposal {
            let result = try await f.service.createDirectConnectGatewayAssociationProposal(
                CreateDirectConnectGatewayAssociationProposalRequest(
                    directConnectGatewayId: gatewayId,
                    directConnectGatewayOwnerAccount: ProposalTests.owner.account,
                    gatewayId: target ?? vgw,
                    addAllowedPrefixesToDirectConnectGateway: add?.map { RouteFilterPrefix(cidr: $0) },
                    removeAllowedPrefixesToDirectConnectGateway: remove?.map { RouteFilterPrefix(cidr: $0) }
                ),
                in: scope
            )
            return try #require(result.directConnectGatewayAssociationProposal)
        }

        func accept(
            _ proposalId: String?,
            proposer: String = ProposalTests.proposer.account,
            override: [String]? = nil,
            in scope: Scope = ProposalTests.owner
        ) async throws -> DirectConnectGatewayAssociation {
            let result = try await f.service.acceptDirectConnectGatewayAssociationProposal(
                AcceptDirectConnectGatewayAssociationProposalRequest(
                    directConnectGatewayId: gatewayId,
                    proposalId: proposalId,
                    associatedGatewayOwnerAccount: proposer,
                    overrideAllowedPrefixesToDirectConnectGateway: override?.map { RouteFilterPrefix(cidr: $0) }
                ),
                in: scope
            )
            return try #require(result.directConnectGatewayAssociation)
        }

        func proposals(in scope: Scope) async throws -> [DirectConnectGatewayAssociationProposal] {
            try await f.service.describeDirectConnectGatewayAssociationProposals(.init(), in: scope)
                .directConnectGatewayAssociationProposals ?? []
        }

        func associations(in scope: Scope) async throws -> [DirectConnectGatewayAssociation] {
            try await f.service.describeDirectConnectGatewayAssociations(
                DescribeDirectConnectGatewayAssociationsRequest(associatedGatewayId: vgw),
                in: scope
            ).directConnectGatewayAssociations ?? []
        }
    }

    @Test func theStateFollowsAcceptanceDeletionAndExpiry() {
        let start = Fixture.start
        var record = ProposalRecord(
            id: "p",
            directConnectGatewayId: "g",
            proposerAccount: "1",
            gatewayId: "vgw-12345678",
            gatewayType: "virtualPrivateGateway",
            gatewayRegion: "us-east-1",
            requestedPrefixes: [],
            removedPrefixes: [],
            createdAt: start
        )
        let day: TimeInterval = 24 * 3600
        let at = { (days: Double) in
            DirectConnectService.proposalState(record, at: start.addingTimeInterval(days * day))
        }
        #expect(at(0) == .requested)
        #expect(at(6.9) == .requested)
        #expect(at(7) == .deleted)
        #expect(at(9.9) == .deleted)
        #expect(at(10) == nil)
        record.acceptedAt = start.addingTimeInterval(day)
        #expect(at(1) == .accepted)
        #expect(at(3.9) == .accepted)
        #expect(at(4) == nil)
        record.acceptedAt = nil
        record.deletedAt = start.addingTimeInterval(2 * day)
        #expect(at(2) == .deleted)
        #expect(at(5) == nil)
        // A decision settling after the expiry (accepted just before, with a settle time) still reads as decided.
        record.deletedAt = nil
        record.acceptedAt = start.addingTimeInterval(7 * day + 60)
        #expect(at(7) == .requested)
        #expect(at(7.01) == .accepted)
        #expect(at(10.01) == nil)
    }

    @Test func bothSidesSeeTheProposalAndTheAssociationItMakesAndNobodyElse() async throws {
        try await World.run(settleTime: 2) { w in
            let proposal = try await w.propose()
            #expect(proposal.proposalState == .requested)
            #expect(proposal.directConnectGatewayOwnerAccount == Self.owner.account)
            #expect(
                proposal.associatedGateway
                    == AssociatedGateway(
                        id: w.vgw,
                        type: .virtualPrivateGateway,
                        ownerAccount: Self.proposer.account,
                        region: "us-east-1"
                    )
            )
            // Without prefixes, the VPC's block; no association yet, so no existing prefixes.
            #expect(proposal.requestedAllowedPrefixesToDirectConnectGateway == [RouteFilterPrefix(cidr: "10.7.0.0/16")])
            #expect(proposal.existingAllowedPrefixesToDirectConnectGateway == nil)
            #expect(try await w.proposals(in: Self.owner) == [proposal])
            #expect(try await w.proposals(in: Self.proposer) == [proposal])
            #expect(try await w.proposals(in: Self.stranger).isEmpty)
            let association = try await w.accept(proposal.proposalId, override: ["10.7.0.0/24"])
            #expect(association.associationState == .associating)
            #expect(association.directConnectGatewayOwnerAccount == Self.owner.account)
            #expect(association.virtualGatewayOwnerAccount == Self.proposer.account)
            #expect(association.allowedPrefixesToDirectConnectGateway == [RouteFilterPrefix(cidr: "10.7.0.0/24")])
            // The acceptance reads once the settle time (every kind's, here) has passed (SPEC 8).
            #expect(try await w.proposals(in: Self.proposer).map(\.proposalState) == [.requested])
            #expect(try await w.associations(in: Self.proposer) == [association])
            #expect(try await w.associations(in: Self.owner) == [association])
            #expect(try await w.associations(in: Self.stranger).isEmpty)
            w.f.clock.advance(by: 2)
            #expect(try await w.proposals(in: Self.proposer).map(\.proposalState) == [.accepted])
            #expect(try await w.associations(in: Self.proposer).map(\.associationState) == [.associated])
            // Accepted proposals stay listed three days, then are gone from both sides.
            w.f.clock.advance(by: DirectConnectService.endedProposalVisibility)
            #expect(try await w.proposals(in: Self.owner).isEmpty)
            #expect(try await w.proposals(in: Self.proposer).isEmpty)
        }
    }

    @Test func acceptingIsTheOwnersOnceInTheGatewaysRegion() async throws {
        try await World.run { w in
            let proposal = try await w.propose()
            let id = try #require(proposal.proposalId)
            let scopes = [Self.owner, Self.proposer]
            try await w.f.expectRefusal(mentioning: [id, "is not found"], scopes: scopes) {
                try await w.accept(id, in: Self.proposer)
            }
            try await w.f.expectRefusal(mentioning: [id, "is not found"], scopes: scopes) {
                try await w.accept(id, proposer: Self.stranger.account)
            }
            let elsewhere = Scope(account: Self.owner.account, region: "us-west-2")
            try await w.f.expectRefusal(mentioning: ["The VirtualGateway \(w.vgw) does not exist."], scopes: scopes) {
                try await w.accept(id, in: elsewhere)
            }
            _ = try await w.accept(id)
            try await w.f.expectRefusal(
                mentioning: ["Direct Connect Gateway Association Proposal \(id) has been accepted!"],
                scopes: scopes
            ) { try await w.accept(id) }
        }
    }

    @Test func aProposalForAnExistingAssociationUpdatesItsPrefixes() async throws {
        try await World.run { w in
            _ = try await w.accept(try await w.propose(add: ["10.7.0.0/24", "10.7.1.0/24"]).proposalId)
            let update = try await w.propose(add: ["10.7.2.0/24"], remove: ["10.7.0.0/24"])
            #expect(
                update.existingAllowedPrefixesToDirectConnectGateway?.compactMap(\.cidr) == [
                    "10.7.0.0/24", "10.7.1.0/24",
                ]
            )
            #expect(update.requestedAllowedPrefixesToDirectConnectGateway?.compactMap(\.cidr) == ["10.7.2.0/24"])
            let association = try await w.accept(update.proposalId)
            #expect(
                association.allowedPrefixesToDirectConnectGateway?.compactMap(\.cidr) == ["10.7.1.0/24", "10.7.2.0/24"]
            )
            #expect(try await w.associations(in: Self.owner).count == 1)
        }
    }

    @Test func deletingWithdrawsARequestedProposalForEitherSide() async throws {
        try await World.run { w in
            let first = try #require(try await w.propose().proposalId)
            let deleted = try await w.f.service.deleteDirectConnectGatewayAssociationProposal(
                .init(proposalId: first),
                in: Self.owner
            )
            #expect(deleted.directConnectGatewayAssociationProposal?.proposalState == .deleted)
            try await w.f.expectRefusal(mentioning: [first, "is not found"], scopes: [Self.owner, Self.proposer]) {
                try await w.accept(first)
            }
            let second = try #require(try await w.propose().proposalId)
            _ = try await w.f.service.deleteDirectConnectGatewayAssociationProposal(
                .init(proposalId: second),
                in: Self.proposer
            )
            #expect(try await w.proposals(in: Self.owner).map(\.proposalState) == [.deleted, .deleted])
            let missing = "00000000-0000-4000-8000-000000000000"
            try await w.f.expectRefusal(mentioning: [missing, "is not found"]) {
                try await w.f.service.deleteDirectConnectGatewayAssociationProposal(
                    .init(proposalId: missing),
                    in: Self.owner
                )
            }
            try await w.f.expectRefusal(mentioning: [second, "is not found"], scopes: [Self.stranger]) {
                try await w.f.service.deleteDirectConnectGatewayAssociationProposal(
                    .init(proposalId: second),
                    in: Self.stranger
                )
            }
        }
    }

    @Test func aProposalIsCheckedAsAnAssociationIs() async throws {
        try await World.run { w in
            let detached = try await w.ec2.vgw(attached: false, in: Self.proposer)
            try await w.f.expectRefusal(
                mentioning: [detached, "is not attached to a VPC"],
                scopes: [Self.owner, Self.proposer]
            ) {
                try await w.propose(detached)
            }
            // The gateway must be the proposer's own, in the proposer's region.
            let owners = try await w.ec2.vgw(cidr: "10.8.0.0/16", in: Self.owner)
            try await w.f.expectRefusal(mentioning: ["The VirtualGateway \(owners) does not exist."]) {
                try await w.propose(owners)
            }
            let tgw = try await w.ec2.tgw(in: Self.proposer)
            try await w.f.expectRefusal(mentioning: ["Allowed prefixes are required"]) { try await w.propose(tgw) }
            try await w.f.expectRefusal(mentioning: ["not an account ID"]) {
                try await w.f.service.createDirectConnectGatewayAssociationProposal(
                    .init(directConnectGatewayId: w.gatewayId, directConnectGatewayOwnerAccount: "x", gatewayId: w.vgw),
                    in: Self.proposer
                )
            }
            let missing = "00000000-0000-4000-8000-000000000000"
            try await w.f.expectRefusal(mentioning: [missing, "does not exist"], scopes: [Self.proposer]) {
                try await w.f.service.createDirectConnectGatewayAssociationProposal(
                    .init(
                        directConnectGatewayId: missing,
                        directConnectGatewayOwnerAccount: Self.owner.account,
                        gatewayId: w.vgw
                    ),
                    in: Self.proposer
                )
            }
        }
    }

    @Test func aCrossAccountAssociationHoldsItsGatewayAndEitherSideMayEndIt() async throws {
        try await World.run(settleTime: 2) { w in
            let association = try await w.accept(try await w.propose().proposalId)
            let id = try #require(association.associationId)
            // The proposer's gateway is taken: its own Direct Connect gateway cannot have it too.
            let own = try #require(
                try await w.f.service.createDirectConnectGateway(
                    CreateDirectConnectGatewayRequest(directConnectGatewayName: "own", amazonSideAsn: 64700),
                    in: Self.proposer
                ).directConnectGateway?.directConnectGatewayId
            )
            try await w.f.expectRefusal(
                mentioning: [w.vgw, "already associated with another"],
                scopes: [Self.proposer]
            ) {
                try await w.f.service.createDirectConnectGatewayAssociation(
                    .init(directConnectGatewayId: own, gatewayId: w.vgw),
                    in: Self.proposer
                )
            }
            try await w.f.expectRefusal(mentioning: [id, "does not exist"], scopes: [Self.stranger]) {
                try await w.f.service.deleteDirectConnectGatewayAssociation(.init(associationId: id), in: Self.stranger)
            }
            let ended = try await w.f.service.deleteDirectConnectGatewayAssociation(
                .init(associationId: id),
                in: Self.proposer
            )
            #expect(ended.directConnectGatewayAssociation?.associationState == .disassociating)
            #expect(try await w.associations(in: Self.owner).map(\.associationState) == [.disassociating])
            w.f.clock.advance(by: 2)
            #expect(try await w.associations(in: Self.owner).isEmpty)
            #expect(try await w.associations(in: Self.proposer).isEmpty)
        }
    }
}
