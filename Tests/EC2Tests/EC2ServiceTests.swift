import AWSJSONProtocol
import AWSQueryProtocol
import EC2
import EC2Model
import Foundation
import ServiceKit
import Storage
import Testing

/// SPEC 9's EC2 slice on the reference store: VPCs, virtual private gateways and their attachments, transit
/// gateways and the attachments Direct Connect makes; EC2's codes, and nothing changed by a refusal.
@Suite struct EC2ServiceTests {
    static let scope = Scope(account: "111122223333", region: "us-east-1")
    static let otherRegion = Scope(account: "111122223333", region: "eu-west-1")
    static let otherAccount = Scope(account: "444455556666", region: "us-east-1")

    struct Fixture {
        let store: InMemoryStore
        let service: EC2Service
        let clock: ManualClock

        static func run(_ body: (Fixture) async throws -> Void) async throws {
            let store = InMemoryStore()
            let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
            let sealer = try #require(SecretSealer(keyData: Data(repeating: 7, count: 32)))
            let fixture = Fixture(
                store: store,
                service: EC2Service(store: store, clock: clock, sealer: sealer),
                clock: clock
            )
            do { try await body(fixture) } catch {
                try await store.close()
                throw error
            }
            try await store.close()
        }

        func vpc(_ cidr: String = "10.0.0.0/16", in scope: Scope = EC2ServiceTests.scope) async throws -> String {
            try #require(try await service.createVpc(CreateVpcRequest(cidrBlock: cidr), in: scope).vpc?.vpcId)
        }

        func vgw(asn: Int? = nil, in scope: Scope = EC2ServiceTests.scope) async throws -> String {
            let created = try await service.createVpnGateway(
                CreateVpnGatewayRequest(type: .ipsec1, amazonSideAsn: asn),
                in: scope
            )
            return try #require(created.vpnGateway?.vpnGatewayId)
        }

        /// What a caller in `scope` can observe, to prove a refused call changed nothing.
        func snapshot(_ scope: Scope = EC2ServiceTests.scope) async throws -> [String] {
            let vpcs = try await service.describeVpcs(.init(), in: scope).vpcs ?? []
            let gateways = try await service.describeVpnGateways(.init(), in: scope).vpnGateways ?? []
            let transit = try await service.describeTransitGateways(.init(), in: scope).transitGateways ?? []
            return ["\(vpcs)", "\(gateways)", "\(transit)"]
        }

        /// Expects `body` to fail with `code` (status 400 unless said) and a message holding every fragment, and
        /// nothing observable to change.
        func expectRefusal(
            _ code: String,
            _ fragments: [String] = [],
            status: Int = 400,
            sourceLocation: SourceLocation = #_sourceLocation,
            _ body: () async throws -> Void
        ) async throws {
            let before = try await snapshot()
            let error = await #expect(throws: AWSError.self, sourceLocation: sourceLocation) { try await body() }
            #expect(error?.code == code, "\(String(describing: error))", sourceLocation: sourceLocation)
            #expect(error?.status == status, sourceLocation: sourceLocation)
            for fragment in fragments {
                #expect(
                    error?.message.contains(fragment) == true,
                    "\(String(describing: error?.message)) lacks \(fragment)",
                    sourceLocation: sourceLocation
                )
            }
            #expect(try await snapshot() == before, "a refused call changed state", sourceLocation: sourceLocation)
        }
    }

    // MARK: VPCs

    @Test func aVpcIsAnsweredPendingThenReadsAvailableWithItsNormalisedBlock() async throws {
        try await Fixture.run { f in
            let created = try #require(
                try await f.service.createVpc(
                    CreateVpcRequest(
                        cidrBlock: "10.1.2.3/16",
                        tagSpecifications: [
                            TagSpecification(resourceType: .vpc, tags: [Tag(key: "Name", value: "web-1")])
                        ]
                    ),
                    in: Self.scope
                ).vpc
            )
            #expect(created.state == .pending)
            #expect(created.cidrBlock == "10.1.0.0/16")
            #expect(created.ownerId == Self.scope.account)
            #expect(created.instanceTenancy == .default)
            #expect(created.isDefault == false)
            #expect(created.tags == [Tag(key: "Name", value: "web-1")])
            #expect(EC2Identifiers.isWellFormed(created.vpcId ?? "", prefix: "vpc"))
            #expect(created.vpcId?.count == 21)
            #expect(created.cidrBlockAssociationSet?.first?.cidrBlockState?.state == .associated)
            let described = try await f.service.describeVpcs(.init(), in: Self.scope).vpcs
            #expect(described?.map(\.state) == [.available])
            #expect(described?.first?.vpcId == created.vpcId)
            #expect(try await f.service.describeVpcs(.init(), in: Self.otherRegion).vpcs == [])
            #expect(try await f.service.describeVpcs(.init(), in: Self.otherAccount).vpcs == [])
        }
    }

    @Test func badVpcRequestsAreRefusedWithEC2sCodes() async throws {
        try await Fixture.run { f in
            try await f.expectRefusal("MissingParameter", ["cidrBlock"]) {
                _ = try await f.service.createVpc(.init(), in: Self.scope)
            }
            try await f.expectRefusal("InvalidParameterValue", ["not a valid CIDR block"]) {
                _ = try await f.service.createVpc(.init(cidrBlock: "10.0.0.256/16"), in: Self.scope)
            }
            for cidr in ["10.0.0.0/15", "10.0.0.0/29"] {
                try await f.expectRefusal("InvalidVpc.Range", ["The CIDR '\(cidr)' is invalid."]) {
                    _ = try await f.service.createVpc(.init(cidrBlock: cidr), in: Self.scope)
                }
            }
            try await f.expectRefusal("InvalidParameterValue", ["IPv6"]) {
                _ = try await f.service.createVpc(
                    .init(cidrBlock: "10.0.0.0/16", amazonProvidedIpv6CidrBlock: true),
                    in: Self.scope
                )
            }
            try await f.expectRefusal("InvalidParameterValue", ["taggable resource type"]) {
                _ = try await f.service.createVpc(
                    .init(cidrBlock: "10.0.0.0/16", tagSpecifications: [.init(resourceType: .vpnGateway, tags: [])]),
                    in: Self.scope
                )
            }
            try await f.expectRefusal("InvalidParameterValue", ["reserved"]) {
                _ = try await f.service.createVpc(
                    .init(
                        cidrBlock: "10.0.0.0/16",
                        tagSpecifications: [.init(resourceType: .vpc, tags: [Tag(key: "aws:x", value: "")])]
                    ),
                    in: Self.scope
                )
            }
            try await f.expectRefusal("DryRunOperation", ["DryRun flag is set"], status: 412) {
                _ = try await f.service.createVpc(.init(cidrBlock: "10.0.0.0/16", dryRun: true), in: Self.scope)
            }
        }
    }

    @Test func anAccountHoldsFiveVpcsARegion() async throws {
        try await Fixture.run { f in
            for _ in 0..<EC2Service.vpcLimit { _ = try await f.vpc() }
            try await f.expectRefusal("VpcLimitExceeded", ["maximum number of VPCs"]) { _ = try await f.vpc() }
            _ = try await f.vpc(in: Self.otherRegion)
        }
    }

    @Test func describeVpcsFiltersPagesAndNamesWhatIsMissing() async throws {
        try await Fixture.run { f in
            var ids: [String] = []
            for (index, name) in ["web-1", "web-2", "db", "", "web-3"].enumerated() {
                let tags = name.isEmpty ? [] : [Tag(key: "Name", value: name)]
                let created = try await f.service.createVpc(
                    .init(cidrBlock: "10.\(index).0.0/16", tagSpecifications: [.init(resourceType: .vpc, tags: tags)]),
                    in: Self.scope
                )
                ids.append(try #require(created.vpc?.vpcId))
            }
            func named(_ filters: [Filter]) async throws -> Set<String> {
                Set(
                    try await f.service.describeVpcs(.init(filters: filters), in: Self.scope).vpcs?.compactMap(\.vpcId)
                        ?? []
                )
            }
            #expect(try await named([Filter(name: "tag:Name", values: ["web-*"])]) == [ids[0], ids[1], ids[4]])
            #expect(
                try await named([
                    Filter(name: "tag:Name", values: ["web-?", "db"]), Filter(name: "cidr", values: ["10.2.0.0/16"]),
                ]) == [ids[2]]
            )
            #expect(try await named([Filter(name: "tag-key", values: ["Name"])]).count == 4)
            #expect(
                try await named([
                    Filter(name: "vpc-id", values: [ids[3]]), Filter(name: "state", values: ["available"]),
                ]) == [ids[3]]
            )
            #expect(try await named([Filter(name: "is-default", values: ["true"])]) == [])
            #expect(try await named([Filter(name: "owner-id", values: [Self.scope.account])]).count == 5)
            try await f.expectRefusal("InvalidParameterValue", ["The filter 'colour' is invalid"]) {
                _ = try await named([Filter(name: "colour", values: ["red"])])
            }
            try await f.expectRefusal("InvalidParameterValue", ["longer than 1024 characters"]) {
                _ = try await named([Filter(name: "tag:Name", values: [String(repeating: "*a", count: 513)])])
            }
            #expect(
                try await named([Filter(name: "tag:Name", values: [String(repeating: "*", count: 1024)])]).count == 4
            )
            // Pages of at least 5, resumed by a sealed token.
            let first = try await f.service.describeVpcs(.init(maxResults: 5), in: Self.scope)
            #expect(first.vpcs?.count == 5)
            #expect(first.nextToken == nil)
            try await f.expectRefusal("InvalidParameterValue", ["between 5 and 1000"]) {
                _ = try await f.service.describeVpcs(.init(maxResults: 4), in: Self.scope)
            }
            try await f.expectRefusal("InvalidParameterValue", ["The token is invalid"]) {
                _ = try await f.service.describeVpcs(.init(nextToken: "bm90LWEtdG9rZW4="), in: Self.scope)
            }
            let missing = "vpc-0123456789abcdef0"
            try await f.expectRefusal("InvalidVpcID.NotFound", ["The vpc ID '\(missing)' does not exist"]) {
                _ = try await f.service.describeVpcs(.init(vpcIds: [ids[0], missing]), in: Self.scope)
            }
            try await f.expectRefusal("InvalidVpcID.NotFound", ["do not exist"]) {
                _ = try await f.service.describeVpcs(.init(vpcIds: [missing, "vpc-12345678"]), in: Self.scope)
            }
            try await f.expectRefusal("InvalidVpcID.Malformed", ["expecting \"vpc-...\""]) {
                _ = try await f.service.describeVpcs(.init(vpcIds: ["subnet-12345678"]), in: Self.scope)
            }
            // Another account's VPC is not found by its ID.
            try await f.expectRefusal("InvalidVpcID.NotFound") {
                _ = try await f.service.describeVpcs(.init(vpcIds: [ids[0]]), in: Self.otherAccount)
            }
        }
    }

    @Test func theFiltersWildcardsFollowEC2() {
        // Reached through describeVpcs above; the edges here: escapes, a star at either end, nothing matched by `?`.
        let cases: [(String, String, Bool)] = [
            ("web-*", "web-", true), ("*-db", "prod-db", true), ("a?c", "ac", false), ("a?c", "abc", true),
            ("a\\*c", "a*c", true), ("a\\*c", "abc", false), ("*", "", true), ("**a", "bba", true),
            ("a*b*c", "axbyc", true),
            ("a*b*c", "axbyd", false),
        ]
        for (pattern, text, expected) in cases {
            #expect(EC2Filters.glob(pattern, matches: text) == expected, "\(pattern) ~ \(text)")
        }
    }

    // MARK: What Terraform's aws_vpc reads and changes besides

    /// enableDnsSupport, enableDnsHostnames and enableNetworkAddressUsageMetrics, each read by a call of its own that
    /// answers that member alone.
    func attributes(_ f: Fixture, _ vpc: String) async throws -> [Bool?] {
        var values: [Bool?] = []
        for name in VpcAttributeName.allKnownValues {
            let answer = try await f.service.describeVpcAttribute(.init(attribute: name, vpcId: vpc), in: Self.scope)
            #expect(answer.vpcId == vpc)
            let members: [VpcAttributeName: AttributeBooleanValue?] = [
                .enableDnsSupport: answer.enableDnsSupport,
                .enableDnsHostnames: answer.enableDnsHostnames,
                .enableNetworkAddressUsageMetrics: answer.enableNetworkAddressUsageMetrics,
            ]
            #expect(members.filter { $0.value != nil }.map(\.key) == [name], "\(name): \(answer)")
            values.append(members[name]??.value)
        }
        return values
    }

    @Test func aVpcsAttributesStartAsEC2sAndChangeOneACall() async throws {
        try await Fixture.run { f in
            let vpc = try await f.vpc()
            let other = try await f.vpc("10.1.0.0/16")
            // enableDnsSupport, enableDnsHostnames, enableNetworkAddressUsageMetrics
            #expect(try await attributes(f, vpc) == [true, false, false])
            _ = try await f.service.modifyVpcAttribute(
                .init(enableDnsHostnames: .init(value: true), vpcId: vpc),
                in: Self.scope
            )
            _ = try await f.service.modifyVpcAttribute(
                .init(enableDnsSupport: .init(value: false), vpcId: vpc),
                in: Self.scope
            )
            #expect(try await attributes(f, vpc) == [false, true, false])
            #expect(try await attributes(f, other) == [true, false, false])

            let both = ModifyVpcAttributeRequest(
                enableDnsHostnames: .init(value: false),
                vpcId: vpc,
                enableNetworkAddressUsageMetrics: .init(value: true)
            )
            let refusals: [(ModifyVpcAttributeRequest, String, String)] = [
                (
                    both, "InvalidParameterCombination",
                    "Fields for multiple attribute types specified: enableDnsHostnames, enableNetworkAddressUsageMetrics"
                ),
                (.init(vpcId: vpc), "MissingParameter", "EnableDnsHostnames, EnableDnsSupport or"),
                (.init(enableDnsSupport: .init(), vpcId: vpc), "MissingParameter", "EnableDnsSupport.Value"),
                (.init(enableDnsSupport: .init(value: true)), "MissingParameter", "VpcId"),
                (.init(enableDnsSupport: .init(value: true), vpcId: "vpc-1234"), "InvalidVpcID.Malformed", "vpc-1234"),
            ]
            for (request, code, words) in refusals {
                try await f.expectRefusal(code, [words]) {
                    _ = try await f.service.modifyVpcAttribute(request, in: Self.scope)
                }
                #expect(try await attributes(f, vpc) == [false, true, false])
            }
            try await f.expectRefusal("InvalidVpcID.NotFound", [vpc]) {
                _ = try await f.service.modifyVpcAttribute(
                    .init(enableDnsSupport: .init(value: true), vpcId: vpc),
                    in: Self.otherAccount
                )
            }
            try await f.expectRefusal("InvalidParameterValue", ["(enableIpv6)", "Unknown attribute"]) {
                _ = try await f.service.describeVpcAttribute(.init(attribute: "enableIpv6", vpcId: vpc), in: Self.scope)
            }
        }
    }

    @Test func aDedicatedVpcsTenancyChangesToDefaultOnly() async throws {
        try await Fixture.run { f in
            let created = try await f.service.createVpc(
                .init(cidrBlock: "10.0.0.0/16", instanceTenancy: .dedicated),
                in: Self.scope
            )
            let vpc = try #require(created.vpc?.vpcId)
            try await f.expectRefusal("InvalidParameterValue", ["only be changed to default"]) {
                _ = try await f.service.modifyVpcTenancy(
                    .init(vpcId: vpc, instanceTenancy: "dedicated"),
                    in: Self.scope
                )
            }
            let changed = try await f.service.modifyVpcTenancy(
                .init(vpcId: vpc, instanceTenancy: .default),
                in: Self.scope
            )
            #expect(changed.returnValue == true)
            #expect(
                try await f.service.describeVpcs(.init(), in: Self.scope).vpcs?.map(\.instanceTenancy) == [.default]
            )
        }
    }

    @Test func everyVpcHasItsOwnMainRouteTableDefaultAclAndDefaultSecurityGroup() async throws {
        try await Fixture.run { f in
            let first = try await f.vpc()
            let second = try await f.vpc("10.1.0.0/16")
            let onFirst = [Filter(name: "vpc-id", values: [first])]
            let tables = try await f.service.describeRouteTables(.init(filters: onFirst), in: Self.scope).routeTables
            let table = try #require(tables?.first)
            #expect(tables?.count == 1)
            #expect(table.vpcId == first)
            #expect(table.routes?.map(\.destinationCidrBlock) == ["10.0.0.0/16"])
            #expect(table.associations?.map(\.main) == [true])
            let tableID = try #require(table.routeTableId)
            #expect(EC2Identifiers.isWellFormed(tableID, prefix: "rtb") && tableID.count == 21)
            // The same VPC names the same defaults on every call (and after a restart: they are derived, not stored).
            let again = try await f.service.describeRouteTables(.init(routeTableIds: [tableID]), in: Self.scope)
            #expect(again.routeTables == tables)

            let acls = try await f.service.describeNetworkAcls(.init(), in: Self.scope).networkAcls ?? []
            let groups = try await f.service.describeSecurityGroups(.init(), in: Self.scope).securityGroups ?? []
            #expect(Set(acls.compactMap(\.vpcId)) == [first, second])
            #expect(Set(groups.compactMap(\.vpcId)) == [first, second])
            #expect(acls.allSatisfy { $0.isDefault == true && $0.entries?.count == 4 })
            #expect(
                groups.allSatisfy {
                    $0.groupName == "default" && $0.ipPermissions?.first?.userIdGroupPairs?.first?.groupId == $0.groupId
                }
            )
            let ids = [tableID] + acls.compactMap(\.networkAclId) + groups.compactMap(\.groupId)
            #expect(Set(ids.map { $0.split(separator: "-").last ?? "" }).count == ids.count, "\(ids)")

            let mainOfSecond = [
                Filter(name: "association.main", values: ["true"]), Filter(name: "vpc-id", values: [second]),
            ]
            #expect(
                try await f.service.describeRouteTables(.init(filters: mainOfSecond), in: Self.scope).routeTables?.map(
                    \.vpcId
                ) == [second]
            )
            try await f.expectRefusal(
                "InvalidRouteTableID.NotFound",
                ["The routeTable ID 'rtb-0123456789abcdef0' does not exist"]
            ) {
                _ = try await f.service.describeRouteTables(
                    .init(routeTableIds: ["rtb-0123456789abcdef0"]),
                    in: Self.scope
                )
            }
            try await f.expectRefusal("InvalidRouteTableId.Malformed") {
                _ = try await f.service.describeRouteTables(.init(routeTableIds: [first]), in: Self.scope)
            }
            try await f.expectRefusal("InvalidGroupId.Malformed") {
                _ = try await f.service.describeSecurityGroups(.init(groupIds: ["default"]), in: Self.scope)
            }
            try await f.expectRefusal("VPCIdNotSpecified", ["No default VPC for this user"]) {
                _ = try await f.service.describeSecurityGroups(.init(groupNames: ["default"]), in: Self.scope)
            }
            #expect(try await f.service.describeNetworkAcls(.init(), in: Self.otherAccount).networkAcls == [])

            _ = try await f.service.deleteVpc(.init(vpcId: first), in: Self.scope)
            try await f.expectRefusal("InvalidRouteTableID.NotFound") {
                _ = try await f.service.describeRouteTables(.init(routeTableIds: [tableID]), in: Self.scope)
            }
            #expect(
                try await f.service.describeSecurityGroups(.init(), in: Self.scope).securityGroups?.map(\.vpcId) == [
                    second
                ]
            )
        }
    }

    @Test func aMainRouteTablePropagatesOnlyAGatewayAttachedToItsVpc() async throws {
        try await Fixture.run { f in
            let vpc = try await f.vpc()
            let gateway = try await f.vgw()
            let onVpc = DescribeRouteTablesRequest(filters: [Filter(name: "vpc-id", values: [vpc])])
            let table = try #require(
                try await f.service.describeRouteTables(onVpc, in: Self.scope).routeTables?.first?.routeTableId
            )
            let enable = EnableVgwRoutePropagationRequest(gatewayId: gateway, routeTableId: table)
            try await f.expectRefusal("Gateway.NotAttached", [gateway, vpc]) {
                _ = try await f.service.enableVgwRoutePropagation(enable, in: Self.scope)
            }
            _ = try await f.service.attachVpnGateway(.init(vpcId: vpc, vpnGatewayId: gateway), in: Self.scope)
            _ = try await f.service.enableVgwRoutePropagation(enable, in: Self.scope)
            func propagating() async throws -> [String?] {
                let tables = try await f.service.describeRouteTables(onVpc, in: Self.scope).routeTables
                return tables?.first?.propagatingVgws?.map(\.gatewayId) ?? []
            }
            #expect(try await propagating() == [gateway])
            try await f.expectRefusal("InvalidRouteTableID.NotFound", [table]) {
                _ = try await f.service.enableVgwRoutePropagation(enable, in: Self.otherAccount)
            }
            let disable = DisableVgwRoutePropagationRequest(gatewayId: gateway, routeTableId: table)
            _ = try await f.service.disableVgwRoutePropagation(disable, in: Self.scope)
            #expect(try await propagating() == [])
            _ = try await f.service.enableVgwRoutePropagation(enable, in: Self.scope)
            _ = try await f.service.detachVpnGateway(.init(vpcId: vpc, vpnGatewayId: gateway), in: Self.scope)
            #expect(try await propagating() == [])
        }
    }

    // MARK: Virtual private gateways

    @Test func aGatewayAttachesToOneVpcAndAVpcTakesOneGateway() async throws {
        try await Fixture.run { f in
            let (vpc, other) = (try await f.vpc(), try await f.vpc("10.9.0.0/16"))
            let (vgw, second) = (try await f.vgw(asn: 65000), try await f.vgw())
            let attached = try await f.service.attachVpnGateway(.init(vpcId: vpc, vpnGatewayId: vgw), in: Self.scope)
            #expect(attached.vpcAttachment == VpcAttachment(vpcId: vpc, state: .attaching))
            let gateway = try #require(
                try await f.service.describeVpnGateways(.init(vpnGatewayIds: [vgw]), in: Self.scope).vpnGateways?.first
            )
            #expect(gateway.vpcAttachments == [VpcAttachment(vpcId: vpc, state: .attached)])
            #expect(gateway.amazonSideAsn == 65000)
            #expect(gateway.state == .available)
            try await f.expectRefusal("VpnGatewayAttachmentLimitExceeded", [vgw, vpc]) {
                _ = try await f.service.attachVpnGateway(.init(vpcId: other, vpnGatewayId: vgw), in: Self.scope)
            }
            try await f.expectRefusal("VpnGatewayAttachmentLimitExceeded", [vpc, vgw]) {
                _ = try await f.service.attachVpnGateway(.init(vpcId: vpc, vpnGatewayId: second), in: Self.scope)
            }
            try await f.expectRefusal("DependencyViolation", ["has dependencies"]) {
                _ = try await f.service.deleteVpc(.init(vpcId: vpc), in: Self.scope)
            }
            try await f.expectRefusal("IncorrectState", ["The VPN gateway is in use."]) {
                _ = try await f.service.deleteVpnGateway(.init(vpnGatewayId: vgw), in: Self.scope)
            }
            try await f.expectRefusal("InvalidVpnGatewayAttachment.NotFound", [second, vpc]) {
                _ = try await f.service.detachVpnGateway(.init(vpcId: vpc, vpnGatewayId: second), in: Self.scope)
            }
            _ = try await f.service.detachVpnGateway(.init(vpcId: vpc, vpnGatewayId: vgw), in: Self.scope)
            let filtered = try await f.service.describeVpnGateways(
                .init(filters: [Filter(name: "attachment.state", values: ["detached"])]),
                in: Self.scope
            )
            #expect(filtered.vpnGateways?.map(\.vpnGatewayId) == [vgw])
            #expect(filtered.vpnGateways?.first?.vpcAttachments == [VpcAttachment(vpcId: vpc, state: .detached)])
            // Detached, the VPC takes another gateway and both can go.
            _ = try await f.service.attachVpnGateway(.init(vpcId: vpc, vpnGatewayId: second), in: Self.scope)
            _ = try await f.service.detachVpnGateway(.init(vpcId: vpc, vpnGatewayId: second), in: Self.scope)
            _ = try await f.service.deleteVpnGateway(.init(vpnGatewayId: vgw), in: Self.scope)
            _ = try await f.service.deleteVpc(.init(vpcId: vpc), in: Self.scope)
            try await f.expectRefusal("InvalidVpnGatewayID.NotFound", ["The vpnGateway ID '\(vgw)' does not exist"]) {
                _ = try await f.service.describeVpnGateways(.init(vpnGatewayIds: [vgw]), in: Self.scope)
            }
            try await f.expectRefusal("InvalidVpcID.NotFound") {
                _ = try await f.service.deleteVpc(.init(vpcId: vpc), in: Self.scope)
            }
        }
    }

    @Test func badGatewayRequestsAreRefused() async throws {
        try await Fixture.run { f in
            try await f.expectRefusal("MissingParameter", ["Type"]) {
                _ = try await f.service.createVpnGateway(.init(), in: Self.scope)
            }
            try await f.expectRefusal("InvalidParameterValue", ["ipsec.1"]) {
                _ = try await f.service.createVpnGateway(.init(type: "ipsec.2"), in: Self.scope)
            }
            for asn in [64511, 65535, 4_199_999_999, 4_294_967_295] {
                try await f.expectRefusal("InvalidParameterValue", ["\(asn)"]) {
                    _ = try await f.vgw(asn: asn)
                }
            }
            for asn in [64512, 65534, 4_200_000_000] { _ = try await f.vgw(asn: asn) }
            try await f.expectRefusal("InvalidVpnGatewayID.Malformed") {
                _ = try await f.service.attachVpnGateway(
                    .init(vpcId: "vpc-12345678", vpnGatewayId: "vgw-XYZ"),
                    in: Self.scope
                )
            }
            try await f.expectRefusal("InvalidVpnGatewayID.NotFound") {
                _ = try await f.service.attachVpnGateway(
                    .init(vpcId: "vpc-12345678", vpnGatewayId: "vgw-12345678"),
                    in: Self.scope
                )
            }
            let vgw = try await f.vgw()
            try await f.expectRefusal("InvalidVpcID.NotFound") {
                _ = try await f.service.attachVpnGateway(
                    .init(vpcId: "vpc-12345678", vpnGatewayId: vgw),
                    in: Self.scope
                )
            }
            _ = try await f.vgw()
            try await f.expectRefusal("VpnGatewayLimitExceeded") { _ = try await f.vgw() }
        }
    }

    // MARK: Transit gateways and their attachments

    @Test func aTransitGatewayTakesEC2sDefaultsAndReadsDeletedOnceDeleted() async throws {
        try await Fixture.run { f in
            let created = try #require(
                try await f.service.createTransitGateway(.init(description: "core"), in: Self.scope).transitGateway
            )
            let id = try #require(created.transitGatewayId)
            #expect(created.state == .pending)
            #expect(created.transitGatewayArn == "arn:aws:ec2:us-east-1:\(Self.scope.account):transit-gateway/\(id)")
            #expect(created.options?.amazonSideAsn == 64512)
            #expect(created.options?.defaultRouteTableAssociation == .enable)
            #expect(created.options?.autoAcceptSharedAttachments == .disable)
            #expect(created.options?.associationDefaultRouteTableId?.hasPrefix("tgw-rtb-") == true)
            #expect(created.options?.associationDefaultRouteTableId == created.options?.propagationDefaultRouteTableId)
            let listed = try await f.service.describeTransitGateways(.init(), in: Self.scope).transitGateways
            #expect(listed?.map(\.state) == [.available])
            try await f.expectRefusal("InvalidParameterValue", ["enable or disable"]) {
                _ = try await f.service.createTransitGateway(
                    .init(options: .init(dnsSupport: "maybe")),
                    in: Self.scope
                )
            }
            let deleted = try await f.service.deleteTransitGateway(.init(transitGatewayId: id), in: Self.scope)
            #expect(deleted.transitGateway?.state == .deleting)
            // Listed as deleted for 15 minutes, then gone; found by no other call meanwhile.
            let gone = try await f.service.describeTransitGateways(.init(transitGatewayIds: [id]), in: Self.scope)
            #expect(gone.transitGateways?.map { $0.state } == [TransitGatewayState.deleted])
            try await f.expectRefusal("InvalidTransitGatewayID.NotFound", [id]) {
                _ = try await f.service.deleteTransitGateway(.init(transitGatewayId: id), in: Self.scope)
            }
            f.clock.advance(by: 15 * 60)
            try await f.expectRefusal("InvalidTransitGatewayID.NotFound", ["was deleted or does not exist"]) {
                _ = try await f.service.describeTransitGateways(.init(transitGatewayIds: [id]), in: Self.scope)
            }
        }
    }

    @Test func anAttachmentIsPendingUntilItsAssociationSettlesAndHoldsItsTransitGateway() async throws {
        try await Fixture.run { f in
            let tgw = try #require(
                try await f.service.createTransitGateway(.init(), in: Self.scope).transitGateway?.transitGatewayId
            )
            let now = f.clock.now
            let attachment = TransitGatewayAttachmentRecord(
                id: "tgw-attach-0123456789abcdef0",
                transitGatewayId: tgw,
                resourceType: "direct-connect-gateway",
                resourceId: "5f294f92-bafb-4011-916d-9b0bEXAMPLE",
                resourceOwnerId: Self.scope.account,
                createdAt: now,
                availableAt: now.addingTimeInterval(2),
                tags: []
            )
            try await f.store.transaction(.write) { try await $0.save(attachment, in: Self.scope) }
            let filters = [
                Filter(name: "resource-type", values: ["direct-connect-gateway"]),
                Filter(name: "resource-id", values: [attachment.resourceId]),
                Filter(name: "transit-gateway-id", values: [tgw]),
            ]
            let pending = try await f.service.describeTransitGatewayAttachments(.init(filters: filters), in: Self.scope)
            #expect(pending.transitGatewayAttachments?.map(\.state) == [.pending])
            #expect(pending.transitGatewayAttachments?.first?.association == nil)
            try await f.expectRefusal("IncorrectState", [attachment.id]) {
                _ = try await f.service.deleteTransitGateway(.init(transitGatewayId: tgw), in: Self.scope)
            }
            f.clock.advance(by: 2)
            let available = try #require(
                try await f.service.describeTransitGatewayAttachments(.init(filters: filters), in: Self.scope)
                    .transitGatewayAttachments?.first
            )
            #expect(available.state == .available)
            #expect(available.association?.state == .associated)
            #expect(available.resourceType == .directConnectGateway)
            let other = try await f.service.describeTransitGatewayAttachments(
                .init(filters: [Filter(name: "transit-gateway-id", values: ["tgw-12345678"])]),
                in: Self.scope
            )
            #expect(other.transitGatewayAttachments == [])
            #expect(
                try await f.service.describeTransitGatewayAttachments(.init(), in: Self.otherAccount)
                    .transitGatewayAttachments == []
            )
            try await f.expectRefusal("InvalidTransitGatewayAttachmentID.NotFound") {
                _ = try await f.service.describeTransitGatewayAttachments(
                    .init(transitGatewayAttachmentIds: ["tgw-attach-12345678"]),
                    in: Self.scope
                )
            }
            // Gone with its association's end, and then the transit gateway deletes.
            var ending = attachment
            ending.deletedAt = f.clock.now.addingTimeInterval(1)
            try await f.store.transaction(.write) { [ending] in try await $0.save(ending, in: Self.scope) }
            #expect(
                try await f.service.describeTransitGatewayAttachments(.init(), in: Self.scope)
                    .transitGatewayAttachments?.map(\.state) == [.deleting]
            )
            f.clock.advance(by: 1)
            #expect(
                try await f.service.describeTransitGatewayAttachments(.init(), in: Self.scope).transitGatewayAttachments
                    == []
            )
            _ = try await f.service.deleteTransitGateway(.init(transitGatewayId: tgw), in: Self.scope)
        }
    }

    @Test func pagesResumeAfterTheLastIDWithASealedTokenOfTheirListingAndCaller() async throws {
        try await Fixture.run { f in
            let tgw = try #require(
                try await f.service.createTransitGateway(.init(), in: Self.scope).transitGateway?.transitGatewayId
            )
            let ids = (0..<7).map { String(format: "tgw-attach-%017x", $0) }
            try await f.store.transaction(.write) { transaction in
                for id in ids {
                    try await transaction.save(
                        TransitGatewayAttachmentRecord(
                            id: id,
                            transitGatewayId: tgw,
                            resourceType: "direct-connect-gateway",
                            resourceId: "g",
                            resourceOwnerId: Self.scope.account,
                            createdAt: f.clock.now,
                            tags: []
                        ),
                        in: Self.scope
                    )
                }
            }
            let first = try await f.service.describeTransitGatewayAttachments(.init(maxResults: 5), in: Self.scope)
            #expect(first.transitGatewayAttachments?.compactMap(\.transitGatewayAttachmentId) == Array(ids.prefix(5)))
            let token = try #require(first.nextToken)
            let second = try await f.service.describeTransitGatewayAttachments(
                .init(maxResults: 5, nextToken: token),
                in: Self.scope
            )
            #expect(second.transitGatewayAttachments?.compactMap(\.transitGatewayAttachmentId) == Array(ids.suffix(2)))
            #expect(second.nextToken == nil)
            // The token serves neither another listing nor another caller.
            try await f.expectRefusal("InvalidParameterValue", ["The token is invalid"]) {
                _ = try await f.service.describeTransitGateways(.init(nextToken: token), in: Self.scope)
            }
            await #expect(throws: AWSError.self) {
                _ = try await f.service.describeTransitGatewayAttachments(.init(nextToken: token), in: Self.otherRegion)
            }
        }
    }
}
