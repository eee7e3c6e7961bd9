import AWSJSONProtocol
import AWSQueryProtocol
import EC2Model
import Foundation
import ServiceKit
import Storage

/// What EC2 makes with every VPC: its main route table (one local route, and the VPN gateways it propagates the
/// routes of, which EnableVgwRoutePropagation and DisableVgwRoutePropagation change), its default network ACL (all traffic
/// allowed, then denied, each way) and its default security group (its own members in, everything out), which
/// Terraform's `aws_vpc` reads as `main_route_table_id`, `default_network_acl_id` and `default_security_group_id`.
/// Served beyond SPEC 9 (our choice), read-only but for the gateways the main route table propagates, and gone with
/// their VPC (no subnet, route, rule or tag of theirs is served).
/// Their IDs are derived from the VPC's (our choice), so that VPCs stored by earlier versions have them too.
struct VpcDefaults {
    let vpc: VpcRecord
    let scope: Scope

    var routeTableId: String { EC2Identifiers.derived("rtb", from: vpc.id) }
    var routeTableAssociationId: String { EC2Identifiers.derived("rtbassoc", from: vpc.id) }
    var networkAclId: String { EC2Identifiers.derived("acl", from: vpc.id) }
    var securityGroupId: String { EC2Identifiers.derived("sg", from: vpc.id) }

    /// The default security group's name and description, as EC2 gives them.
    static let securityGroupName = "default"
    static let securityGroupDescription = "default VPC security group"
    static let anywhere = "0.0.0.0/0"
    /// The default network ACL's rules: number, action; each is there once for each direction.
    static let aclRules: [(number: Int, action: RuleAction)] = [(100, .allow), (32_767, .deny)]

    var routeTable: RouteTable {
        RouteTable(
            associations: [
                RouteTableAssociation(
                    main: true,
                    routeTableAssociationId: routeTableAssociationId,
                    routeTableId: routeTableId,
                    associationState: RouteTableAssociationState(state: .associated)
                )
            ],
            propagatingVgws: (vpc.propagatingGateways ?? []).map { PropagatingVgw(gatewayId: $0) },
            routeTableId: routeTableId,
            routes: [
                Route(
                    destinationCidrBlock: vpc.cidrBlock,
                    gatewayId: "local",
                    origin: .createRouteTable,
                    state: .active
                )
            ],
            tags: [],
            vpcId: vpc.id,
            ownerId: scope.account
        )
    }

    var networkAcl: NetworkAcl {
        NetworkAcl(
            associations: [],
            entries: [true, false].flatMap { egress in
                Self.aclRules.map { rule in
                    NetworkAclEntry(
                        cidrBlock: Self.anywhere,
                        egress: egress,
                        protocol: "-1",
                        ruleAction: rule.action,
                        ruleNumber: rule.number
                    )
                }
            },
            isDefault: true,
            networkAclId: networkAclId,
            tags: [],
            vpcId: vpc.id,
            ownerId: scope.account
        )
    }

    var securityGroup: SecurityGroup {
        SecurityGroup(
            groupId: securityGroupId,
            ipPermissionsEgress: [
                IpPermission(
                    ipProtocol: "-1",
                    userIdGroupPairs: [],
                    ipRanges: [IpRange(cidrIp: Self.anywhere)],
                    ipv6Ranges: [],
                    prefixListIds: []
                )
            ],
            vpcId: vpc.id,
            securityGroupArn: "arn:aws:ec2:\(scope.region):\(scope.account):security-group/\(securityGroupId)",
            ownerId: scope.account,
            groupName: Self.securityGroupName,
            description: Self.securityGroupDescription,
            ipPermissions: [
                IpPermission(
                    ipProtocol: "-1",
                    userIdGroupPairs: [UserIdGroupPair(userId: scope.account, groupId: securityGroupId)],
                    ipRanges: [],
                    ipv6Ranges: [],
                    prefixListIds: []
                )
            ]
        )
    }
}

extension EC2Service {
    static let routeTableFilters: Set<String> = [
        "route-table-id", "vpc-id", "owner-id", "association.main", "association.route-table-association-id",
        "association.route-table-id", "association.subnet-id", "association.gateway-id",
        "route.destination-cidr-block", "route.gateway-id", "route.origin", "route.state",
    ]

    static let networkAclFilters: Set<String> = [
        "network-acl-id", "vpc-id", "owner-id", "default", "association.association-id",
        "association.network-acl-id", "association.subnet-id", "entry.cidr", "entry.egress", "entry.protocol",
        "entry.rule-action", "entry.rule-number",
    ]

    static let securityGroupFilters: Set<String> = [
        "group-id", "group-name", "vpc-id", "owner-id", "description", "ip-permission.protocol",
        "ip-permission.group-id", "ip-permission.user-id", "ip-permission.cidr", "egress.ip-permission.protocol",
        "egress.ip-permission.cidr",
    ]

    /// The main route table of each of the caller's VPCs, with EC2's filters (Terraform's `association.main` and
    /// `vpc-id` among them) and pages.
    package func describeRouteTables(
        _ input: DescribeRouteTablesRequest,
        in scope: Scope
    ) async throws -> DescribeRouteTablesResult {
        let (page, token) = try await describeDefaults(
            .routeTable,
            id: \.routeTableId,
            input.routeTableIds,
            input.filters,
            known: Self.routeTableFilters,
            input.dryRun,
            input.maxResults,
            bounds: 5...100,
            input.nextToken,
            in: scope
        ) { defaults, name in
            switch name {
            case "route-table-id", "association.route-table-id": [defaults.routeTableId]
            case "vpc-id": [defaults.vpc.id]
            case "owner-id": [scope.account]
            case "association.main": ["true"]
            case "association.route-table-association-id": [defaults.routeTableAssociationId]
            case "route.destination-cidr-block": [defaults.vpc.cidrBlock]
            case "route.gateway-id": ["local"]
            case "route.origin": [RouteOrigin.createRouteTable.rawValue]
            case "route.state": [RouteState.active.rawValue]
            default: []
            }
        }
        return DescribeRouteTablesResult(routeTables: page.map(\.routeTable), nextToken: token)
    }

    /// The default network ACL of each of the caller's VPCs, with EC2's filters (Terraform's `default` and `vpc-id`
    /// among them) and pages.
    package func describeNetworkAcls(
        _ input: DescribeNetworkAclsRequest,
        in scope: Scope
    ) async throws -> DescribeNetworkAclsResult {
        let (page, token) = try await describeDefaults(
            .networkAcl,
            id: \.networkAclId,
            input.networkAclIds,
            input.filters,
            known: Self.networkAclFilters,
            input.dryRun,
            input.maxResults,
            input.nextToken,
            in: scope
        ) { defaults, name in
            switch name {
            case "network-acl-id": [defaults.networkAclId]
            case "vpc-id": [defaults.vpc.id]
            case "owner-id": [scope.account]
            case "default": ["true"]
            case "entry.cidr": [VpcDefaults.anywhere]
            case "entry.egress": ["true", "false"]
            case "entry.protocol": ["-1"]
            case "entry.rule-action": VpcDefaults.aclRules.map(\.action.rawValue)
            case "entry.rule-number": VpcDefaults.aclRules.map { String($0.number) }
            default: []
            }
        }
        return DescribeNetworkAclsResult(networkAcls: page.map(\.networkAcl), nextToken: token)
    }

    /// The default security group of each of the caller's VPCs, with EC2's filters (Terraform's `group-name` and
    /// `vpc-id` among them) and pages. `GroupName.N` names groups of the default VPC, which dxlocal's accounts do not
    /// have: EC2's `VPCIdNotSpecified`.
    package func describeSecurityGroups(
        _ input: DescribeSecurityGroupsRequest,
        in scope: Scope
    ) async throws -> DescribeSecurityGroupsResult {
        guard (input.groupNames ?? []).isEmpty else {
            throw AWSError(
                code: "VPCIdNotSpecified",
                message: "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.",
                status: 400
            )
        }
        let (page, token) = try await describeDefaults(
            .securityGroup,
            id: \.securityGroupId,
            input.groupIds,
            input.filters,
            known: Self.securityGroupFilters,
            input.dryRun,
            input.maxResults,
            input.nextToken,
            in: scope
        ) { defaults, name in
            switch name {
            case "group-id", "ip-permission.group-id": [defaults.securityGroupId]
            case "group-name": [VpcDefaults.securityGroupName]
            case "vpc-id": [defaults.vpc.id]
            case "owner-id", "ip-permission.user-id": [scope.account]
            case "description": [VpcDefaults.securityGroupDescription]
            case "ip-permission.protocol", "egress.ip-permission.protocol": ["-1"]
            case "egress.ip-permission.cidr": [VpcDefaults.anywhere]
            default: []
            }
        }
        return DescribeSecurityGroupsResult(nextToken: token, securityGroups: page.map(\.securityGroup))
    }

    /// Lets the main route table propagate the routes of a VPN gateway attached to its VPC (Terraform's
    /// `aws_vpn_gateway_route_propagation`, which retries `Gateway.NotAttached` until the attachment is there; the
    /// text of that refusal is our choice). Enabling it again changes nothing. No route is propagated (our choice:
    /// the gateway's Direct Connect routes are not simulated in the table).
    package func enableVgwRoutePropagation(
        _ input: EnableVgwRoutePropagationRequest,
        in scope: Scope
    ) async throws -> QueryReturn {
        let gatewayId = try Self.namedID(input, input.gatewayId, of: .vpnGateway)
        let tableId = try Self.namedID(input, input.routeTableId, of: .routeTable)
        try Self.stopIfDryRun(input.dryRun)
        return try await transaction(.write) { transaction in
            var vpc = try await Self.vpc(withRouteTable: tableId, in: transaction, scope)
            let gateway = try await Self.vpnGateway(gatewayId, in: transaction, scope)
            guard gateway.liveAttachment?.vpcId == vpc.id else {
                throw AWSError(
                    code: "Gateway.NotAttached",
                    message: "The VPN gateway \(gatewayId) is not attached to \(vpc.id), the VPC of \(tableId)",
                    status: 400
                )
            }
            let propagating = vpc.propagatingGateways ?? []
            if !propagating.contains(gatewayId) {
                vpc.propagatingGateways = propagating + [gatewayId]
                try await transaction.save(vpc, in: scope)
            }
            return QueryReturn()
        }
    }

    /// Stops the main route table propagating a VPN gateway's routes; a gateway it does not propagate is left as it is
    /// (our choice). A gateway detached from the VPC stops being propagated (`detachVpnGateway`).
    package func disableVgwRoutePropagation(
        _ input: DisableVgwRoutePropagationRequest,
        in scope: Scope
    ) async throws -> QueryReturn {
        let gatewayId = try Self.namedID(input, input.gatewayId, of: .vpnGateway)
        let tableId = try Self.namedID(input, input.routeTableId, of: .routeTable)
        try Self.stopIfDryRun(input.dryRun)
        return try await transaction(.write) { transaction in
            let vpc = try await Self.vpc(withRouteTable: tableId, in: transaction, scope)
            _ = try await Self.vpnGateway(gatewayId, in: transaction, scope)
            if let changed = vpc.droppingPropagation(of: gatewayId) { try await transaction.save(changed, in: scope) }
            return QueryReturn()
        }
    }

    /// The VPC whose main route table is `routeTableId`, or `InvalidRouteTableID.NotFound`.
    static func vpc(
        withRouteTable routeTableId: String,
        in transaction: any StoreTransaction,
        _ scope: Scope
    ) async throws -> VpcRecord {
        let vpcs = try await transaction.records(VpcRecord.self, in: scope, matching: nil, page: .all)
        guard let vpc = vpcs.first(where: { VpcDefaults(vpc: $0, scope: scope).routeTableId == routeTableId }) else {
            throw EC2ResourceName.routeTable.notFoundError([routeTableId])
        }
        return vpc
    }

    /// One Describe call of a kind of VPC default, checked in EC2's order (filters, IDs, DryRun): those of `ids` when
    /// given (each must be there, else `kind`'s `NotFound`) that match every filter (they have no tags), in the
    /// order of their IDs, one page of them, and the token of the next.
    private func describeDefaults(
        _ kind: EC2ResourceName,
        id: (VpcDefaults) -> String,
        _ ids: [String]?,
        _ filters: [Filter]?,
        known: Set<String>,
        _ dryRun: Bool?,
        _ maxResults: Int?,
        bounds: ClosedRange<Int> = 5...1000,
        _ nextToken: String?,
        in scope: Scope,
        fields: (VpcDefaults, String) -> [String]
    ) async throws -> ([VpcDefaults], String?) {
        let filters = try EC2Filters(filters, known: known)
        try kind.requireWellFormed(ids)
        try Self.stopIfDryRun(dryRun)
        let vpcs = try await transaction(.read) { transaction in
            try await transaction.records(VpcRecord.self, in: scope, matching: nil, page: .all)
        }
        let all = vpcs.map { VpcDefaults(vpc: $0, scope: scope) }.sorted { id($0) < id($1) }
        let chosen = try kind.chosen(all, id: id, ids: ids, filters: filters, tags: { _ in [] }, fields: fields)
        return try page(
            chosen,
            listing: kind.prefix,
            maxResults: maxResults,
            bounds: bounds,
            nextToken: nextToken,
            in: scope,
            id: id
        )
    }
}

extension VpcRecord {
    /// The VPC with its main route table no longer propagating `gateway`, or `nil` when it did not.
    func droppingPropagation(of gateway: String) -> VpcRecord? {
        guard let propagating = propagatingGateways, propagating.contains(gateway) else { return nil }
        var changed = self
        changed.propagatingGateways = propagating.filter { $0 != gateway }
        return changed
    }
}
