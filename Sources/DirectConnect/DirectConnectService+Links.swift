import Foundation
import Storage

/// Records of one account that another may also read and change (SPEC 7's cross-account flows: a proposal and the
/// association it makes, seen by the Direct Connect gateway's owner and by the gateway's; a hosted virtual interface,
/// seen by the connection's owner and by its own): kept once, in the owner's scope, with a `LinkRecord` in the other
/// account's scope of the same region (global scopes for global records).
extension DirectConnectService {
    /// Links the record `id` of `kind`, held in `owner`'s scope of `scope`'s region, into `scope`; nothing when the
    /// two are one account.
    func link(
        _ id: String,
        kind: String,
        owner: String,
        into scope: Scope,
        in transaction: any StoreTransaction
    ) async throws {
        guard owner != scope.account else { return }
        try await transaction.save(LinkRecord(id: id, kind: kind, ownerAccount: owner), in: scope)
    }

    /// The scope of `scope`'s region that holds a record linked into `scope`.
    static func ownerScope(of link: LinkRecord, from scope: Scope) -> Scope {
        Scope(account: link.ownerAccount, region: scope.region)
    }

    /// The records of `kind` linked into `scope` that `isLive` keeps, with their owners; with `purging` the links to
    /// records gone (or no longer kept) are removed.
    func linkedRecords<R: StoredRecord>(
        _ kind: R.Type,
        in scope: Scope,
        _ transaction: any StoreTransaction,
        purging: Bool = false,
        _ isLive: (R) -> Bool
    ) async throws -> [(record: R, owner: String)] {
        let links = try await transaction.records(LinkRecord.self, in: scope, matching: nil, page: .all)
            .filter { $0.kind == R.recordKind.name }
        // One read a scope that holds some of them, not one a link: on PostgreSQL each read is a round trip, and a
        // partner's interconnect may carry a thousand hosted connections of other accounts.
        let positions = links.map { RecordPosition(scope: Self.ownerScope(of: $0, from: scope), id: $0.id) }
        let held = try await transaction.records(kind, at: positions)
        var found: [(record: R, owner: String)] = []
        for (link, position) in zip(links, positions) {
            if let record = held[position], isLive(record) {
                found.append((record, link.ownerAccount))
            } else if purging {
                try await transaction.delete(LinkRecord.self, id: link.id, in: scope)
            }
        }
        return found
    }
}
