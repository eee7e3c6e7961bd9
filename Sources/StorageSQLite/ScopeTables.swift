import Storage

/// The connections and LAGs of one scope as last committed, decoded, in memory.
///
/// The SQLite store keeps every connection and LAG here as well as on disk: reads never touch SQLite, and a
/// listing of thousands of connections decodes nothing. A value type, so that a reader's copy is a consistent
/// snapshot that later commits do not change.
struct ScopeTables: Sendable {
    private(set) var connections: [String: ConnectionRecord] = [:]
    private(set) var lags: [String: LagRecord] = [:]
    /// The connections (interconnects) in ID order, once a listing has needed them since a connection last changed.
    var connectionListings: [ConnectionRecord.Kind: Listing<ConnectionRecord>] = [:]
    var lagListing: Listing<LagRecord>?
    /// Changes whenever a connection (LAG) is saved or deleted, so that a listing built from a snapshot is only
    /// published back when it still holds.
    private(set) var connectionVersion = 0
    private(set) var lagVersion = 0

    init() {}

    /// The tables of records loaded from disk, each table made at its size.
    init(connections: [ConnectionRecord], lags: [LagRecord]) {
        self.connections.reserveCapacity(connections.count)
        for record in connections { self.connections[record.id] = record }
        self.lags.reserveCapacity(lags.count)
        for record in lags { self.lags[record.id] = record }
    }

    mutating func put(_ record: ConnectionRecord) {
        connections[record.id] = record
        connectionListings = [:]
        connectionVersion &+= 1
    }

    mutating func removeConnection(id: String) {
        if connections.removeValue(forKey: id) != nil {
            connectionListings = [:]
            connectionVersion &+= 1
        }
    }

    mutating func put(_ record: LagRecord) {
        lags[record.id] = record
        lagListing = nil
        lagVersion &+= 1
    }

    mutating func removeLag(id: String) {
        if lags.removeValue(forKey: id) != nil {
            lagListing = nil
            lagVersion &+= 1
        }
    }

    /// The connections of a kind in ID order: the memoised listing, or a new one (which the caller may publish).
    func connectionsInOrder(_ kind: ConnectionRecord.Kind) -> Listing<ConnectionRecord> {
        connectionListings[kind]
            ?? Listing(connections.values.filter { $0.kind == kind }.sorted { $0.id < $1.id }, id: \.id)
    }

    func lagsInOrder() -> Listing<LagRecord> {
        lagListing ?? Listing(lags.values.sorted { $0.id < $1.id }, id: \.id)
    }

    /// The members of a LAG in ID order.
    func members(ofLag lagId: String) -> [ConnectionRecord] {
        connections.values.filter { $0.lagId == lagId }.sorted { $0.id < $1.id }
    }
}

/// Records in ascending ID order, shared by every snapshot of the same records: a listing of thousands of
/// connections hands out this one array rather than copying each record out of the table.
final class Listing<Record: Sendable>: Sendable {
    let records: [Record]
    private let id: @Sendable (Record) -> String

    init(_ records: [Record], id: @escaping @Sendable (Record) -> String) {
        self.records = records
        self.id = id
    }

    /// A page: the records after the cursor, at most the limit.
    func page(_ page: PageRequest) -> [Record] {
        var low = 0
        if let after = page.after {
            var high = records.count
            while low < high {
                let middle = (low + high) / 2
                if id(records[middle]) <= after { low = middle + 1 } else { high = middle }
            }
        }
        if page.limit == nil, low == 0 { return records }
        return Array(records[low..<min(records.count, low + (page.limit ?? records.count))])
    }
}
