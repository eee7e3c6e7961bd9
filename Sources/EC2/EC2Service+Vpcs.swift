import AWSJSONProtocol
import AWSQueryProtocol
import EC2Model
import Foundation
import ServiceKit
import Storage

/// VPCs (SPEC 9): regional, one account's; a virtual private gateway attaches to one.
extension EC2Service {
    /// The most VPCs an account holds in a region (EC2's default quota). (our choice: enforced, as the real quota is)
    package static let vpcLimit = 5

    /// EC2's filters of DescribeVpcs, and `cidr-block`, which EC2 takes beside `cidr` though it documents only the
    /// latter (amazon.aws' `ec2_vpc_net` finds a VPC by it).
    static let vpcFilters: Set<String> = [
        "vpc-id", "cidr", "cidr-block", "cidr-block-association.cidr-block", "cidr-block-association.association-id",
        "cidr-block-association.state", "dhcp-options-id", "is-default", "owner-id", "state",
    ]

    /// Answers the VPC `pending`, as EC2 does; it reads `available` from then on. IPv6 blocks, IPAM pools and
    /// encryption control are refused rather than ignored. (our choice)
    package func createVpc(_ input: CreateVpcRequest, in scope: Scope) async throws -> CreateVpcResult {
        guard input.ipv4IpamPoolId == nil, input.ipv6IpamPoolId == nil, input.ipv6Pool == nil,
            input.ipv6CidrBlock == nil, input.amazonProvidedIpv6CidrBlock != true, input.vpcEncryptionControl == nil
        else {
            throw AWSError.invalidParameterValue(
                "dxlocal gives a VPC an IPv4 block only: IPv6 blocks, IPAM pools and encryption control are not served"
            )
        }
        guard let cidrText = input.cidrBlock else {
            throw AWSError(
                code: "MissingParameter",
                message: "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.",
                status: 400
            )
        }
        guard let block = IPv4Block(cidrText) else {
            throw AWSError.invalidParameterValue(
                "Value (\(cidrText.prefix(64))) for parameter cidrBlock is invalid. This is not a valid CIDR block."
            )
        }
        guard (16...28).contains(block.prefixLength) else {
            throw AWSError(code: "InvalidVpc.Range", message: "The CIDR '\(block)' is invalid.", status: 400)
        }
        let tenancy = input.instanceTenancy?.rawValue ?? "default"
        guard tenancy == "default" || tenancy == "dedicated" else {
            throw AWSError.invalidParameterValue(
                "Value (\(tenancy.prefix(64))) for parameter instanceTenancy is invalid: use default or dedicated"
            )
        }
        let tags = try Self.tags(from: input.tagSpecifications, for: "vpc")
        try Self.stopIfDryRun(input.dryRun)
        let now = clock.now
        return try await transaction(.write) { transaction in
            let held = try await transaction.records(VpcRecord.self, in: scope, matching: nil, page: .all)
            let id = try await EC2ResourceName.vpc.newID(
                for: VpcRecord.self,
                holding: held.count,
                limit: Self.vpcLimit,
                in: transaction,
                scope
            )
            let record = VpcRecord(
                id: id,
                cidrBlock: block.description,
                cidrAssociationId: EC2Identifiers.make("vpc-cidr-assoc"),
                instanceTenancy: tenancy,
                dhcpOptionsId: EC2Identifiers.make("dopt"),
                createdAt: now,
                tags: tags
            )
            try await transaction.save(record, in: scope)
            return CreateVpcResult(vpc: Self.vpc(record, in: scope, state: .pending))
        }
    }

    package func describeVpcs(_ input: DescribeVpcsRequest, in scope: Scope) async throws -> DescribeVpcsResult {
        let filters = try EC2Filters(input.filters, known: Self.vpcFilters)
        try EC2ResourceName.vpc.requireWellFormed(input.vpcIds)
        try Self.stopIfDryRun(input.dryRun)
        let all = try await transaction(.read) { transaction in
            try await transaction.records(VpcRecord.self, in: scope, matching: nil, page: .all)
        }
        let matching = try EC2ResourceName.vpc.chosen(all, ids: input.vpcIds, filters: filters, tags: \.tags) {
            Self.vpcField($0, $1, in: scope)
        }
        let (page, token) = try page(
            matching,
            listing: "vpcs",
            maxResults: input.maxResults,
            nextToken: input.nextToken,
            in: scope,
            id: \.id
        )
        return DescribeVpcsResult(nextToken: token, vpcs: page.map { Self.vpc($0, in: scope, state: .available) })
    }

    /// Refused while a virtual private gateway is attached (`DependencyViolation`).
    package func deleteVpc(_ input: DeleteVpcRequest, in scope: Scope) async throws -> QueryReturn {
        let id = try Self.namedID(input, input.vpcId, of: .vpc)
        try Self.stopIfDryRun(input.dryRun)
        return try await transaction(.write) { transaction in
            _ = try await Self.vpc(id, in: transaction, scope)
            let gateways = try await transaction.records(VpnGatewayRecord.self, in: scope, matching: nil, page: .all)
            guard !gateways.contains(where: { $0.liveAttachment?.vpcId == id }) else {
                throw AWSError(
                    code: "DependencyViolation",
                    message: "The vpc '\(id)' has dependencies and cannot be deleted.",
                    status: 400
                )
            }
            try await transaction.delete(VpcRecord.self, id: id, in: scope)
            return QueryReturn()
        }
    }

    // DescribeVpcAttribute, ModifyVpcAttribute and ModifyVpcTenancy are served beyond SPEC 9 (our choice): Terraform's
    // `aws_vpc` and amazon.aws' `ec2_vpc_net` cannot make or read a VPC without them.

    /// One attribute of a VPC, as Terraform's `aws_vpc` reads each after every change: DNS support (true until
    /// changed), DNS hostnames and network address usage metrics (false until changed). An attribute EC2 does not
    /// name is `InvalidParameterValue` (our choice of text: EC2's for another resource's unknown attribute).
    package func describeVpcAttribute(
        _ input: DescribeVpcAttributeRequest,
        in scope: Scope
    ) async throws -> DescribeVpcAttributeResult {
        let id = try Self.namedID(input, input.vpcId, of: .vpc)
        let name = input.attribute ?? ""
        guard let attribute = Self.vpcAttributes.first(where: { $0.name == name }) else {
            throw AWSError.invalidParameterValue(
                "Value (\(name.rawValue.prefix(64))) for parameter attribute is invalid. Unknown attribute."
            )
        }
        try Self.stopIfDryRun(input.dryRun)
        let record = try await transaction(.read) { transaction in try await Self.vpc(id, in: transaction, scope) }
        var result = DescribeVpcAttributeResult(vpcId: id)
        result[keyPath: attribute.answer] = AttributeBooleanValue(value: attribute.value(of: record))
        return result
    }

    /// Changes one attribute of a VPC. More than one in a call is EC2's `InvalidParameterCombination`, naming them in
    /// the model's order (our choice: public reports of EC2's answer show the two DNS attributes in either order); none, or one without its `Value`, `MissingParameter` (our
    /// choice: EC2 documents neither answer). EC2's further rule that DNS hostnames need DNS support is not enforced:
    /// no public source gives its answer.
    package func modifyVpcAttribute(_ input: ModifyVpcAttributeRequest, in scope: Scope) async throws -> QueryReturn {
        let id = try Self.namedID(input, input.vpcId, of: .vpc)
        let given = Self.vpcAttributes.compactMap { attribute in
            input[keyPath: attribute.request].map { (attribute, $0) }
        }
        guard given.count < 2 else {
            throw AWSError(
                code: "InvalidParameterCombination",
                message: "Fields for multiple attribute types specified: "
                    + given.map(\.0.name.rawValue).joined(separator: ", "),
                status: 400
            )
        }
        guard let (attribute, given) = given.first else {
            throw Self.missingParameter("EnableDnsHostnames, EnableDnsSupport or EnableNetworkAddressUsageMetrics")
        }
        guard let value = given.value else {
            let name = attribute.name.rawValue
            throw Self.missingParameter(name.prefix(1).uppercased() + name.dropFirst() + ".Value")
        }
        return try await transaction(.write) { transaction in
            var record = try await Self.vpc(id, in: transaction, scope)
            record[keyPath: attribute.record] = value
            try await transaction.save(record, in: scope)
            return QueryReturn()
        }
    }

    /// Changes a VPC's tenancy to `default`, the one value EC2 takes (from `dedicated`; a VPC already `default`
    /// stays so).
    package func modifyVpcTenancy(
        _ input: ModifyVpcTenancyRequest,
        in scope: Scope
    ) async throws -> ModifyVpcTenancyResult {
        let id = try Self.namedID(input, input.vpcId, of: .vpc)
        let tenancy = input.instanceTenancy?.rawValue ?? ""
        guard tenancy == VpcTenancy.default.rawValue else {
            throw AWSError.invalidParameterValue(
                "Value (\(tenancy.prefix(64))) for parameter instanceTenancy is invalid: a VPC's tenancy can only be changed to default"
            )
        }
        try Self.stopIfDryRun(input.dryRun)
        return try await transaction(.write) { transaction in
            var record = try await Self.vpc(id, in: transaction, scope)
            if record.instanceTenancy != tenancy {
                record.instanceTenancy = tenancy
                try await transaction.save(record, in: scope)
            }
            return ModifyVpcTenancyResult(returnValue: true)
        }
    }

    /// One of a VPC's attributes: its name, its member in DescribeVpcAttribute's answer, in ModifyVpcAttribute's
    /// request and in the record, and EC2's default where it was never changed.
    struct VpcAttribute: Sendable {
        let name: VpcAttributeName
        let answer: any WritableKeyPath<DescribeVpcAttributeResult, AttributeBooleanValue?> & Sendable
        let request: any KeyPath<ModifyVpcAttributeRequest, AttributeBooleanValue?> & Sendable
        let record: any WritableKeyPath<VpcRecord, Bool?> & Sendable
        let defaultValue: Bool

        func value(of vpc: VpcRecord) -> Bool { vpc[keyPath: record] ?? defaultValue }
    }

    /// The attributes in the model's order, which ModifyVpcAttribute's refusal of two follows.
    static let vpcAttributes = [
        VpcAttribute(
            name: .enableDnsHostnames,
            answer: \.enableDnsHostnames,
            request: \.enableDnsHostnames,
            record: \.enableDnsHostnames,
            defaultValue: false
        ),
        VpcAttribute(
            name: .enableDnsSupport,
            answer: \.enableDnsSupport,
            request: \.enableDnsSupport,
            record: \.enableDnsSupport,
            defaultValue: true
        ),
        VpcAttribute(
            name: .enableNetworkAddressUsageMetrics,
            answer: \.enableNetworkAddressUsageMetrics,
            request: \.enableNetworkAddressUsageMetrics,
            record: \.addressUsageMetrics,
            defaultValue: false
        ),
    ]

    /// A VPC of the scope, or EC2's `InvalidVpcID.NotFound`.
    static func vpc(_ id: String, in transaction: any StoreTransaction, _ scope: Scope) async throws -> VpcRecord {
        try await EC2ResourceName.vpc.record(VpcRecord.self, id, in: transaction, scope)
    }

    static func vpcField(_ record: VpcRecord, _ name: String, in scope: Scope) -> [String] {
        switch name {
        case "vpc-id": [record.id]
        case "cidr", "cidr-block", "cidr-block-association.cidr-block": [record.cidrBlock]
        case "cidr-block-association.association-id": [record.cidrAssociationId]
        case "cidr-block-association.state": ["associated"]
        case "dhcp-options-id": [record.dhcpOptionsId]
        case "is-default": ["false"]
        case "owner-id": [scope.account]
        case "state": ["available"]
        default: []
        }
    }

    static func vpc(_ record: VpcRecord, in scope: Scope, state: VpcState) -> Vpc {
        Vpc(
            ownerId: scope.account,
            instanceTenancy: Tenancy(rawValue: record.instanceTenancy),
            cidrBlockAssociationSet: [
                VpcCidrBlockAssociation(
                    associationId: record.cidrAssociationId,
                    cidrBlock: record.cidrBlock,
                    cidrBlockState: VpcCidrBlockState(state: .associated)
                )
            ],
            isDefault: false,
            tags: wire(record.tags),
            blockPublicAccessStates: BlockPublicAccessStates(internetGatewayBlockMode: .off),
            vpcId: record.id,
            state: state,
            cidrBlock: record.cidrBlock,
            dhcpOptionsId: record.dhcpOptionsId
        )
    }
}
