import Foundation
import ServiceKit
import Storage

/// What a state document (`PUT /_dxlocal/state`, SPEC 11) may hold, kind by kind: a record the service could have
/// stored, where the document puts it. The stores read any well-formed record; these rules keep out what no request
/// could have made, which the operations would then misread (a gateway in a region's scope is invisible to every
/// region, an ID of another form is refused by every operation that takes one).
package enum ImportRules {
    /// Where a kind's records live: the regional scope of their account, or its global scope (SPEC 7: a Direct
    /// Connect gateway and what hangs on it are global), or either (a link lives where the record it links does).
    enum Place: Sendable {
        case regional
        case global
        case either
    }

    typealias IDCheck = @Sendable (any StoredRecord, Scope) -> String?

    struct Rule: Sendable {
        var place: Place
        /// Whether one ID names one resource in every account and region (SPEC 11: the operator finds a resource by
        /// its ID alone).
        var uniqueEverywhere: Bool
        /// What is wrong with the record's ID, if anything.
        var idProblem: IDCheck
    }

    /// Every kind the stores keep has a rule (`ImportRulesTests` holds that to `StoredKinds.all`).
    static let rules: [String: Rule] = [
        ConnectionRecord.recordKind.name: Rule(place: .regional, uniqueEverywhere: true, idProblem: dx("dxcon-")),
        LagRecord.recordKind.name: Rule(place: .regional, uniqueEverywhere: true, idProblem: dx("dxlag-")),
        VirtualInterfaceRecord.recordKind.name: Rule(place: .regional, uniqueEverywhere: true, idProblem: dx("dxvif-")),
        GatewayRecord.recordKind.name: Rule(place: .global, uniqueEverywhere: true, idProblem: uuid),
        AssociationRecord.recordKind.name: Rule(place: .global, uniqueEverywhere: true, idProblem: uuid),
        ProposalRecord.recordKind.name: Rule(place: .global, uniqueEverywhere: true, idProblem: uuid),
        FailoverTestRecord.recordKind.name: Rule(place: .regional, uniqueEverywhere: true, idProblem: uuid),
        AttachmentRecord.recordKind.name: Rule(place: .global, uniqueEverywhere: false, idProblem: dx("dxvif-")),
        // A customer router sits at the far end of a dedicated connection's port (SPEC 12).
        MKACustomerRecord.recordKind.name: Rule(place: .regional, uniqueEverywhere: false, idProblem: dx("dxcon-")),
        LinkRecord.recordKind.name: Rule(place: .either, uniqueEverywhere: false, idProblem: anyServiceId),
        CustomerRecord.recordKind.name: Rule(place: .global, uniqueEverywhere: false, idProblem: fixed("customer")),
        PeeringPoolRecord.recordKind.name: Rule(place: .regional, uniqueEverywhere: false, idProblem: fixed("peering")),
        VpcRecord.recordKind.name: Rule(place: .regional, uniqueEverywhere: true, idProblem: ec2("vpc")),
        VpnGatewayRecord.recordKind.name: Rule(place: .regional, uniqueEverywhere: true, idProblem: ec2("vgw")),
        TransitGatewayRecord.recordKind.name: Rule(place: .regional, uniqueEverywhere: true, idProblem: ec2("tgw")),
        TransitGatewayAttachmentRecord.recordKind.name: Rule(
            place: .regional,
            uniqueEverywhere: true,
            idProblem: ec2("tgw-attach")
        ),
        SecretRecord.recordKind.name: Rule(place: .regional, uniqueEverywhere: false, idProblem: secretARN),
    ]

    /// The kinds `rules` covers, for the test that holds it to every kind.
    package static var coveredKinds: Set<String> { Set(rules.keys) }

    /// What makes `record` one the service could not have stored in `scope`, or `nil`.
    package static func problem(with record: any StoredRecord, in scope: Scope) -> String? {
        let kind = type(of: record).recordKind.name
        guard let rule = rules[kind] else { return "a \(kind) record cannot be imported" }
        switch (rule.place, scope.region == Scope.globalRegion) {
        case (.regional, true): return "a \(kind) record belongs to a region, not to an account's global scope"
        case (.global, false): return "a \(kind) record belongs to its account's global scope (region \"\")"
        default: break
        }
        return rule.idProblem(record, scope)
    }

    /// Whether an ID of `kind` names one resource in every account and region.
    package static func isUniqueEverywhere(_ kind: String) -> Bool { rules[kind]?.uniqueEverywhere ?? false }

    /// The record a merge saves where the server holds `existing` under the same ID (our choice): the document's,
    /// except that what a scope has handed out of its peering addresses only grows (SPEC 7: never handed out twice).
    package static func merged(_ record: any StoredRecord, over existing: any StoredRecord) -> any StoredRecord {
        guard var pool = record as? PeeringPoolRecord, let held = existing as? PeeringPoolRecord else { return record }
        pool.ipv4Issued = max(pool.ipv4Issued, held.ipv4Issued)
        pool.ipv6Issued = max(pool.ipv6Issued, held.ipv6Issued)
        let picked =
            (held.ipv4HandPicked ?? [])
            + (pool.ipv4HandPicked ?? []).filter {
                !(held.ipv4HandPicked ?? []).contains($0)
            }
        pool.ipv4HandPicked = picked.isEmpty ? nil : picked
        return pool
    }

    // MARK: References

    /// A record another record names, which must be in the document or, in a merge, on the server: a member of a
    /// LAG names its LAG, a live virtual interface its connection or LAG, a customer router its MACsec port. Only
    /// references the service's own operations never leave dangling are checked (our choice): a deleted interface
    /// may outlive its connection, a key's secret may be purged once its deletion date has passed and its name is
    /// used again, and a reset limited to a partner's account leaves its customers' hosted connections behind.
    package struct Reference: Sendable {
        /// The member of the referring record that holds the ID.
        package var member: String
        package var id: String
        package var scope: Scope
        /// The kinds the ID may name, and what they are called in a message.
        package var kinds: [String]
        package var described: String
        /// Whether the record found is one the reference may name.
        package var accepts: @Sendable (any StoredRecord) -> Bool
    }

    /// The records `record`, stored in `scope`, names.
    package static func references(of record: any StoredRecord, in scope: Scope) -> [Reference] {
        switch record {
        case let connection as ConnectionRecord:
            guard let lagId = connection.lagId else { return [] }
            return [
                Reference(
                    member: "lagId",
                    id: lagId,
                    scope: scope,
                    kinds: [LagRecord.recordKind.name],
                    described: "a LAG",
                    accepts: { _ in true }
                )
            ]
        case let interface as VirtualInterfaceRecord where interface.deletedAt == nil:
            return [
                Reference(
                    member: "connectionId",
                    id: interface.connectionId,
                    scope: scope,
                    kinds: [ConnectionRecord.recordKind.name, LagRecord.recordKind.name],
                    described: "a connection or LAG",
                    accepts: { ($0 as? ConnectionRecord)?.kind != .interconnect }
                )
            ]
        case let router as MKACustomerRecord:
            return [
                Reference(
                    member: "id",
                    id: router.id,
                    scope: scope,
                    kinds: [ConnectionRecord.recordKind.name],
                    described: "a MACsec-capable dedicated connection",
                    accepts: { ($0 as? ConnectionRecord).map(MKAVerdicts.runsMKA) ?? false }
                )
            ]
        default:
            return []
        }
    }

    /// Two interfaces of `interfaces` (those of one connection, LAG or interconnect) that hold the same VLAN at
    /// `now`, as no request could have left them (SPEC 7: a VLAN is unique on its carrier); `nil` when none do.
    package static func vlanClash(
        among interfaces: [VirtualInterfaceRecord],
        at now: Date
    ) -> (VirtualInterfaceRecord, VirtualInterfaceRecord)? {
        var holders: [Int: VirtualInterfaceRecord] = [:]
        for interface in interfaces where VirtualInterfaceRules.isHeld(interface, at: now) {
            if let earlier = holders.updateValue(interface, forKey: interface.vlan) { return (earlier, interface) }
        }
        return nil
    }

    /// The records a store holds in `scope` that may name `record` (the live interfaces on a connection and its
    /// customer router), for a merge that puts `record` in the place of the store's: each must still accept it.
    package static func storedReferrers(
        of record: any StoredRecord,
        in scope: Scope,
        from transaction: any StoreTransaction
    ) async throws -> [any StoredRecord] {
        guard let connection = record as? ConnectionRecord else { return [] }
        var found: [any StoredRecord] = try await transaction.records(
            VirtualInterfaceRecord.self,
            in: scope,
            matching: RecordMatch(.first, connection.id),
            page: .all
        )
        if let router = try await transaction.record(MKACustomerRecord.self, id: connection.id, in: scope) {
            found.append(router)
        }
        return found
    }

    // MARK: ID forms

    private static func dx(_ prefix: String) -> IDCheck {
        { record, _ in
            Identifiers.isWellFormed(record.recordID, prefix: prefix)
                ? nil
                : "\(shown(record.recordID)) is not an ID of the form \(prefix) and eight lower-case letters or digits"
        }
    }

    private static func ec2(_ prefix: String) -> IDCheck {
        { record, _ in
            EC2Identifiers.isWellFormed(record.recordID, prefix: prefix)
                ? nil
                : "\(shown(record.recordID)) is not an ID of the form \(prefix)- and 8 or 17 hex digits"
        }
    }

    private static func fixed(_ id: String) -> IDCheck {
        { record, _ in record.recordID == id ? nil : "the ID of a \(type(of: record).recordKind.name) record is \(id)" }
    }

    private static let uuid: IDCheck = { record, _ in
        Identifiers.isLowercaseUUID(record.recordID)
            ? nil : "\(shown(record.recordID)) is not a lower-case UUID"
    }

    private static let anyServiceId: IDCheck = { record, scope in
        let forms = ["dxcon-", "dxlag-", "dxvif-"].map(dx)
        if Identifiers.isLowercaseUUID(record.recordID) || forms.contains(where: { $0(record, scope) == nil }) {
            return nil
        }
        return "\(shown(record.recordID)) is not the ID of a connection, LAG, interface, association or proposal"
    }

    /// A secret's ID is its ARN, in the secret's own account and region.
    private static let secretARN: IDCheck = { record, scope in
        let prefix = "arn:aws:secretsmanager:\(scope.region):\(scope.account):secret:"
        return record.recordID.hasPrefix(prefix) && record.recordID.count > prefix.count
            ? nil : "a secret's ARN must begin \(prefix) in its account and region"
    }

    private static func shown(_ id: String) -> String { "\"\(Identifiers.quoted(id))\"" }

}
