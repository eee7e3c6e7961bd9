import AWSJSONProtocol
import AWSQueryProtocol
import EC2Model
import Foundation
import ServiceKit
import Storage

/// CreateTags, DeleteTags and DescribeTags on the resources of the slice (our choice: SPEC 9 names none of them,
/// but Terraform changes and reads the tags of `aws_vpn_gateway` and `aws_ec2_transit_gateway` with them). Every
/// resource a change names must be the caller's, in its region, or nothing changes: its kind's `NotFound`; an ID of
/// a kind the slice does not keep is `InvalidID`.
extension EC2Service {
    /// Adds the tags to every resource, a key it has already taking the new value; more than 50 on one resource is
    /// `TagLimitExceeded`.
    package func createTags(_ input: CreateTagsRequest, in scope: Scope) async throws -> QueryReturn {
        try Self.requireMembers(input)
        let given = try Self.checkedTags(input.tags ?? []).map { TagRecord(key: $0.key, value: $0.value ?? "") }
        let ids = try Self.taggedIDs(input.resources)
        try Self.stopIfDryRun(input.dryRun)
        let now = clock.now
        return try await retag(ids, in: scope, at: now) { tags in
            tags = tags.setting(given)
            try Self.checkTagCount(tags.count)
        }
    }

    /// Removes the tags named from every resource: a tag given with a value only while it has that value, one
    /// given without a value whatever its value, and every tag when none is given (EC2's rules).
    package func deleteTags(_ input: DeleteTagsRequest, in scope: Scope) async throws -> QueryReturn {
        try Self.requireMembers(input)
        let named = try input.tags.map { try Self.checkedTags($0) }
        let ids = try Self.taggedIDs(input.resources)
        try Self.stopIfDryRun(input.dryRun)
        let now = clock.now
        return try await retag(ids, in: scope, at: now) { tags in
            guard let named else {
                tags = []
                return
            }
            tags.removeAll { tag in
                named.contains { $0.key == tag.key && ($0.value == nil || $0.value == (tag.value ?? "")) }
            }
        }
    }

    static let tagFilters: Set<String> = ["key", "value", "resource-id", "resource-type"]

    /// Every tag of the caller's resources in the region, by resource ID and key, with EC2's filters (those of a
    /// resource's tags too) and pages.
    package func describeTags(_ input: DescribeTagsRequest, in scope: Scope) async throws -> DescribeTagsResult {
        let filters = try EC2Filters(input.filters, known: Self.tagFilters)
        try Self.stopIfDryRun(input.dryRun)
        let now = clock.now
        let described = try await transaction(.read) { transaction in
            var found: [(tag: TagDescription, of: [TagRecord])] = []
            for tagged in Self.taggedKinds {
                found += try await Self.descriptions(tagged.kind, type: tagged.type, in: transaction, scope, at: now)
            }
            return found
        }
        let matching = described.filter { described in
            filters.match(described.of) { name in
                switch name {
                case "key": [described.tag.key ?? ""]
                case "value": [described.tag.value ?? ""]
                case "resource-id": [described.tag.resourceId ?? ""]
                case "resource-type": [described.tag.resourceType?.rawValue ?? ""]
                default: []
                }
            }
        }
        .map(\.tag).sorted { Self.position($0) < Self.position($1) }
        let (page, token) = try page(
            matching,
            listing: "tags",
            maxResults: input.maxResults,
            nextToken: input.nextToken,
            in: scope,
            id: Self.position
        )
        return DescribeTagsResult(nextToken: token, tags: page)
    }

    /// Where a tag stands in DescribeTags' order: its resource, then its key (no ID holds a space, which sorts
    /// before every character an ID does hold).
    private static func position(_ tag: TagDescription) -> String {
        "\(tag.resourceId ?? "") \(tag.key ?? "")"
    }

    private static func descriptions<R: EC2Tagged>(
        _ kind: R.Type,
        type: ResourceType,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        at now: Date
    ) async throws -> [(tag: TagDescription, of: [TagRecord])] {
        try await transaction.records(kind, in: scope, matching: nil, page: .all).filter { $0.isLive(at: now) }
            .flatMap { record in
                record.tags.map { tag in
                    (
                        TagDescription(
                            key: tag.key,
                            resourceId: record.recordID,
                            resourceType: type,
                            value: tag.value ?? ""
                        ),
                        record.tags
                    )
                }
            }
    }

    /// The kinds of the slice that carry tags, with how EC2 names each and its resource type.
    private static let taggedKinds: [(name: EC2ResourceName, kind: any EC2Tagged.Type, type: ResourceType)] = [
        (.transitGatewayAttachment, TransitGatewayAttachmentRecord.self, .transitGatewayAttachment),
        (.transitGateway, TransitGatewayRecord.self, .transitGateway),
        (.vpnGateway, VpnGatewayRecord.self, .vpnGateway),
        (.vpc, VpcRecord.self, .vpc),
    ]

    /// The most resources one CreateTags or DeleteTags names (EC2's documented bound).
    static let taggedResourceLimit = 1000

    /// The IDs of `Resources.N`, 1 to 1,000, each of a kind the slice keeps.
    private static func taggedIDs(_ given: [String]?) throws -> [String] {
        let ids = given ?? []
        guard !ids.isEmpty else { throw missingParameter("ResourceId") }
        guard ids.count <= taggedResourceLimit else {
            throw AWSError.invalidParameterValue(
                "A request may name at most \(taggedResourceLimit) resources, not \(ids.count)"
            )
        }
        for id in ids where !taggedKinds.contains(where: { EC2Identifiers.isWellFormed(id, prefix: $0.name.prefix) }) {
            throw AWSError(
                code: "InvalidID",
                message: "The ID '\(id.prefix(64))' is not valid: this EC2 tags vpc-, vgw-, tgw- and tgw-attach- IDs",
                status: 400
            )
        }
        return ids
    }

    /// Changes the tags of every resource of `ids` with `change`, in one transaction.
    private func retag(
        _ ids: [String],
        in scope: Scope,
        at now: Date,
        _ change: @escaping @Sendable (inout [TagRecord]) throws -> Void
    ) async throws -> QueryReturn {
        try await transaction(.write) { transaction in
            for id in ids {
                for (name, kind, _) in Self.taggedKinds where EC2Identifiers.isWellFormed(id, prefix: name.prefix) {
                    try await Self.retag(kind, id, named: name, in: transaction, scope, at: now, change)
                }
            }
            return QueryReturn()
        }
    }

    private static func retag<R: EC2Tagged>(
        _ kind: R.Type,
        _ id: String,
        named name: EC2ResourceName,
        in transaction: any StoreTransaction,
        _ scope: Scope,
        at now: Date,
        _ change: (inout [TagRecord]) throws -> Void
    ) async throws {
        var record = try await name.record(kind, id, in: transaction, scope)
        guard record.isLive(at: now) else { throw name.notFoundError([id]) }
        try change(&record.tags)
        try await transaction.save(record, in: scope)
    }
}

/// A resource of the slice with tags.
protocol EC2Tagged: StoredRecord {
    var tags: [TagRecord] { get set }
    /// Whether the resource is still there at `now` (a transit gateway attachment is gone once deleted).
    func isLive(at now: Date) -> Bool
}

extension EC2Tagged {
    func isLive(at now: Date) -> Bool { true }
}

extension VpcRecord: EC2Tagged {}
extension VpnGatewayRecord: EC2Tagged {}
extension TransitGatewayRecord: EC2Tagged {
    func isLive(at now: Date) -> Bool { deletedAt == nil }
}
extension TransitGatewayAttachmentRecord: EC2Tagged {
    func isLive(at now: Date) -> Bool { EC2Service.state(self, at: now) != nil }
}
