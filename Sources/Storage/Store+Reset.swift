extension StoreTransaction {
    /// Deletes every record of `kinds` that belongs to one of `accounts` (every account when `nil`), in every region
    /// and in the accounts' global scopes, and answers how many it deleted. In one transaction, a reset is all or
    /// nothing, and writes that race it land wholly before or wholly after it (SPEC 11).
    package func deleteEveryRecord(of kinds: [any StoredRecord.Type], accounts: Set<String>?) async throws -> Int {
        var deleted = 0
        for kind in kinds { deleted += try await deleteEvery(kind, accounts: accounts) }
        return deleted
    }

    private func deleteEvery<R: StoredRecord>(_ kind: R.Type, accounts: Set<String>?) async throws -> Int {
        try await deleteEvery(kind) { accounts?.contains($0.scope.account) ?? true }
    }

    /// Deletes every record of `kind`, in every scope, that `isDoomed` picks, and answers how many it deleted.
    package func deleteEvery<R: StoredRecord>(_ kind: R.Type, where isDoomed: (Scoped<R>) -> Bool) async throws -> Int {
        var deleted = 0
        try await visitEvery(kind) { scoped in
            guard isDoomed(scoped) else { return true }
            try await delete(kind, id: scoped.record.recordID, in: scoped.scope)
            deleted += 1
            return true
        }
        return deleted
    }

    /// How many records of `kind` there are, in every scope.
    package func countEvery<R: StoredRecord>(_ kind: R.Type) async throws -> Int {
        var count = 0
        try await visitEvery(kind) { _ in
            count += 1
            return true
        }
        return count
    }

    /// The record of `kind` whose ID is `id`, in whichever scope holds it (generated IDs are unique across accounts
    /// and regions, SPEC 11), read page by page: for the operator's calls, not a request path.
    package func recordInAnyScope<R: StoredRecord>(_ kind: R.Type, id: String) async throws -> Scoped<R>? {
        var found: Scoped<R>?
        try await visitEvery(kind) { scoped in
            guard scoped.record.recordID == id else { return true }
            found = scoped
            return false
        }
        return found
    }

    /// Calls `visit` with every record of `kind` in every scope, in the order of their positions, read a page at a
    /// time, until it answers `false`; each page is read before any of its records is visited, so `visit` may delete
    /// the record it is given.
    package func visitEvery<R: StoredRecord>(
        _ kind: R.Type,
        pageSize: Int = 500,
        _ visit: (Scoped<R>) async throws -> Bool
    ) async throws {
        var position: RecordPosition?
        while true {
            let page = try await recordsInEveryScope(kind, after: position, limit: pageSize)
            for scoped in page where try await !visit(scoped) { return }
            guard page.count == pageSize, let last = page.last else { return }
            position = RecordPosition(scope: last.scope, id: last.record.recordID)
        }
    }
}
