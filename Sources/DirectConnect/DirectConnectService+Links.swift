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
        // One read for each scope that holds some of them, not one a link: on PostgreSQL each read is a round trip,
        // and a partner's interconnect may carry a thousand hosted connections of other accounts. The scopes in
        // account order, so that writers lock a shared store's rows in one order.
        var held: [String: R] = [:]
        let byOwner = Dictionary(grouping: links, by: \.ownerAccount)
        for owner in byOwner.keys.sorted() {
            guard let owned = byOwner[owner], let first = owned.first else { continue }
            for record in try await transaction.records(
                kind,
                ids: owned.map(\.id),
                in: Self.ownerScope(of: first, from: scope)
            ) {
                held[record.recordID] = record
            }
        }
        var found: [(record: R, owner: String)] = []
        for link in links {
            if let record = held[link.id], isLive(record) {
                found.append((record, link.ownerAccount))
            } else if purging {
                try await transaction.delete(LinkRecord.self, id: link.id, in: scope)
            }
        }
        return found
    }
}
