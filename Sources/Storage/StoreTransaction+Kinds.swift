extension StoreTransaction {
    /// An ID made by `make` that no record of `kind` in `scope` holds yet (drawn again on the rare collision).
    package func unusedID<R: StoredRecord>(
        for kind: R.Type,
        in scope: Scope,
        _ make: () -> String
    ) async throws -> String {
        var id = make()
        while try await record(kind, id: id, in: scope) != nil { id = make() }
        return id
    }

    /// The records of `kind` in `scope` that `isLive` keeps, in ID order; with `purging` (in a write transaction)
    /// the others, gone for good, are deleted from the store.
    package func live<R: StoredRecord>(
        _ kind: R.Type,
        in scope: Scope,
        purging: Bool = false,
        _ isLive: (R) -> Bool
    ) async throws -> [R] {
        var live: [R] = []
        for record in try await records(kind, in: scope, matching: nil, page: .all) {
            if isLive(record) {
                live.append(record)
            } else if purging {
                try await delete(kind, id: record.recordID, in: scope)
            }
        }
        return live
    }
}
