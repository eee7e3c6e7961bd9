import AWSJSONProtocol

extension StoreTransaction {
    /// An ID made by `make` that no record of `kind` in `scope` holds yet, nor, while names come from a seed, in any
    /// other scope (drawn again on the rare collision).
    package func unusedID<R: StoredRecord>(
        for kind: R.Type,
        in scope: Scope,
        _ make: () -> String
    ) async throws -> String {
        var id = make()
        while try await isTaken(kind, id, in: scope) { id = make() }
        return id
    }

    /// Whether `id` names a record of `kind` in `scope`, or, while names come from a seed (`--random-seed`: a restart
    /// or another instance gives the same names again), in any scope: generated IDs are unique across accounts and
    /// regions (SPEC 11). The look in every scope reads the kind whole, which a seeded test's store affords.
    package func isTaken<R: StoredRecord>(_ kind: R.Type, _ id: String, in scope: Scope) async throws -> Bool {
        if try await record(kind, id: id, in: scope) != nil { return true }
        guard NameRandomness.isSeeded else { return false }
        return try await recordInAnyScope(kind, id: id) != nil
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
