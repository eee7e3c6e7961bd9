import Foundation
import Storage

/// Records of one account that another may also read and change (SPEC 7's cross-account flows: a proposal and the
/// association it makes, seen by the Direct Connect gateway's owner and by the gateway's): kept once, in the
/// owner's global scope, with a `LinkRecord` in the other account's.
extension DirectConnectService {
    /// Links the record `id` of `kind`, held in `owner`'s global scope, into `account`'s; nothing when the two are
    /// one account.
    func link(
        _ id: String,
        kind: String,
        owner: String,
        into account: String,
        in transaction: any StoreTransaction
    ) async throws {
        guard owner != account else { return }
        try await transaction.save(LinkRecord(id: id, kind: kind, ownerAccount: owner), in: .global(account: account))
    }

    /// The records of `kind` linked into `account`'s global scope that `isLive` keeps, with their owners; with
    /// `purging` the links to records gone (or no longer kept) are removed.
    func linkedRecords<R: StoredRecord>(
        _ kind: R.Type,
        of account: String,
        in transaction: any StoreTransaction,
        purging: Bool = false,
        _ isLive: (R) -> Bool
    ) async throws -> [(record: R, owner: String)] {
        let global = Scope.global(account: account)
        var found: [(record: R, owner: String)] = []
        for link in try await transaction.records(LinkRecord.self, in: global, matching: nil, page: .all)
        where link.kind == R.recordKind.name {
            if let record = try await transaction.record(kind, id: link.id, in: .global(account: link.ownerAccount)),
                isLive(record)
            {
                found.append((record, link.ownerAccount))
            } else if purging {
                try await transaction.delete(LinkRecord.self, id: link.id, in: global)
            }
        }
        return found
    }
}
