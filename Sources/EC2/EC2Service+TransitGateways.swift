import AWSJSONProtocol
import AWSQueryProtocol
import EC2Model
import Foundation
import ServiceKit
import Storage

/// Transit gateways (SPEC 9) and the attachments a Direct Connect gateway's association makes to them.
extension EC2Service {
    /// The most transit gateways an account holds in a region (EC2's default quota). (our choice: enforced)
    package static let transitGatewayLimit = 5

    static let transitGatewayFilters: Set<String> = [
        "transit-gateway-id", "state", "owner-id", "options.amazon-side-asn",
        "options.auto-accept-shared-attachments", "options.default-route-table-association",
        "options.default-route-table-propagation", "options.dns-support", "options.vpn-ecmp-support",
        "options.association-default-route-table-id", "options.propagation-default-route-table-id",
    ]

    static let attachmentFilters: Set<String> = [
        "association.state", "association.transit-gateway-route-table-id", "resource-id", "resource-owner-id",
        "resource-type", "state", "transit-gateway-attachment-id", "transit-gateway-id", "transit-gateway-owner-id",
    ]

    /// Answers the gateway `pending`, as EC2 does; it reads `available` from then on (our choice: EC2 takes
    /// minutes). CIDR blocks are refused rather than ignored. (our choice)
    package func createTransitGateway(
        _ input: CreateTransitGatewayRequest,
        in scope: Scope
    ) async throws -> CreateTransitGatewayResult {
        let options = input.options ?? TransitGatewayRequestOptions()
        guard options.transitGatewayCidrBlocks == nil else {
            throw AWSError.invalidParameterValue("dxlocal does not serve transit gateway CIDR blocks")
        }
        let asn = options.amazonSideAsn ?? Self.defaultAmazonSideASN
        guard AmazonSideASN.isValid(asn) else {
            throw AWSError.invalidParameterValue(
                "Value (\(asn)) for parameter amazonSideAsn is invalid: it must be in 64512-65534 or "
                    + "4200000000-4294967294"
            )
        }
        func choice(_ value: String?, _ name: String, default fallback: String) throws -> String {
            guard let value else { return fallback }
            guard value == "enable" || value == "disable" else {
                throw AWSError.invalidParameterValue(
                    "Value (\(value.prefix(64))) for parameter \(name) is invalid: use enable or disable"
                )
            }
            return value
        }
        let association = try choice(
            options.defaultRouteTableAssociation?.rawValue,
            "defaultRouteTableAssociation",
            default: "enable"
        )
        let propagation = try choice(
            options.defaultRouteTablePropagation?.rawValue,
            "defaultRouteTablePropagation",
            default: "enable"
        )
        let autoAccept = try choice(
            options.autoAcceptSharedAttachments?.rawValue,
            "autoAcceptSharedAttachments",
            default: "disable"
        )
        let ecmp = try choice(options.vpnEcmpSupport?.rawValue, "vpnEcmpSupport", default: "enable")
        let dns = try choice(options.dnsSupport?.rawValue, "dnsSupport", default: "enable")
        let groups = try choice(
            options.securityGroupReferencingSupport?.rawValue,
            "securityGroupReferencingSupport",
            default: "disable"
        )
        let multicast = try choice(options.multicastSupport?.rawValue, "multicastSupport", default: "disable")
        let tags = try Self.tags(from: input.tagSpecifications, for: "transit-gateway")
        try Self.stopIfDryRun(input.dryRun)
        let now = clock.now
        return try await transaction(.write) { transaction in
            // The deleted ones no longer listed leave the store.
            let held = try await transaction.live(TransitGatewayRecord.self, in: scope, purging: true) {
                Self.state($0, at: now) != nil
            }
            .filter { $0.deletedAt == nil }
            let id = try await EC2ResourceName.transitGateway.newID(
                for: TransitGatewayRecord.self,
                holding: held.count,
                limit: Self.transitGatewayLimit,
                in: transaction,
                scope
            )
            let record = TransitGatewayRecord(
                id: id,
                description: input.description,
                amazonSideAsn: asn,
                autoAcceptSharedAttachments: autoAccept,
                defaultRouteTableAssociation: association,
                defaultRouteTablePropagation: propagation,
                vpnEcmpSupport: ecmp,
                dnsSupport: dns,
                securityGroupReferencingSupport: groups,
                multicastSupport: multicast,
                routeTableId: association == "enable" || propagation == "enable"
                    ? EC2Identifiers.make("tgw-rtb") : nil,
                createdAt: now,
                tags: tags
            )
            try await transaction.save(record, in: scope)
            return CreateTransitGatewayResult(transitGateway: Self.transitGateway(record, in: scope, state: .pending))
        }
    }

    package func describeTransitGateways(
        _ input: DescribeTransitGatewaysRequest,
        in scope: Scope
    ) async throws -> DescribeTransitGatewaysResult {
        let filters = try EC2Filters(input.filters, known: Self.transitGatewayFilters)
        try EC2ResourceName.transitGateway.requireWellFormed(input.transitGatewayIds)
        try Self.stopIfDryRun(input.dryRun)
        let now = clock.now
        let all = try await transaction(.read) { transaction in
            try await transaction.live(TransitGatewayRecord.self, in: scope) { Self.state($0, at: now) != nil }
        }
        let matching = try EC2ResourceName.transitGateway.chosen(
            all,
            ids: input.transitGatewayIds,
            filters: filters,
            tags: \.tags
        ) { Self.transitGatewayField($0, $1, in: scope, at: now) }
        let (page, token) = try page(
            matching,
            listing: "transitGateways",
            maxResults: input.maxResults,
            nextToken: input.nextToken,
            in: scope,
            id: \.id
        )
        return DescribeTransitGatewaysResult(
            transitGateways: page.map {
                Self.transitGateway($0, in: scope, state: Self.state($0, at: now) ?? .deleted, listing: true)
            },
            nextToken: token
        )
    }

    /// Refused while an attachment not gone remains (`IncorrectState`); answers `deleting`, and the gateway reads
    /// `deleted` from then on (EC2 shows `deleting`, then `deleted`, for a while; our choice: `deleted` at once, as
    /// every transition here settles at once, listed for `deletedListedFor`), found by no other call.
    package func deleteTransitGateway(
        _ input: DeleteTransitGatewayRequest,
        in scope: Scope
    ) async throws -> DeleteTransitGatewayResult {
        let id = try Self.namedID(input, input.transitGatewayId, of: .transitGateway)
        try Self.stopIfDryRun(input.dryRun)
        let now = clock.now
        return try await transaction(.write) { transaction in
            var record = try await EC2ResourceName.transitGateway.record(
                TransitGatewayRecord.self,
                id,
                in: transaction,
                scope
            )
            guard record.deletedAt == nil else { throw EC2ResourceName.transitGateway.notFoundError([id]) }
            let attachments = try await liveAttachments(in: transaction, scope, at: now)
                .filter { $0.transitGatewayId == id }
            if !attachments.isEmpty {
                throw AWSError(
                    code: "IncorrectState",
                    message: "\(id) has non-deleted Transit Gateway Attachments: "
                        + attachments.map(\.id).joined(separator: ", "),
                    status: 400
                )
            }
            record.deletedAt = now
            try await transaction.save(record, in: scope)
            return DeleteTransitGatewayResult(transitGateway: Self.transitGateway(record, in: scope, state: .deleting))
        }
    }

    /// The `direct-connect-gateway` attachments that transit gateway associations make, with Terraform's filters
    /// (`resource-type`, `resource-id`, `transit-gateway-id`) and EC2's others.
    package func describeTransitGatewayAttachments(
        _ input: DescribeTransitGatewayAttachmentsRequest,
        in scope: Scope
    ) async throws -> DescribeTransitGatewayAttachmentsResult {
        let filters = try EC2Filters(input.filters, known: Self.attachmentFilters)
        try EC2ResourceName.transitGatewayAttachment.requireWellFormed(input.transitGatewayAttachmentIds)
        try Self.stopIfDryRun(input.dryRun)
        let now = clock.now
        let (all, routeTables) = try await transaction(.read) { transaction in
            let attachments = try await liveAttachments(in: transaction, scope, at: now)
            var routeTables: [String: String] = [:]
            for gateway in try await transaction.records(
                TransitGatewayRecord.self,
                in: scope,
                matching: nil,
                page: .all
            ) {
                routeTables[gateway.id] = gateway.routeTableId
            }
            return (attachments, routeTables)
        }
        let matching = try EC2ResourceName.transitGatewayAttachment.chosen(
            all,
            ids: input.transitGatewayAttachmentIds,
            filters: filters,
            tags: \.tags
        ) { Self.attachmentField($0, $1, routeTable: routeTables[$0.transitGatewayId], in: scope, at: now) }
        let (page, token) = try page(
            matching,
            listing: "transitGatewayAttachments",
            maxResults: input.maxResults,
            nextToken: input.nextToken,
            in: scope,
            id: \.id
        )
        return DescribeTransitGatewayAttachmentsResult(
            transitGatewayAttachments: page.map {
                Self.attachment($0, routeTable: routeTables[$0.transitGatewayId], in: scope, at: now)
            },
            nextToken: token
        )
    }

    /// How long a deleted transit gateway stays listed as `deleted` (our choice, as a deleted interface's 15 minutes).
    static let deletedListedFor: TimeInterval = 15 * 60

    /// The state a transit gateway reads at `now`, or `nil` once it is no longer listed.
    package static func state(_ record: TransitGatewayRecord, at now: Date) -> TransitGatewayState? {
        guard let deletedAt = record.deletedAt else { return .available }
        return now < deletedAt.addingTimeInterval(deletedListedFor) ? .deleted : nil
    }

    func liveAttachments(
        in transaction: any StoreTransaction,
        _ scope: Scope,
        at now: Date
    ) async throws -> [TransitGatewayAttachmentRecord] {
        try await transaction.records(TransitGatewayAttachmentRecord.self, in: scope, matching: nil, page: .all)
            .filter { Self.state($0, at: now) != nil }
    }

    /// The state an attachment reads at `now`, or `nil` once it is gone.
    package static func state(_ record: TransitGatewayAttachmentRecord, at now: Date) -> TransitGatewayAttachmentState?
    {
        if let deletedAt = record.deletedAt { return now < deletedAt ? .deleting : nil }
        guard let availableAt = record.availableAt, availableAt <= now else { return .pending }
        return .available
    }

    static func transitGatewayField(
        _ record: TransitGatewayRecord,
        _ name: String,
        in scope: Scope,
        at now: Date
    ) -> [String] {
        switch name {
        case "transit-gateway-id": [record.id]
        case "state": [(state(record, at: now) ?? .deleted).rawValue]
        case "owner-id": [scope.account]
        case "options.amazon-side-asn": [String(record.amazonSideAsn)]
        case "options.auto-accept-shared-attachments": [record.autoAcceptSharedAttachments]
        case "options.default-route-table-association": [record.defaultRouteTableAssociation]
        case "options.default-route-table-propagation": [record.defaultRouteTablePropagation]
        case "options.dns-support": [record.dnsSupport]
        case "options.vpn-ecmp-support": [record.vpnEcmpSupport]
        case "options.association-default-route-table-id", "options.propagation-default-route-table-id":
            record.routeTableId.map { [$0] } ?? []
        default: []
        }
    }

    static func attachmentField(
        _ record: TransitGatewayAttachmentRecord,
        _ name: String,
        routeTable: String?,
        in scope: Scope,
        at now: Date
    ) -> [String] {
        switch name {
        case "association.state": state(record, at: now) == .available ? ["associated"] : ["associating"]
        case "association.transit-gateway-route-table-id": routeTable.map { [$0] } ?? []
        case "resource-id": [record.resourceId]
        case "resource-owner-id": [record.resourceOwnerId]
        case "resource-type": [record.resourceType]
        case "state": [state(record, at: now)?.rawValue ?? "deleted"]
        case "transit-gateway-attachment-id": [record.id]
        case "transit-gateway-id": [record.transitGatewayId]
        case "transit-gateway-owner-id": [scope.account]
        default: []
        }
    }

    /// A transit gateway as EC2 answers it; `listing` (DescribeTransitGateways) gives its tags even when there are
    /// none, as EC2 lists them (`Tags: []`; amazon.aws' `ec2_transit_gateway` reads them so).
    static func transitGateway(
        _ record: TransitGatewayRecord,
        in scope: Scope,
        state: TransitGatewayState,
        listing: Bool = false
    )
        -> TransitGateway
    {
        TransitGateway(
            transitGatewayId: record.id,
            transitGatewayArn: "arn:aws:ec2:\(scope.region):\(scope.account):transit-gateway/\(record.id)",
            state: state,
            ownerId: scope.account,
            description: record.description,
            creationTime: record.createdAt,
            options: TransitGatewayOptions(
                amazonSideAsn: record.amazonSideAsn,
                autoAcceptSharedAttachments: .init(rawValue: record.autoAcceptSharedAttachments),
                defaultRouteTableAssociation: .init(rawValue: record.defaultRouteTableAssociation),
                associationDefaultRouteTableId: record.defaultRouteTableAssociation == "enable"
                    ? record.routeTableId : nil,
                defaultRouteTablePropagation: .init(rawValue: record.defaultRouteTablePropagation),
                propagationDefaultRouteTableId: record.defaultRouteTablePropagation == "enable"
                    ? record.routeTableId : nil,
                vpnEcmpSupport: .init(rawValue: record.vpnEcmpSupport),
                dnsSupport: .init(rawValue: record.dnsSupport),
                securityGroupReferencingSupport: .init(rawValue: record.securityGroupReferencingSupport),
                multicastSupport: .init(rawValue: record.multicastSupport)
            ),
            tags: listing ? listed(record.tags) : wire(record.tags)
        )
    }

    static func attachment(
        _ record: TransitGatewayAttachmentRecord,
        routeTable: String?,
        in scope: Scope,
        at now: Date
    ) -> TransitGatewayAttachment {
        let state = state(record, at: now)
        return TransitGatewayAttachment(
            transitGatewayAttachmentId: record.id,
            transitGatewayId: record.transitGatewayId,
            transitGatewayOwnerId: scope.account,
            resourceOwnerId: record.resourceOwnerId,
            resourceType: .init(rawValue: record.resourceType),
            resourceId: record.resourceId,
            state: state ?? .deleted,
            association: state == .available && routeTable != nil
                ? TransitGatewayAttachmentAssociation(transitGatewayRouteTableId: routeTable, state: .associated)
                : nil,
            creationTime: record.createdAt,
            tags: listed(record.tags)
        )
    }
}
