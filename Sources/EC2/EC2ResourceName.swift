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

    /// `<Stem>.Malformed` unless every ID is one of this kind's.
    func requireWellFormed(_ ids: [String]?) throws {
        for id in ids ?? [] {
            try EC2Identifiers.requireWellFormed(id, prefix: prefix, code: codeStem + ".Malformed")
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
        if let ids {
            let found = Set(all.map(\.recordID))
            let missing = ids.filter { !found.contains($0) }
            guard missing.isEmpty else { throw notFoundError(missing) }
        }
        let asked = ids.map(Set.init)
        return all.filter { record in
            (asked?.contains(record.recordID) ?? true) && filters.match(tags(record)) { fields(record, $0) }
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
