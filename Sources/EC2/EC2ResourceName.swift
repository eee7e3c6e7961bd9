import AWSJSONProtocol
import ServiceKit
import Storage

/// How EC2 names one kind of resource: the prefix of its IDs, the stem of its error codes (`InvalidVpcID` gives
/// `InvalidVpcID.Malformed` and `InvalidVpcID.NotFound`) and the text of its not-found message.
struct EC2ResourceName: Sendable {
    let prefix: String
    let codeStem: String
    /// The code and the plural noun of EC2's refusal once an account's quota of the kind in a region is reached.
    var quota: (code: String, plural: String)?
    /// The code of a malformed ID where it is not `<Stem>.Malformed` (security groups').
    var malformedCode: String?
    let notFound: @Sendable ([String]) -> String

    static let vpc = EC2ResourceName(prefix: "vpc", codeStem: "InvalidVpcID", quota: ("VpcLimitExceeded", "VPCs")) {
        missing in
        missing.count == 1
            ? "The vpc ID '\(missing[0])' does not exist"
            : "The vpc IDs '\(missing.joined(separator: ", "))' do not exist"
    }

    static let vpnGateway = EC2ResourceName(
        prefix: "vgw",
        codeStem: "InvalidVpnGatewayID",
        quota: ("VpnGatewayLimitExceeded", "virtual private gateways")
    ) { missing in
        missing.count == 1
            ? "The vpnGateway ID '\(missing[0])' does not exist"
            : "The vpnGateway IDs '\(missing.joined(separator: ", "))' do not exist"
    }

    static let transitGateway = EC2ResourceName(
        prefix: "tgw",
        codeStem: "InvalidTransitGatewayID",
        quota: ("TransitGatewayLimitExceeded", "transit gateways")
    ) { missing in
        "Transit Gateway \(missing.joined(separator: ", ")) was deleted or does not exist."
    }

    static let transitGatewayAttachment = EC2ResourceName(
        prefix: "tgw-attach",
        codeStem: "InvalidTransitGatewayAttachmentID"
    ) { missing in
        "Transit Gateway Attachment \(missing.joined(separator: ", ")) was deleted or does not exist."
    }

    /// A VPC's main route table: `InvalidRouteTableID.NotFound`, but `InvalidRouteTableId.Malformed` (EC2's codes).
    static let routeTable = EC2ResourceName(
        prefix: "rtb",
        codeStem: "InvalidRouteTableID",
        malformedCode: "InvalidRouteTableId.Malformed"
    ) { missing in
        missing.count == 1
            ? "The routeTable ID '\(missing[0])' does not exist"
            : "The routeTable IDs '\(missing.joined(separator: ", "))' do not exist"
    }

    /// A VPC's default network ACL (`InvalidNetworkAclID`; its `.Malformed` is our choice: EC2 lists none).
    static let networkAcl = EC2ResourceName(prefix: "acl", codeStem: "InvalidNetworkAclID") { missing in
        missing.count == 1
            ? "The networkAcl ID '\(missing[0])' does not exist"
            : "The networkAcl IDs '\(missing.joined(separator: ", "))' do not exist"
    }

    /// A VPC's default security group: `InvalidGroup.NotFound`, but `InvalidGroupId.Malformed`.
    static let securityGroup = EC2ResourceName(
        prefix: "sg",
        codeStem: "InvalidGroup",
        malformedCode: "InvalidGroupId.Malformed"
    ) { missing in
        missing.count == 1
            ? "The security group '\(missing[0])' does not exist"
            : "The security groups '\(missing.joined(separator: ", "))' do not exist"
    }

    /// `<Stem>.Malformed` unless every ID is one of this kind's.
    func requireWellFormed(_ ids: [String]?) throws {
        for id in ids ?? [] {
            try EC2Identifiers.requireWellFormed(id, prefix: prefix, code: malformedCode ?? codeStem + ".Malformed")
        }
    }

    /// `<Stem>.NotFound` for the IDs given.
    func notFoundError(_ missing: [String]) -> AWSError {
        AWSError(code: codeStem + ".NotFound", message: notFound(missing), status: 400)
    }

    /// The records a Describe call asks for, in ID order: those of `ids` when given (each must be there, else
    /// `<Stem>.NotFound` naming the missing ones) that match every filter.
    func chosen<R: StoredRecord>(
        _ all: [R],
        ids: [String]?,
        filters: EC2Filters,
        tags: (R) -> [TagRecord],
        fields: (R, String) -> [String]
    ) throws -> [R] {
        try chosen(all, id: \.recordID, ids: ids, filters: filters, tags: tags, fields: fields)
    }

    /// `chosen(_:ids:filters:tags:fields:)` for resources that are not records of their own, `id` naming each.
    func chosen<T>(
        _ all: [T],
        id: (T) -> String,
        ids: [String]?,
        filters: EC2Filters,
        tags: (T) -> [TagRecord],
        fields: (T, String) -> [String]
    ) throws -> [T] {
        if let ids {
            let found = Set(all.map(id))
            let missing = ids.filter { !found.contains($0) }
            guard missing.isEmpty else { throw notFoundError(missing) }
        }
        let asked = ids.map(Set.init)
        return all.filter { item in
            (asked?.contains(id(item)) ?? true) && filters.match(tags(item)) { fields(item, $0) }
        }
    }

    /// A fresh ID for a new resource of the kind in `scope`, unless the scope already holds `limit` of them (EC2's
    /// quota refusal).
    func newID<R: StoredRecord>(
        for kind: R.Type,
        holding held: Int,
        limit: Int,
        in transaction: any StoreTransaction,
        _ scope: Scope
    ) async throws -> String {
        if let quota, held >= limit {
            throw AWSError(
                code: quota.code,
                message: "The maximum number of \(quota.plural) has been reached.",
                status: 400
            )
        }
        return try await transaction.unusedID(for: kind, in: scope) { EC2Identifiers.make(prefix) }
    }

    /// The record of `kind` with ID `id` in `scope`, or `<Stem>.NotFound`.
    func record<R: StoredRecord>(
        _ kind: R.Type,
        _ id: String,
        in transaction: any StoreTransaction,
        _ scope: Scope
    ) async throws -> R {
        guard let record = try await transaction.record(kind, id: id, in: scope) else { throw notFoundError([id]) }
        return record
    }
}
