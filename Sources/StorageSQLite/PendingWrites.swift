import Storage

/// A record's place: its scope and its ID (a secret's ARN).
struct RecordKey: Hashable, Sendable {
    var scope: Scope
    var id: String
}

/// Writes made and not yet committed, the last one per record: a record to save, or `nil` for a deletion.
struct PendingWrites: Sendable {
    var connections: [RecordKey: ConnectionRecord?] = [:]
    var lags: [RecordKey: LagRecord?] = [:]
    var secrets: [RecordKey: SecretRecord?] = [:]

    var isEmpty: Bool { connections.isEmpty && lags.isEmpty && secrets.isEmpty }

    /// Adds later writes; where both wrote a record, the later write wins.
    mutating func merge(_ later: PendingWrites) {
        connections.merge(later.connections) { _, new in new }
        lags.merge(later.lags) { _, new in new }
        secrets.merge(later.secrets) { _, new in new }
    }

    /// The pending (saved, not deleted) secret of that name in the scope, if there is one.
    func secret(named name: String, in scope: Scope) -> SecretRecord? {
        for (key, record) in secrets where key.scope == scope {
            if let record, record.name == name { return record }
        }
        return nil
    }

    /// The secret of that name in the scope as stacked writes see them (`layers`, earlier first): the latest layer's
    /// record of that name that no later layer changed or deleted.
    static func secret(named name: String, in scope: Scope, layers: [PendingWrites]) -> SecretRecord? {
        for (index, layer) in layers.enumerated().reversed() {
            guard let record = layer.secret(named: name, in: scope) else { continue }
            let key = RecordKey(scope: scope, id: record.arn)
            if !layers[(index + 1)...].contains(where: { $0.secrets[key] != nil }) { return record }
        }
        return nil
    }

    /// The connections and LAGs of one scope with these writes applied.
    func applied(to tables: ScopeTables, scope: Scope) -> ScopeTables {
        var tables = tables
        for (key, record) in connections where key.scope == scope {
            if let record { tables.put(record) } else { tables.removeConnection(id: key.id) }
        }
        for (key, record) in lags where key.scope == scope {
            if let record { tables.put(record) } else { tables.removeLag(id: key.id) }
        }
        return tables
    }

    /// Whether any connection or LAG of the scope is pending.
    func touches(_ scope: Scope) -> Bool {
        connections.keys.contains { $0.scope == scope } || lags.keys.contains { $0.scope == scope }
    }
}
