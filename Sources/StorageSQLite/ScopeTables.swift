import Storage

/// The records of one scope as last committed, decoded, in memory: every kind kept in memory
/// (`RecordKind.keptInMemory`).
///
/// The SQLite store keeps those records here as well as on disk: their reads never touch SQLite, and a listing of
/// thousands of connections decodes nothing. A value type, so that a reader's copy is a consistent snapshot that
/// later commits do not change.
struct ScopeTables: Sendable {
    private(set) var kinds: [String: KindTable] = [:]

    init() {}

    /// The tables of records loaded from disk, by kind, each table made at its size.
    init(_ records: [String: [any StoredRecord]]) {
        for (kind, records) in records {
            var table = KindTable()
            table.records.reserveCapacity(records.count)
            for record in records { table.records[record.recordID] = record }
            kinds[kind] = table
        }
    }

    func record<R: StoredRecord>(_ type: R.Type, id: String) -> R? {
        kinds[R.recordKind.name]?.records[id] as? R
    }

    /// The record of a kind, whatever its type.
    func anyRecord(kind: String, id: String) -> (any StoredRecord)? {
        kinds[kind]?.records[id]
    }

    mutating func put(_ record: any StoredRecord, kind: String) {
        kinds[kind, default: KindTable()].put(record)
    }

    mutating func remove(kind: String, id: String) {
        kinds[kind]?.remove(id: id)
    }

    /// Changes whenever a record of the kind is saved or deleted, so that a listing built from a snapshot is only
    /// published back while it still holds.
    func version(of kind: String) -> Int {
        kinds[kind]?.version ?? 0
    }

    /// The records of a kind in ID order, those that answer `match`: the memoised listing, or a new one (which the
    /// caller may publish) and `false`.
    func listing<R: StoredRecord>(_ type: R.Type, matching match: RecordMatch?) -> (Listing<R>, memoised: Bool) {
        guard let table = kinds[R.recordKind.name] else { return (Listing([]), true) }
        if let listing = table.listings[match] as? Listing<R> { return (listing, true) }
        let records = table.records.values.compactMap { record in
            (record as? R).flatMap { $0.matches(match) ? $0 : nil }
        }
        return (Listing(records.sorted { $0.recordID < $1.recordID }), false)
    }

    mutating func memoise<R: StoredRecord>(_ listing: Listing<R>, matching match: RecordMatch?) {
        kinds[R.recordKind.name]?.listings[match] = listing
    }
}

/// One kind's records of a scope, and the listings built of them since they last changed.
struct KindTable: Sendable {
    var records: [String: any StoredRecord] = [:]
    /// `Listing`s of the kind's type, by condition; emptied at every change.
    var listings: [RecordMatch?: any Sendable] = [:]
    private(set) var version = 0

    mutating func put(_ record: any StoredRecord) {
        records[record.recordID] = record
        listings = [:]
        version &+= 1
    }

    mutating func remove(id: String) {
        if records.removeValue(forKey: id) != nil {
            listings = [:]
            version &+= 1
        }
    }
}

/// Records in ascending ID order, shared by every snapshot of the same records: a listing of thousands of
/// connections hands out this one array rather than copying each record out of the table.
final class Listing<Record: StoredRecord>: Sendable {
    let records: [Record]

    init(_ records: [Record]) {
        self.records = records
    }

    /// A page: the records after the cursor, at most the limit.
    func page(_ page: PageRequest) -> [Record] {
        var low = 0
        if let after = page.after {
            var high = records.count
            while low < high {
                let middle = (low + high) / 2
                if records[middle].recordID <= after { low = middle + 1 } else { high = middle }
            }
        }
        if page.limit == nil, low == 0 { return records }
        return Array(records[low..<min(records.count, low + (page.limit ?? records.count))])
    }
}
