import Storage

/// A record's place: its kind, its scope and its ID (a secret's ARN).
struct RecordKey: Hashable, Sendable {
    var kind: String
    var scope: Scope
    var id: String
    /// Whether the kind is kept in memory (`RecordKind.keptInMemory`), so that a deletion, which has no record to
    /// ask, still knows.
    var keptInMemory: Bool

    init<R: StoredRecord>(_ type: R.Type, scope: Scope, id: String) {
        kind = R.recordKind.name
        self.scope = scope
        self.id = id
        keptInMemory = R.recordKind.keptInMemory
    }

    /// The ID alone: IDs are random or carry their scope (a secret's ARN), so keys that differ elsewhere rarely share
    /// one, and equality still compares every part. The batch's dictionaries hash each key several times on the
    /// writer's thread, where hashing strings was 3 % of its samples under key rotation (perf, 2026-12-05).
    func hash(into hasher: inout Hasher) {
        hasher.combine(id)
    }
}

/// Writes made and not yet committed, the last one per record: a record to save, or `nil` for a deletion.
struct PendingWrites: Sendable {
    var records: [RecordKey: (any StoredRecord)?] = [:]

    var isEmpty: Bool { records.isEmpty }

    /// Adds later writes; where both wrote a record, the later write wins.
    mutating func merge(_ later: PendingWrites) {
        records.merge(later.records) { _, new in new }
    }

    mutating func save<R: StoredRecord>(_ record: R, in scope: Scope) {
        reserveOnFirstWrite()
        records[RecordKey(R.self, scope: scope, id: record.recordID)] = .some(record)
    }

    mutating func delete<R: StoredRecord>(_ type: R.Type, id: String, in scope: Scope) {
        reserveOnFirstWrite()
        records[RecordKey(R.self, scope: scope, id: id)] = .some(nil)
    }

    /// Room for a few writes at once: a transaction writes one to three records (a key's association: the secret
    /// and the connection), and growing the dictionary from one made it twice.
    private mutating func reserveOnFirstWrite() {
        if records.isEmpty { records.reserveCapacity(4) }
    }

    /// The pending (saved, not deleted) record of the kind that holds that unique value in the scope, if any.
    func holder<R: StoredRecord>(of unique: String, _ type: R.Type, in scope: Scope) -> R? {
        for case (let key, let record?) in records where key.kind == R.recordKind.name && key.scope == scope {
            if record.lookupValues.unique == unique { return record as? R }
        }
        return nil
    }

    /// The record holding a unique value as stacked writes see them (`layers`, earlier first): the latest layer's
    /// holder that no later layer changed or deleted.
    static func holder<R: StoredRecord>(
        of unique: String,
        _ type: R.Type,
        in scope: Scope,
        layers: [PendingWrites]
    )
        -> R?
    {
        for (index, layer) in layers.enumerated().reversed() {
            guard let record = layer.holder(of: unique, R.self, in: scope) else { continue }
            let key = RecordKey(R.self, scope: scope, id: record.recordID)
            if !layers[(index + 1)...].contains(where: { $0.records[key] != nil }) { return record }
        }
        return nil
    }

    /// Whether a record of the kind in the scope is pending.
    func touches<R: StoredRecord>(_ type: R.Type, in scope: Scope) -> Bool {
        records.keys.contains { $0.kind == R.recordKind.name && $0.scope == scope }
    }

    /// The records of a kind of one scope in ID order, those that answer `match`: `committed`, with these writes
    /// applied over them (`layers`, earlier first).
    static func applied<R: StoredRecord>(
        _ layers: [PendingWrites],
        to committed: [R],
        in scope: Scope,
        matching match: RecordMatch?
    ) -> [R] {
        var byID: [String: R] = [:]
        byID.reserveCapacity(committed.count)
        for record in committed { byID[record.recordID] = record }
        for layer in layers {
            for (key, record) in layer.records where key.kind == R.recordKind.name && key.scope == scope {
                byID[key.id] = (record as? R).flatMap { $0.matches(match) ? $0 : nil }
            }
        }
        return byID.values.sorted { $0.recordID < $1.recordID }
    }
}

/// Writes, and those of them that have not reached SQLite yet: all of them until the first flush, so that the
/// batches and transactions that never flush early (most of them) fill one set of writes, not two.
struct FlushTrackedWrites {
    private(set) var all = PendingWrites()
    /// What has not reached SQLite since the first flush; `nil` before it, when that is `all`.
    private var sinceFlush: PendingWrites?

    /// The writes that have not reached SQLite.
    var unflushed: PendingWrites { sinceFlush ?? all }

    /// Changes the writes (and those not flushed, once they are kept apart).
    mutating func change(_ change: (inout PendingWrites) -> Void) {
        change(&all)
        if var rest = sinceFlush {
            sinceFlush = nil  // the one reference while it changes: no copy
            change(&rest)
            sinceFlush = rest
        }
    }

    /// Adds later writes, of which `unflushed` have not reached SQLite.
    mutating func merge(_ writes: PendingWrites, unflushed: PendingWrites) {
        all.merge(writes)
        sinceFlush?.merge(unflushed)
    }

    /// The writes that have not reached SQLite, which from now on count as flushed.
    mutating func takeUnflushed() -> PendingWrites {
        defer { sinceFlush = PendingWrites() }
        return unflushed
    }
}
