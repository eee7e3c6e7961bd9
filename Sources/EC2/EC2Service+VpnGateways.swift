import AWSJSONProtocol
import AWSQueryProtocol
import EC2Model
import Foundation
import ServiceKit
import Storage

/// Virtual private gateways (SPEC 9), which Direct Connect associates with its gateways once attached to a VPC.
extension EC2Service {
    /// The most virtual private gateways an account holds in a region (EC2's default quota). (our choice: enforced)
    package static let vpnGatewayLimit = 5
    /// The ASN a gateway's Amazon side gets when the request names none.
    package static let defaultAmazonSideASN = 64512

    static let vpnGatewayFilters: Set<String> = [
        "vpn-gateway-id", "state", "type", "availability-zone", "amazon-side-asn", "attachment.state",
        "attachment.vpc-id",
    ]

    /// Answers the gateway `available`, as EC2's own example does.
    package func createVpnGateway(
        _ input: CreateVpnGatewayRequest,
        in scope: Scope
    ) async throws -> CreateVpnGatewayResult {
        try Self.requireMembers(input)
        let type = input.type?.rawValue ?? ""
        guard type == "ipsec.1" else {
            throw AWSError.invalidParameterValue(
                "Value (\(type.prefix(64))) for parameter type is invalid: use ipsec.1"
            )
        }
        let asn = input.amazonSideAsn ?? Self.defaultAmazonSideASN
        guard AmazonSideASN.isValid(asn) else {
            throw AWSError.invalidParameterValue(
                "Value (\(asn)) for parameter amazonSideAsn is invalid: it must be in 64512-65534 or "
                    + "4200000000-4294967294"
            )
        }
        let tags = try Self.tags(from: input.tagSpecifications, for: "vpn-gateway")
        try Self.stopIfDryRun(input.dryRun)
        let now = clock.now
        return try await transaction(.write) { transaction in
            let held = try await transaction.records(VpnGatewayRecord.self, in: scope, matching: nil, page: .all)
            let id = try await EC2ResourceName.vpnGateway.newID(
                for: VpnGatewayRecord.self,
                holding: held.count,
                limit: Self.vpnGatewayLimit,
                in: transaction,
                scope
            )
            let record = VpnGatewayRecord(
                id: id,
                type: type,
                availabilityZone: input.availabilityZone,
                amazonSideAsn: asn,
                createdAt: now,
                attachments: [],
                tags: tags
            )
            try await transaction.save(record, in: scope)
            return CreateVpnGatewayResult(vpnGateway: Self.vpnGateway(record))
        }
    }

    /// Not paged, as in EC2's model.
    package func describeVpnGateways(
        _ input: DescribeVpnGatewaysRequest,
        in scope: Scope
    ) async throws -> DescribeVpnGatewaysResult {
        let filters = try EC2Filters(input.filters, known: Self.vpnGatewayFilters)
        try EC2ResourceName.vpnGateway.requireWellFormed(input.vpnGatewayIds)
        try Self.stopIfDryRun(input.dryRun)
        let all = try await transaction(.read) { transaction in
            try await transaction.records(VpnGatewayRecord.self, in: scope, matching: nil, page: .all)
        }
        let matching = try EC2ResourceName.vpnGateway.chosen(
            all,
            ids: input.vpnGatewayIds,
            filters: filters,
            tags: \.tags,
            fields: Self.vpnGatewayField
        )
        return DescribeVpnGatewaysResult(vpnGateways: matching.map { Self.vpnGateway($0) })
    }

    /// One VPC a gateway and one gateway a VPC (`VpnGatewayAttachmentLimitExceeded`, our choice of code for the
    /// second); the attachment answers `attaching` and reads `attached` from then on. Attached again, to its VPC or
    /// another, the gateway lists the new attachment alone: the detached ones give way (Terraform reads the first
    /// attachment of the VPC it looks for, and amazon.aws' `ec2_vpc_vgw`, moving a gateway to another VPC, waits
    /// until every attachment listed reads `attached`, as its tests against EC2 see).
    package func attachVpnGateway(
        _ input: AttachVpnGatewayRequest,
        in scope: Scope
    ) async throws -> AttachVpnGatewayResult {
        let gatewayId = try Self.namedID(input, input.vpnGatewayId, of: .vpnGateway)
        let vpcId = try Self.namedID(input, input.vpcId, of: .vpc)
        try Self.stopIfDryRun(input.dryRun)
        let now = clock.now
        return try await transaction(.write) { transaction in
            var gateway = try await Self.vpnGateway(gatewayId, in: transaction, scope)
            _ = try await Self.vpc(vpcId, in: transaction, scope)
            if let attached = gateway.liveAttachment {
                throw AWSError(
                    code: "VpnGatewayAttachmentLimitExceeded",
                    message: "The VPN gateway \(gatewayId) is already attached to \(attached.vpcId)",
                    status: 400
                )
            }
            let others = try await transaction.records(VpnGatewayRecord.self, in: scope, matching: nil, page: .all)
            if let other = others.first(where: { $0.liveAttachment?.vpcId == vpcId }) {
                throw AWSError(
                    code: "VpnGatewayAttachmentLimitExceeded",
                    message: "The VPC \(vpcId) already has the VPN gateway \(other.id) attached",
                    status: 400
                )
            }
            gateway.attachments = [VpcAttachmentRecord(vpcId: vpcId, attachedAt: now)]
            try await transaction.save(gateway, in: scope)
            return AttachVpnGatewayResult(vpcAttachment: VpcAttachment(vpcId: vpcId, state: .attaching))
        }
    }

    /// The attachment reads `detached` from then on, and stays listed until the gateway is attached again. (our
    /// choice: EC2 lists detached ones for a while) The VPC's main route table no longer propagates the gateway.
    package func detachVpnGateway(_ input: DetachVpnGatewayRequest, in scope: Scope) async throws -> QueryReturn {
        let gatewayId = try Self.namedID(input, input.vpnGatewayId, of: .vpnGateway)
        let vpcId = try Self.namedID(input, input.vpcId, of: .vpc)
        try Self.stopIfDryRun(input.dryRun)
        let now = clock.now
        return try await transaction(.write) { transaction in
            var gateway = try await Self.vpnGateway(gatewayId, in: transaction, scope)
            guard let index = gateway.attachments.lastIndex(where: { $0.vpcId == vpcId && $0.detachedAt == nil })
            else {
                throw AWSError(
                    code: "InvalidVpnGatewayAttachment.NotFound",
                    message: "The attachment with vpn gateway ID '\(gatewayId)' and vpc ID '\(vpcId)' does not exist",
                    status: 400
                )
            }
            gateway.attachments[index].detachedAt = now
            try await transaction.save(gateway, in: scope)
            // Its VPC's main route table stops propagating its routes (our choice: EC2 documents no answer).
            if let changed = try await transaction.record(VpcRecord.self, id: vpcId, in: scope)?
                .droppingPropagation(of: gatewayId)
            {
                try await transaction.save(changed, in: scope)
            }
            return QueryReturn()
        }
    }

    /// Refused while attached to a VPC, with EC2's words (`IncorrectState`; the text as Terraform's sweeper met it
    /// deleting a gateway still attached, terraform-provider-aws pull request 5831).
    package func deleteVpnGateway(_ input: DeleteVpnGatewayRequest, in scope: Scope) async throws -> QueryReturn {
        let id = try Self.namedID(input, input.vpnGatewayId, of: .vpnGateway)
        try Self.stopIfDryRun(input.dryRun)
        return try await transaction(.write) { transaction in
            let gateway = try await Self.vpnGateway(id, in: transaction, scope)
            if gateway.liveAttachment != nil {
                throw AWSError(
                    code: "IncorrectState",
                    message: "The VPN gateway is in use.",
                    status: 400
                )
            }
            try await transaction.delete(VpnGatewayRecord.self, id: id, in: scope)
            return QueryReturn()
        }
    }

    /// A gateway of the scope, or EC2's `InvalidVpnGatewayID.NotFound`.
    static func vpnGateway(
        _ id: String,
        in transaction: any StoreTransaction,
        _ scope: Scope
    ) async throws -> VpnGatewayRecord {
        try await EC2ResourceName.vpnGateway.record(VpnGatewayRecord.self, id, in: transaction, scope)
    }

    static func vpnGatewayField(_ record: VpnGatewayRecord, _ name: String) -> [String] {
        switch name {
        case "vpn-gateway-id": [record.id]
        case "state": ["available"]
        case "type": [record.type]
        case "availability-zone": record.availabilityZone.map { [$0] } ?? []
        case "amazon-side-asn": [String(record.amazonSideAsn)]
        case "attachment.state": record.attachments.map { $0.detachedAt == nil ? "attached" : "detached" }
        case "attachment.vpc-id": record.attachments.map(\.vpcId)
        default: []
        }
    }

    static func vpnGateway(_ record: VpnGatewayRecord) -> VpnGateway {
        VpnGateway(
            amazonSideAsn: record.amazonSideAsn,
            tags: wire(record.tags),
            vpnGatewayId: record.id,
            state: .available,
            type: GatewayType(rawValue: record.type),
            availabilityZone: record.availabilityZone,
            vpcAttachments: record.attachments.map {
                VpcAttachment(vpcId: $0.vpcId, state: $0.detachedAt == nil ? .attached : .detached)
            }
        )
    }
}
