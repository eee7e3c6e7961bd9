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
        let pageSize = 500
        var position: RecordPosition?
        var deleted = 0
        while true {
            let page = try await recordsInEveryScope(kind, after: position, limit: pageSize)
            for scoped in page where accounts?.contains(scoped.scope.account) ?? true {
                try await delete(kind, id: scoped.record.recordID, in: scoped.scope)
                deleted += 1
            }
            guard page.count == pageSize, let last = page.last else { return deleted }
            position = RecordPosition(scope: last.scope, id: last.record.recordID)
        }
    }
}
