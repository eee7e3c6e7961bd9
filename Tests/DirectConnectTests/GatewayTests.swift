import AWSJSONProtocol
import DirectConnect
import DirectConnectModel
import Foundation
import ServiceKit
import Storage
import Testing

/// SPEC 7 and 8, reference §3.3: Direct Connect gateways, global to their account.
@Suite struct GatewayTests {
    static let start = Fixture.start

    // MARK: The state, a pure function of the record and the instant

    @Test func theStateFollowsTheStoredInstants() {
        var record = GatewayRecord(
            id: "g",
            name: "n",
            amazonSideAsn: 64512,
            createdAt: Self.start,
            availableAt: Self.start.addingTimeInterval(5),
            tags: []
        )
        #expect(DirectConnectService.gatewayState(record, at: Self.start) == .pending)
        #expect(DirectConnectService.gatewayState(record, at: Self.start.addingTimeInterval(4.9)) == .pending)
        #expect(DirectConnectService.gatewayState(record, at: Self.start.addingTimeInterval(5)) == .available)
        record.deletedAt = Self.start.addingTimeInterval(10)
        #expect(DirectConnectService.gatewayState(record, at: Self.start.addingTimeInterval(9)) == .deleting)
        #expect(DirectConnectService.gatewayState(record, at: Self.start.addingTimeInterval(10)) == nil)
        // A deletion asked for while pending reads deleting, not pending.
        #expect(DirectConnectService.gatewayState(record, at: Self.start.addingTimeInterval(1)) == .deleting)
    }

    // MARK: The operations

    func create(
        _ f: Fixture,
        name: String = "gw",
        asn: Int? = nil,
        tags: [Tag]? = nil,
        in scope: Scope = Fixture.scope
    ) async throws -> DirectConnectGateway {
        let result = try await f.service.createDirectConnectGateway(
            CreateDirectConnectGatewayRequest(directConnectGatewayName: name, tags: tags, amazonSideAsn: asn),
            in: scope
        )
        return try #require(result.directConnectGateway)
    }

    func gateways(
        _ f: Fixture,
        id: String? = nil,
        in scope: Scope = Fixture.scope
    ) async throws
        -> [DirectConnectGateway]
    {
        let result = try await f.service.describeDirectConnectGateways(
            DescribeDirectConnectGatewaysRequest(directConnectGatewayId: id),
            in: scope
        )
        return result.directConnectGateways ?? []
    }

    @Test func aGatewayIsSeenFromEveryRegionOfItsAccountOnly() async throws {
        try await Fixture.run { f in
            let gateway = try await create(f, name: "global")
            #expect(gateway.directConnectGatewayState == .available)
            #expect(gateway.amazonSideAsn == DirectConnectService.defaultGatewayASN)
            #expect(gateway.ownerAccount == Fixture.account)
            #expect(try await gateways(f, in: Fixture.otherRegion) == [gateway])
            #expect(try await gateways(f, in: Fixture.otherAccount).isEmpty)
            let id = try #require(gateway.directConnectGatewayId)
            #expect(try await gateways(f, id: id, in: Fixture.otherAccount).isEmpty)
            // Stored once, in the account's global scope.
            let stored = try await f.store.transaction(.read) { transaction in
                try await transaction.record(GatewayRecord.self, id: id, in: .global(account: Fixture.account))
            }
            #expect(stored?.name == "global")
        }
    }

    @Test(arguments: [0, 64511, 65535, 4_199_999_999, 4_294_967_295])
    func anASNOutsideThePrivateRangesIsRefused(_ asn: Int) async throws {
        try await Fixture.run { f in
            try await f.expectRefusal(mentioning: ["amazonSideAsn", "\(asn)"]) {
                try await create(f, asn: asn)
            }
        }
    }

    @Test func withASettleTimeCreateIsPendingAndDeleteIsDeletingUntilItSettles() async throws {
        try await Fixture.run(settleTime: 30) { f in
            let gateway = try await create(f)
            let id = try #require(gateway.directConnectGatewayId)
            #expect(gateway.directConnectGatewayState == .pending)
            f.clock.advance(by: 30)
            #expect(try await gateways(f, id: id).first?.directConnectGatewayState == .available)
            let deleted = try await f.service.deleteDirectConnectGateway(
                DeleteDirectConnectGatewayRequest(directConnectGatewayId: id),
                in: f.scope
            )
            #expect(deleted.directConnectGateway?.directConnectGatewayState == .deleting)
            f.clock.advance(by: 29)
            #expect(try await gateways(f).first?.directConnectGatewayState == .deleting)
            f.clock.advance(by: 1)
            #expect(try await gateways(f).isEmpty)
            #expect(try await gateways(f, id: id).isEmpty)
            // The gone record leaves the store with the account's next write of gateways.
            _ = try await create(f, name: "next")
            let left = try await f.store.transaction(.read) { transaction in
                try await transaction.record(GatewayRecord.self, id: id, in: .global(account: Fixture.account))
            }
            #expect(left == nil)
        }
    }

    @Test func theTwoHundredAndFirstGatewayIsRefusedUntilOneIsGone() async throws {
        try await Fixture.run { f in
            var first: String?
            for n in 0..<DirectConnectService.gatewayLimit {
                let gateway = try await create(f, name: "g\(n)")
                first = first ?? gateway.directConnectGatewayId
            }
            try await f.expectRefusal(mentioning: ["200", Fixture.account]) { try await create(f) }
            _ = try await create(f, in: Fixture.otherAccount)
            _ = try await f.service.deleteDirectConnectGateway(
                DeleteDirectConnectGatewayRequest(directConnectGatewayId: try #require(first)),
                in: f.scope
            )
            _ = try await create(f, name: "room again")
        }
    }

    @Test func anUnknownGatewayDoesNotExist() async throws {
        try await Fixture.run { f in
            let missing = "00000000-0000-4000-8000-000000000000"
            try await f.expectRefusal(mentioning: [missing, "does not exist"]) {
                try await f.service.deleteDirectConnectGateway(
                    DeleteDirectConnectGatewayRequest(directConnectGatewayId: missing),
                    in: f.scope
                )
            }
            try await f.expectRefusal(mentioning: [missing, "does not exist"]) {
                try await f.service.updateDirectConnectGateway(
                    UpdateDirectConnectGatewayRequest(
                        directConnectGatewayId: missing,
                        newDirectConnectGatewayName: "n"
                    ),
                    in: f.scope
                )
            }
            #expect(try await gateways(f, id: missing).isEmpty)
        }
    }

    @Test func tagsLiveOnTheRegionlessARN() async throws {
        try await Fixture.run { f in
            let gateway = try await create(f, tags: [Tag(key: "a", value: "1")])
            let id = try #require(gateway.directConnectGatewayId)
            let arn = Identifiers.gatewayARN(id, account: Fixture.account)
            #expect(arn == "arn:aws:directconnect::\(Fixture.account):dx-gateway/\(id)")
            _ = try await f.service.tagResource(
                TagResourceRequest(resourceArn: arn, tags: [Tag(key: "b", value: "2")]),
                in: Fixture.otherRegion
            )
            let described = try await f.service.describeTags(DescribeTagsRequest(resourceArns: [arn]), in: f.scope)
            #expect(described.resourceTags?.first?.tags == [Tag(key: "a", value: "1"), Tag(key: "b", value: "2")])
            try await f.expectRefusal(mentioning: [arn], scopes: [Fixture.otherAccount]) {
                try await f.service.untagResource(
                    UntagResourceRequest(resourceArn: arn, tagKeys: ["a"]),
                    in: Fixture.otherAccount
                )
            }
        }
    }

    @Test func attachmentsNeedAGatewayOrAVirtualInterfaceOfTheCaller() async throws {
        try await Fixture.run { f in
            try await f.expectRefusal(mentioning: ["You must specify a Direct Connect gateway, a virtual interface"]) {
                try await f.service.describeDirectConnectGatewayAttachments(.init(), in: f.scope)
            }
            let id = try #require(try await create(f).directConnectGatewayId)
            let listed = try await f.service.describeDirectConnectGatewayAttachments(
                DescribeDirectConnectGatewayAttachmentsRequest(directConnectGatewayId: id),
                in: f.scope
            )
            #expect(listed.directConnectGatewayAttachments == [])
            try await f.expectRefusal(mentioning: [id, "does not exist"], scopes: [Fixture.otherAccount]) {
                try await f.service.describeDirectConnectGatewayAttachments(
                    DescribeDirectConnectGatewayAttachmentsRequest(directConnectGatewayId: id),
                    in: Fixture.otherAccount
                )
            }
        }
    }
}
