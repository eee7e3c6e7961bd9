import AWSJSONProtocol
import DirectConnect
import DirectConnectModel
import EC2
import EC2Model
import Foundation
import ServiceKit
import Storage
import Testing

/// SPEC 7-9, reference §3.4: associations of Direct Connect gateways with virtual private and transit gateways,
/// their rules, their timed states, and the transit gateway attachments they make.
@Suite struct AssociationTests {
    static let start = Fixture.start

    /// EC2 on the fixture's store and clock: the gateways an association names.
    struct EC2: Sendable {
        let service: EC2Service

        init(_ f: Fixture) {
            service = EC2Service(store: f.store, clock: f.clock, sealer: f.sealer)
        }

        /// A VPN gateway, attached to a new VPC of `cidr` unless `attached` is false.
        func vgw(
            cidr: String = "10.0.0.0/16",
            attached: Bool = true,
            in scope: Scope = Fixture.scope
        ) async throws
            -> String
        {
            let vgw = try #require(
                try await service.createVpnGateway(CreateVpnGatewayRequest(type: .ipsec1), in: scope).vpnGateway?
                    .vpnGatewayId
            )
            if attached {
                let vpc = try #require(
                    try await service.createVpc(CreateVpcRequest(cidrBlock: cidr), in: scope).vpc?.vpcId
                )
                _ = try await service.attachVpnGateway(
                    AttachVpnGatewayRequest(vpcId: vpc, vpnGatewayId: vgw),
                    in: scope
                )
            }
            return vgw
        }

        func tgw(asn: Int = 64512, in scope: Scope = Fixture.scope) async throws -> String {
            let created = try await service.createTransitGateway(
                CreateTransitGatewayRequest(options: TransitGatewayRequestOptions(amazonSideAsn: asn)),
                in: scope
            )
            return try #require(created.transitGateway?.transitGatewayId)
        }

        func attachments(in scope: Scope = Fixture.scope) async throws -> [TransitGatewayAttachment] {
            try await service.describeTransitGatewayAttachments(.init(), in: scope).transitGatewayAttachments ?? []
        }
    }

    func gateway(_ f: Fixture, asn: Int = 64600, in scope: Scope = Fixture.scope) async throws -> String {
        let created = try await f.service.createDirectConnectGateway(
            CreateDirectConnectGatewayRequest(directConnectGatewayName: "gw", amazonSideAsn: asn),
            in: scope
        )
        return try #require(created.directConnectGateway?.directConnectGatewayId)
    }

    @discardableResult
    func associate(
        _ f: Fixture,
        _ gatewayId: String,
        with target: String,
        legacy: Bool = false,
        prefixes: [String]? = nil,
        in scope: Scope = Fixture.scope
    ) async throws -> DirectConnectGatewayAssociation {
        let result = try await f.service.createDirectConnectGatewayAssociation(
            CreateDirectConnectGatewayAssociationRequest(
                directConnectGatewayId: gatewayId,
                gatewayId: legacy ? nil : target,
                addAllowedPrefixesToDirectConnectGateway: prefixes?.map { RouteFilterPrefix(cidr: $0) },
                virtualGatewayId: legacy ? target : nil
            ),
            in: scope
        )
        return try #require(result.directConnectGatewayAssociation)
    }

    func associations(
        _ f: Fixture,
        of gatewayId: String,
        in scope: Scope = Fixture.scope
    ) async throws -> [DirectConnectGatewayAssociation] {
        try await f.service.describeDirectConnectGatewayAssociations(
            DescribeDirectConnectGatewayAssociationsRequest(directConnectGatewayId: gatewayId),
            in: scope
        ).directConnectGatewayAssociations ?? []
    }

    // MARK: The state, a pure function of the record and the instant

    @Test func theStateFollowsTheStoredInstantsAndIsNeverDisassociated() {
        var record = AssociationRecord(
            id: "a",
            directConnectGatewayId: "g",
            gatewayId: "vgw-12345678",
            gatewayType: "virtualPrivateGateway",
            gatewayOwnerAccount: Fixture.account,
            gatewayRegion: "us-east-1",
            allowedPrefixes: [],
            createdAt: Self.start,
            associatedAt: Self.start.addingTimeInterval(2)
        )
        let at = { (seconds: TimeInterval) in
            DirectConnectService.associationState(record, at: Self.start.addingTimeInterval(seconds))
        }
        #expect(at(0) == .associating)
        #expect(at(1.9) == .associating)
        #expect(at(2) == .associated)
        record.updatedAt = Self.start.addingTimeInterval(5)
        #expect(at(4) == .updating)
        #expect(at(5) == .associated)
        record.deletedAt = Self.start.addingTimeInterval(8)
        #expect(at(7) == .disassociating)
        #expect(at(8) == nil)
        // A deletion asked for while associating reads disassociating.
        #expect(at(1) == .disassociating)
    }

    @Test func theDefaultSettleTimeOfAnAssociationIsTwoSecondsAndOnlyItsOwn() {
        #expect(SettleTimes().seconds(.association) == 2)
        #expect(SettleTimes().seconds(.gateway) == 0)
        #expect(SettleTimes(0).seconds(.association) == 0)
        #expect(SettleTimes(5).seconds(.association) == 5)
        #expect(SettleTimes(5, byKind: [.association: 1]).seconds(.association) == 1)
    }

    // MARK: Virtual private gateways

    @Test func aVirtualGatewayAssociatesByEitherMemberAndSettles() async throws {
        try await Fixture.run(settleTime: 2) { f in
            let ec2 = EC2(f)
            let (vgw, other) = (try await ec2.vgw(cidr: "10.8.0.0/16"), try await ec2.vgw(cidr: "10.9.0.0/16"))
            let id = try await gateway(f)
            let created = try await associate(f, id, with: vgw)
            #expect(created.associationState == .associating)
            #expect(Identifiers.isLowercaseUUID(created.associationId ?? ""))
            #expect(created.directConnectGatewayOwnerAccount == Fixture.account)
            #expect(
                created.associatedGateway
                    == AssociatedGateway(
                        id: vgw,
                        type: .virtualPrivateGateway,
                        ownerAccount: Fixture.account,
                        region: "us-east-1"
                    )
            )
            #expect(created.virtualGatewayId == vgw)
            #expect(created.virtualGatewayRegion == "us-east-1")
            #expect(created.virtualGatewayOwnerAccount == Fixture.account)
            // No prefixes given: the VPC's block, as the service does.
            #expect(created.allowedPrefixesToDirectConnectGateway == [RouteFilterPrefix(cidr: "10.8.0.0/16")])
            let legacy = try await associate(f, id, with: other, legacy: true, prefixes: ["192.168.0.0/24"])
            #expect(legacy.associatedGateway?.id == other)
            #expect(legacy.allowedPrefixesToDirectConnectGateway == [RouteFilterPrefix(cidr: "192.168.0.0/24")])
            f.clock.advance(by: 2)
            #expect(try await associations(f, of: id).map(\.associationState) == [.associated, .associated])
            // Another account sees none of them; another region of the owner sees them (the gateway is global).
            #expect(try await associations(f, of: id, in: Fixture.otherAccount).isEmpty)
            #expect(try await associations(f, of: id, in: Fixture.otherRegion).count == 2)
        }
    }

    @Test func whatEC2MakesCheckableIsChecked() async throws {
        try await Fixture.run { f in
            let ec2 = EC2(f)
            let id = try await gateway(f, asn: 64512)
            let detached = try await ec2.vgw(attached: false)
            try await f.expectRefusal(mentioning: [detached, "is not attached to a VPC"]) {
                try await associate(f, id, with: detached)
            }
            try await f.expectRefusal(mentioning: ["The VirtualGateway vgw-12345678 does not exist."]) {
                try await associate(f, id, with: "vgw-12345678")
            }
            try await f.expectRefusal(mentioning: ["The TransitGateway tgw-12345678 does not exist."]) {
                try await associate(f, id, with: "tgw-12345678", prefixes: ["10.0.0.0/8"])
            }
            // A gateway of another region of the caller is not found from this one.
            let elsewhere = try await ec2.vgw(in: Fixture.otherRegion)
            try await f.expectRefusal(mentioning: [elsewhere, "does not exist"]) {
                try await associate(f, id, with: elsewhere)
            }
            let sameASN = try await ec2.tgw(asn: 64512)
            try await f.expectRefusal(mentioning: [sameASN, "64512", "must differ"]) {
                try await associate(f, id, with: sameASN, prefixes: ["10.0.0.0/8"])
            }
            try await f.expectRefusal(mentioning: ["abc", "invalid format"]) { try await associate(f, id, with: "abc") }
            try await f.expectRefusal(mentioning: ["two gateways"]) {
                try await f.service.createDirectConnectGatewayAssociation(
                    CreateDirectConnectGatewayAssociationRequest(
                        directConnectGatewayId: id,
                        gatewayId: "vgw-12345678",
                        virtualGatewayId: "vgw-87654321"
                    ),
                    in: f.scope
                )
            }
            let missing = "00000000-0000-4000-8000-000000000000"
            let vgw = try await ec2.vgw()
            try await f.expectRefusal(mentioning: [missing, "does not exist"]) {
                try await associate(f, missing, with: vgw)
            }
        }
    }

    @Test func aVirtualGatewayBelongsToOneGatewayAndKindsAreNeverMixed() async throws {
        try await Fixture.run { f in
            let ec2 = EC2(f)
            let (first, second) = (try await gateway(f), try await gateway(f))
            let vgw = try await ec2.vgw()
            try await associate(f, first, with: vgw)
            try await f.expectRefusal(mentioning: [vgw, "already associated", first]) {
                try await associate(f, first, with: vgw)
            }
            try await f.expectRefusal(mentioning: [vgw, "already associated with another"]) {
                try await associate(f, second, with: vgw)
            }
            let tgw = try await ec2.tgw()
            try await f.expectRefusal(mentioning: [first, "at once"]) {
                try await associate(f, first, with: tgw, prefixes: ["10.0.0.0/8"])
            }
        }
    }

    @Test func aGatewayTakesTwentyVirtualGateways() async throws {
        try await Fixture.run { f in
            let ec2 = EC2(f)
            let id = try await gateway(f)
            // Five VPN gateways a region (EC2's quota): four regions of five.
            let regions = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1"]
            for n in 0..<DirectConnectService.virtualGatewayAssociationLimit {
                let scope = Scope(account: Fixture.account, region: regions[n / 5])
                try await associate(f, id, with: try await ec2.vgw(in: scope), in: scope)
            }
            let scope = Scope(account: Fixture.account, region: regions[4])
            let vgw = try await ec2.vgw(in: scope)
            try await f.expectRefusal(mentioning: [id, "20"], scopes: [scope]) {
                try await associate(f, id, with: vgw, in: scope)
            }
        }
    }

    // MARK: Transit gateways and prefixes

    @Test func aTransitGatewayAssociationNeedsPrefixesThatFollowTheRules() async throws {
        try await Fixture.run { f in
            let ec2 = EC2(f)
            let id = try await gateway(f)
            let (tgw, other) = (try await ec2.tgw(), try await ec2.tgw())
            try await f.expectRefusal(mentioning: ["Allowed prefixes are required"]) {
                try await associate(f, id, with: tgw)
            }
            try await f.expectRefusal(mentioning: ["2001:db8::/65", "/64 or shorter"]) {
                try await associate(f, id, with: tgw, prefixes: ["2001:db8::/65"])
            }
            try await f.expectRefusal(mentioning: ["10.0.0.0/33", "not a valid CIDR block"]) {
                try await associate(f, id, with: tgw, prefixes: ["10.0.0.0/33"])
            }
            let many = (0..<201).map { "10.\($0 / 256).\($0 % 256).0/24" }
            try await f.expectRefusal(mentioning: ["200", "201"]) {
                try await associate(f, id, with: tgw, prefixes: many)
            }
            try await associate(f, id, with: tgw, prefixes: ["10.0.0.0/16", "2001:db8::/56"])
            try await f.expectRefusal(mentioning: ["10.0.128.0/17", "overlaps", "10.0.0.0/16", tgw]) {
                try await associate(f, id, with: other, prefixes: ["10.0.128.0/17"])
            }
            try await f.expectRefusal(mentioning: ["2001:db8:0:1::/64", "overlaps"]) {
                try await associate(f, id, with: other, prefixes: ["2001:db8:0:1::/64"])
            }
            try await associate(f, id, with: other, prefixes: ["10.1.0.0/16", "2001:db8:1::/56"])
        }
    }

    @Test func aTransitGatewayAssociationMakesAnAttachmentThatFollowsIt() async throws {
        try await Fixture.run(settleTime: 2) { f in
            let ec2 = EC2(f)
            let id = try await gateway(f)
            let tgw = try await ec2.tgw()
            let created = try await associate(f, id, with: tgw, prefixes: ["10.0.0.0/8"])
            #expect(created.associatedGateway?.type == .transitGateway)
            #expect(created.virtualGatewayId == nil)
            let pending = try #require(try await ec2.attachments().first)
            #expect(pending.state == .pending)
            #expect(pending.resourceType == .directConnectGateway)
            #expect(pending.resourceId == id)
            #expect(pending.transitGatewayId == tgw)
            #expect(EC2Identifiers.isWellFormed(pending.transitGatewayAttachmentId ?? "", prefix: "tgw-attach"))
            f.clock.advance(by: 2)
            #expect(try await ec2.attachments().map(\.state) == [.available])
            let associationId = try #require(created.associationId)
            let deleted = try await f.service.deleteDirectConnectGatewayAssociation(
                DeleteDirectConnectGatewayAssociationRequest(associationId: associationId),
                in: f.scope
            )
            #expect(deleted.directConnectGatewayAssociation?.associationState == .disassociating)
            #expect(try await ec2.attachments().map(\.state) == [.deleting])
            f.clock.advance(by: 2)
            #expect(try await ec2.attachments().isEmpty)
            #expect(try await associations(f, of: id).isEmpty)
            _ = try await ec2.service.deleteTransitGateway(
                DeleteTransitGatewayRequest(transitGatewayId: tgw),
                in: f.scope
            )
        }
    }

    // MARK: Describe, update, delete

    @Test func describeNeedsAFilterAndNamesABadID() async throws {
        try await Fixture.run { f in
            try await f.expectRefusal(mentioning: ["You must specify one of"]) {
                try await f.service.describeDirectConnectGatewayAssociations(.init(), in: f.scope)
            }
            // The service's own text, with its two spaces for an empty ID.
            let empty = try await f.expectRefusal(mentioning: []) {
                try await f.service.describeDirectConnectGatewayAssociations(.init(associationId: ""), in: f.scope)
            }
            #expect(empty?.message == "Association ID  has an invalid format.")
            let bad = try await f.expectRefusal(mentioning: []) {
                try await f.service.describeDirectConnectGatewayAssociations(.init(associationId: "nope"), in: f.scope)
            }
            #expect(bad?.message == "Association ID nope has an invalid format.")
            let unknown = try await f.service.describeDirectConnectGatewayAssociations(
                .init(associationId: "00000000-0000-4000-8000-000000000000"),
                in: f.scope
            )
            #expect(unknown.directConnectGatewayAssociations == [])
        }
    }

    @Test func describeFindsByEveryFilterAndPages() async throws {
        try await Fixture.run { f in
            let ec2 = EC2(f)
            let id = try await gateway(f)
            var made: [DirectConnectGatewayAssociation] = []
            for n in 0..<3 { made.append(try await associate(f, id, with: try await ec2.vgw(cidr: "10.\(n).0.0/16"))) }
            let tgwGateway = try await gateway(f)
            let tgw = try await ec2.tgw()
            let transit = try await associate(f, tgwGateway, with: tgw, prefixes: ["172.16.0.0/12"])
            let vgw = try #require(made[1].associatedGateway?.id)
            func found(_ request: DescribeDirectConnectGatewayAssociationsRequest) async throws -> [String] {
                try await f.service.describeDirectConnectGatewayAssociations(request, in: f.scope)
                    .directConnectGatewayAssociations?.compactMap(\.associationId) ?? []
            }
            #expect(try await found(.init(associationId: made[1].associationId)) == [made[1].associationId])
            #expect(try await found(.init(associatedGatewayId: vgw)) == [made[1].associationId])
            #expect(try await found(.init(virtualGatewayId: vgw)) == [made[1].associationId])
            // virtualGatewayId matches transit gateways too.
            #expect(try await found(.init(virtualGatewayId: tgw)) == [transit.associationId])
            #expect(try await found(.init(directConnectGatewayId: id, virtualGatewayId: tgw)) == [])
            var pages: [[String]] = []
            var token: String?
            repeat {
                let page = try await f.service.describeDirectConnectGatewayAssociations(
                    .init(directConnectGatewayId: id, maxResults: 2, nextToken: token),
                    in: f.scope
                )
                pages.append(page.directConnectGatewayAssociations?.compactMap(\.associationId) ?? [])
                token = page.nextToken
            } while token != nil
            #expect(pages.map(\.count) == [2, 1])
            #expect(Set(pages.joined()) == Set(made.compactMap(\.associationId)))
        }
    }

    @Test func updateMergesPrefixesAndReadsUpdatingUntilItSettles() async throws {
        try await Fixture.run(settleTime: 2) { f in
            let ec2 = EC2(f)
            let id = try await gateway(f)
            let created = try await associate(
                f,
                id,
                with: try await ec2.vgw(),
                prefixes: ["10.0.0.0/16", "10.1.0.0/16"]
            )
            let associationId = try #require(created.associationId)
            f.clock.advance(by: 2)
            let updated = try await f.service.updateDirectConnectGatewayAssociation(
                UpdateDirectConnectGatewayAssociationRequest(
                    associationId: associationId,
                    addAllowedPrefixesToDirectConnectGateway: [RouteFilterPrefix(cidr: "10.2.0.0/16")],
                    removeAllowedPrefixesToDirectConnectGateway: [
                        RouteFilterPrefix(cidr: "10.0.0.0/16"), RouteFilterPrefix(cidr: "10.9.0.0/16"),
                    ]
                ),
                in: f.scope
            )
            let association = try #require(updated.directConnectGatewayAssociation)
            #expect(association.associationState == .updating)
            #expect(
                association.allowedPrefixesToDirectConnectGateway?.compactMap(\.cidr) == ["10.1.0.0/16", "10.2.0.0/16"]
            )
            f.clock.advance(by: 2)
            #expect(try await associations(f, of: id).map(\.associationState) == [.associated])
            let missing = "00000000-0000-4000-8000-000000000000"
            try await f.expectRefusal(mentioning: [missing, "does not exist"]) {
                try await f.service.updateDirectConnectGatewayAssociation(.init(associationId: missing), in: f.scope)
            }
        }
    }

    @Test func deleteByIDOrByThePairIsDisassociatingThenGone() async throws {
        try await Fixture.run(settleTime: 2) { f in
            let ec2 = EC2(f)
            let id = try await gateway(f)
            let (vgw, other) = (try await ec2.vgw(cidr: "10.0.0.0/16"), try await ec2.vgw(cidr: "10.1.0.0/16"))
            let first = try #require(try await associate(f, id, with: vgw).associationId)
            try await associate(f, id, with: other)
            let byID = try await f.service.deleteDirectConnectGatewayAssociation(
                .init(associationId: first),
                in: f.scope
            )
            #expect(byID.directConnectGatewayAssociation?.associationState == .disassociating)
            let byPair = try await f.service.deleteDirectConnectGatewayAssociation(
                .init(directConnectGatewayId: id, virtualGatewayId: other),
                in: f.scope
            )
            #expect(byPair.directConnectGatewayAssociation?.associatedGateway?.id == other)
            #expect(try await associations(f, of: id).map(\.associationState) == [.disassociating, .disassociating])
            try await f.expectRefusal(mentioning: [first, "already being disassociated"]) {
                try await f.service.deleteDirectConnectGatewayAssociation(.init(associationId: first), in: f.scope)
            }
            try await f.expectRefusal(mentioning: [first, "being disassociated"]) {
                try await f.service.updateDirectConnectGatewayAssociation(.init(associationId: first), in: f.scope)
            }
            f.clock.advance(by: 2)
            #expect(try await associations(f, of: id).isEmpty)
            try await f.expectRefusal(mentioning: [first, "does not exist"]) {
                try await f.service.deleteDirectConnectGatewayAssociation(.init(associationId: first), in: f.scope)
            }
            try await f.expectRefusal(mentioning: ["does not exist"]) {
                try await f.service.deleteDirectConnectGatewayAssociation(
                    .init(directConnectGatewayId: id, virtualGatewayId: other),
                    in: f.scope
                )
            }
            try await f.expectRefusal(mentioning: ["You must specify an associationId"]) {
                try await f.service.deleteDirectConnectGatewayAssociation(
                    .init(directConnectGatewayId: id),
                    in: f.scope
                )
            }
            // The room they held is free again.
            try await associate(f, id, with: vgw)
        }
    }

    @Test func deletingAGatewayWithAssociationsLeftRevertsWithAStateChangeError() async throws {
        try await Fixture.run(settleTime: 2) { f in
            let ec2 = EC2(f)
            let id = try await gateway(f)
            f.clock.advance(by: 2)
            let associationId = try #require(try await associate(f, id, with: try await ec2.vgw()).associationId)
            let answer = try await f.service.deleteDirectConnectGateway(.init(directConnectGatewayId: id), in: f.scope)
            #expect(answer.directConnectGateway?.directConnectGatewayState == .deleting)
            let during = try #require(
                try await f.service.describeDirectConnectGateways(.init(directConnectGatewayId: id), in: f.scope)
                    .directConnectGateways?.first
            )
            #expect(during.directConnectGatewayState == .deleting)
            #expect(during.stateChangeError == nil)
            f.clock.advance(by: 2)
            let after = try #require(
                try await f.service.describeDirectConnectGateways(.init(directConnectGatewayId: id), in: f.scope)
                    .directConnectGateways?.first
            )
            #expect(after.directConnectGatewayState == .available)
            #expect(after.stateChangeError?.contains(associationId) == true)
            // Once the association is gone (its disassociating counts until then), the gateway deletes.
            _ = try await f.service.deleteDirectConnectGatewayAssociation(
                .init(associationId: associationId),
                in: f.scope
            )
            _ = try await f.service.deleteDirectConnectGateway(.init(directConnectGatewayId: id), in: f.scope)
            f.clock.advance(by: 2)
            #expect(
                try await f.service.describeDirectConnectGateways(.init(directConnectGatewayId: id), in: f.scope)
                    .directConnectGateways?.first?.stateChangeError != nil
            )
            _ = try await f.service.deleteDirectConnectGateway(.init(directConnectGatewayId: id), in: f.scope)
            f.clock.advance(by: 2)
            #expect(
                try await f.service.describeDirectConnectGateways(.init(directConnectGatewayId: id), in: f.scope)
                    .directConnectGateways == []
            )
        }
    }

    // MARK: Virtual gateways

    @Test func describeVirtualGatewaysListsTheCallersOfTheRegion() async throws {
        try await Fixture.run { f in
            let ec2 = EC2(f)
            let (a, b) = (try await ec2.vgw(cidr: "10.0.0.0/16"), try await ec2.vgw(attached: false))
            _ = try await ec2.vgw(in: Fixture.otherRegion)
            let listed = try await f.service.describeVirtualGateways(EmptyShape(), in: f.scope).virtualGateways ?? []
            #expect(Set(listed.compactMap(\.virtualGatewayId)) == [a, b])
            #expect(listed.allSatisfy { $0.virtualGatewayState == "available" })
            #expect(
                try await f.service.describeVirtualGateways(EmptyShape(), in: Fixture.otherAccount).virtualGateways
                    == []
            )
        }
    }

    @Test func withExternalEC2AWellFormedIDIsTakenAndListed() async throws {
        try await Fixture.run { f in
            let service = DirectConnectService(
                store: f.store,
                clock: f.clock,
                settleTimes: SettleTimes(0),
                sealer: f.sealer,
                ec2External: true
            )
            let id = try #require(
                try await service.createDirectConnectGateway(
                    CreateDirectConnectGatewayRequest(directConnectGatewayName: "x", amazonSideAsn: 64512),
                    in: f.scope
                ).directConnectGateway?.directConnectGatewayId
            )
            let created = try await service.createDirectConnectGatewayAssociation(
                CreateDirectConnectGatewayAssociationRequest(
                    directConnectGatewayId: id,
                    gatewayId: "vgw-0123456789abcdef0"
                ),
                in: f.scope
            )
            #expect(created.directConnectGatewayAssociation?.allowedPrefixesToDirectConnectGateway == [])
            let listed = try await service.describeVirtualGateways(EmptyShape(), in: f.scope).virtualGateways
            #expect(
                listed == [VirtualGateway(virtualGatewayId: "vgw-0123456789abcdef0", virtualGatewayState: "available")]
            )
            // A transit gateway still needs prefixes; no EC2 attachment is made for another emulator's gateway.
            let second = try #require(
                try await service.createDirectConnectGateway(
                    CreateDirectConnectGatewayRequest(directConnectGatewayName: "y", amazonSideAsn: 64512),
                    in: f.scope
                ).directConnectGateway?.directConnectGatewayId
            )
            _ = try await service.createDirectConnectGatewayAssociation(
                CreateDirectConnectGatewayAssociationRequest(
                    directConnectGatewayId: second,
                    gatewayId: "tgw-0123456789abcdef0",
                    addAllowedPrefixesToDirectConnectGateway: [RouteFilterPrefix(cidr: "10.0.0.0/8")]
                ),
                in: f.scope
            )
            #expect(try await EC2(f).attachments().isEmpty)
        }
    }
}
