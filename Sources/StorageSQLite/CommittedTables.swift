import Storage
import Synchronization

/// Every connection and LAG as committed, by scope: what readers see. Only a batch's commit changes it.
final class CommittedTables: Sendable {
    private let scopes: Mutex<[Scope: ScopeTables]>
    /// The names secrets have had, by scope: a name not here belongs to no secret, so a writer creating one (every
    /// new key's secret) need not ask SQLite. Only this store adds secrets (another process only re-seals them);
    /// deleted names stay until the store is opened again, which only costs a look on disk.
    private let secretNames: Mutex<[Scope: Set<String>]>

    init(_ scopes: [Scope: ScopeTables], secretNames: [Scope: Set<String>]) {
        self.scopes = Mutex(scopes)
        self.secretNames = Mutex(secretNames)
    }

    /// Whether a secret of that name may exist in the scope (`false`: it certainly does not).
    func mayHaveSecret(named name: String, in scope: Scope) -> Bool {
        secretNames.withLock { $0[scope]?.contains(name) ?? false }
    }

    /// A scope's tables as they are now; later commits do not change the copy.
    func snapshot(_ scope: Scope) -> ScopeTables {
        scopes.withLock { $0[scope] } ?? ScopeTables()
    }

    func connection(id: String, in scope: Scope) -> ConnectionRecord? {
        scopes.withLock { $0[scope]?.connections[id] }
    }

    func lag(id: String, in scope: Scope) -> LagRecord? {
        scopes.withLock { $0[scope]?.lags[id] }
    }

    /// Applies the writes of a committed batch.
    func apply(_ writes: PendingWrites) {
        secretNames.withLock { names in
            for case (let key, let secret?) in writes.secrets { names[key.scope, default: []].insert(secret.name) }
        }
        scopes.withLock { scopes in
            for (key, record) in writes.connections {
                if let record {
                    scopes[key.scope, default: ScopeTables()].put(record)
                } else {
                    scopes[key.scope]?.removeConnection(id: key.id)
                }
            }
            for (key, record) in writes.lags {
                if let record {
                    scopes[key.scope, default: ScopeTables()].put(record)
                } else {
                    scopes[key.scope]?.removeLag(id: key.id)
                }
            }
        }
    }

    /// Keeps a listing a reader built, unless a connection changed since its snapshot.
    func publish(
        _ listing: Listing<ConnectionRecord>,
        of kind: ConnectionRecord.Kind,
        for scope: Scope,
        builtFrom snapshot: ScopeTables
    ) {
        scopes.withLock { scopes in
            guard scopes[scope]?.connectionVersion == snapshot.connectionVersion else { return }
            scopes[scope]?.connectionListings[kind] = listing
        }
    }

    func publish(_ listing: Listing<LagRecord>, for scope: Scope, builtFrom snapshot: ScopeTables) {
        scopes.withLock { scopes in
            guard scopes[scope]?.lagVersion == snapshot.lagVersion else { return }
            scopes[scope]?.lagListing = listing
        }
    }
}
