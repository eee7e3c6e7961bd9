import NIOConcurrencyHelpers
import Storage
import Synchronization

/// Every record of the kinds kept in memory as committed, by scope: what readers see. Only a batch's commit changes
/// it.
final class CommittedTables: Sendable {
    private let scopes: NIOLockedValueBox<[Scope: ScopeTables]>
    /// The unique values records of kinds not kept in memory have had (as hashes): a value not here belongs to no
    /// record, so a writer creating one (every new key's secret) need not ask SQLite. Only this store adds such
    /// records (another process only re-seals secrets); values of deleted records stay until the store is opened
    /// again, which only costs a look on disk.
    private let uniqueValues: NIOLockedValueBox<SeenUniqueValues>
    /// The batches applied that wrote something (`Store.generation`).
    private let applied = Atomic<UInt64>(0)

    init(_ scopes: [Scope: ScopeTables], uniqueValues: SeenUniqueValues) {
        self.scopes = NIOLockedValueBox(scopes)
        self.uniqueValues = NIOLockedValueBox(uniqueValues)
    }

    /// Whether a record of a kind not kept in memory may hold that unique value in the scope (`false`: certainly
    /// not).
    func mayHold(unique value: String, kind: String, in scope: Scope) -> Bool {
        uniqueValues.withLockedValue { $0.mayHold(value, kind: kind, in: scope) }
    }

    /// A scope's tables as they are now; later commits do not change the copy.
    func snapshot(_ scope: Scope) -> ScopeTables {
        scopes.withLockedValue { $0[scope] } ?? ScopeTables()
    }

    func record<R: StoredRecord>(_ type: R.Type, id: String, in scope: Scope) -> R? {
        scopes.withLockedValue { $0[scope]?.record(R.self, id: id) }
    }

    /// A record kept in memory, whatever its type.
    func anyRecord(_ key: RecordKey) -> (any StoredRecord)? {
        scopes.withLockedValue { $0[key.scope]?.anyRecord(kind: key.kind, id: key.id) }
    }

    /// Moves on once a batch's writes are visible to readers, in SQLite and here: a read that saw the old
    /// generation may have seen the new records, never the other way round.
    var generation: UInt64 { applied.load(ordering: .acquiring) }

    /// Applies the writes of a committed batch.
    func apply(_ writes: PendingWrites) {
        defer { if !writes.isEmpty { applied.add(1, ordering: .releasing) } }
        uniqueValues.withLockedValue { values in
            for case (let key, let record?) in writes.records where !key.keptInMemory {
                if let unique = record.lookupValues.unique {
                    values.insert(unique, kind: key.kind, in: key.scope)
                }
            }
        }
        scopes.withLockedValue { scopes in
            for (key, record) in writes.records where key.keptInMemory {
                if let record {
                    scopes[key.scope, default: ScopeTables()].put(record, kind: key.kind)
                } else {
                    scopes[key.scope]?.remove(kind: key.kind, id: key.id)
                }
            }
        }
    }

    /// Keeps a listing a reader built, unless a record of its kind changed since its snapshot.
    func publish<R: StoredRecord>(
        _ listing: Listing<R>,
        matching match: RecordMatch?,
        for scope: Scope,
        builtFrom snapshot: ScopeTables
    ) {
        scopes.withLockedValue { scopes in
            let kind = R.recordKind.name
            guard scopes[scope]?.version(of: kind) == snapshot.version(of: kind) else { return }
            scopes[scope]?.memoise(listing, matching: match)
        }
    }
}
