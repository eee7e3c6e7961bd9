import AWSJSONProtocol

/// What a kind of record is to the stores. Every kind is kept the same way, by (kind, account, region or global, ID),
/// found by the lookups it declares here; a new kind is a record in `scripts/records.json` with a `stored` entry, and
/// needs no store code and no SQL.
package struct RecordKind: Hashable, Sendable {
    /// The name stored beside each record (`connection`, `lag`, `secret`...).
    package let name: String
    /// The members the kind is also found by, in slot order (at most two), e.g. a connection's kind and LAG.
    package let lookups: [String]
    /// The member whose value is unique among the kind's records of a scope (a secret's name), if any.
    package let unique: String?
    /// Whether the embedded store keeps every record of the kind in memory as well as on disk: `false` for records
    /// another process rewrites (`rotate-master-key` re-seals secrets), which are read from disk.
    package let keptInMemory: Bool

    package init(name: String, lookups: [String] = [], unique: String? = nil, keptInMemory: Bool = true) {
        precondition(lookups.count <= 2, "a kind declares at most two lookups beside its unique one")
        self.name = name
        self.lookups = lookups
        self.unique = unique
        self.keptInMemory = keptInMemory
    }
}

/// One of the places a record's lookup values are kept: the columns `lookup1`, `lookup2` and `unique_key`.
package enum LookupSlot: Int, Hashable, Sendable, CaseIterable {
    case first
    case second
    case unique

    /// The column of the `records` table that holds the slot's values (`SchemaVersion`), in both backends.
    package var column: String {
        switch self {
        case .first: "lookup1"
        case .second: "lookup2"
        case .unique: "unique_key"
        }
    }
}

/// The values a record is found by, slot by slot; `nil` where it is not found by that slot.
package struct LookupValues: Hashable, Sendable {
    package var first: String?
    package var second: String?
    package var unique: String?

    package init(first: String? = nil, second: String? = nil, unique: String? = nil) {
        self.first = first
        self.second = second
        self.unique = unique
    }

    package subscript(slot: LookupSlot) -> String? {
        switch slot {
        case .first: first
        case .second: second
        case .unique: unique
        }
    }
}

/// A query's condition: the records whose value in a slot is `value`.
package struct RecordMatch: Hashable, Sendable {
    package var slot: LookupSlot
    package var value: String

    package init(_ slot: LookupSlot, _ value: String) {
        self.slot = slot
        self.value = value
    }
}

/// A record a store keeps: its kind, its ID and its lookup values, beside the document its generated writer and
/// reader make of it (`RecordDocument`). The conformances are generated from `scripts/records.json`.
package protocol StoredRecord: RecordDocument.Readable, AWSJSONValue, Hashable, Sendable {
    static var recordKind: RecordKind { get }
    /// The ID that keys the record in its scope (a secret's ARN).
    var recordID: String { get }
    var lookupValues: LookupValues { get }
}

extension StoredRecord {
    /// Whether the record answers the condition (every record answers none).
    package func matches(_ match: RecordMatch?) -> Bool {
        guard let match else { return true }
        return lookupValues[match.slot] == match.value
    }

    /// The record a stored document holds, as the kind's type (for stores that know the kind only by name).
    package static func decodeStored(from body: String) throws -> any StoredRecord {
        try RecordDocument.decode(Self.self, from: body)
    }
}

/// Where a record stands in the order of `recordsInEveryScope`: its scope, then its ID.
package struct RecordPosition: Hashable, Sendable, Comparable {
    package var scope: Scope
    package var id: String

    package init(scope: Scope, id: String) {
        self.scope = scope
        self.id = id
    }

    package static func < (lhs: RecordPosition, rhs: RecordPosition) -> Bool {
        (lhs.scope.account, lhs.scope.region, lhs.id) < (rhs.scope.account, rhs.scope.region, rhs.id)
    }
}

/// A record with the scope it lives in.
package struct Scoped<Record: StoredRecord>: Hashable, Sendable {
    package var scope: Scope
    package var record: Record

    package init(scope: Scope, record: Record) {
        self.scope = scope
        self.record = record
    }

    package var position: RecordPosition { RecordPosition(scope: scope, id: record.recordID) }
}
