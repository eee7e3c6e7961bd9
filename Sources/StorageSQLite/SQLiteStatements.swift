import Foundation
import Storage

/// The SQL the store runs on one SQLite connection: secrets, which are read from disk, and the writes of a batch.
struct SQLiteStatements: Sendable {
    let connection: SQLiteHandle

    func execute(_ sql: String, _ binds: [SQLValue] = []) async throws {
        try await connection.execute(sql, binds)
    }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try await connection.query(sql, binds)
    }

    private func decode<T: RecordDocument.Readable>(_ rows: [SQLRow], as type: T.Type) throws -> [T] {
        try rows.map { row in
            guard let body = row.column("body")?.string else {
                throw StoreError(.corrupt, "a \(T.self) row has no body")
            }
            return try RecordDocument.decode(T.self, from: body)
        }
    }

    private static func scope(of row: SQLRow) throws -> Scope {
        guard let account = row.column("account")?.string, let region = row.column("region")?.string else {
            throw StoreError(.corrupt, "a row has no scope")
        }
        return Scope(account: account, region: region)
    }

    // MARK: Loading

    /// The committed tables of `kinds` as the database holds them: what the store starts from.
    func loadCommittedTables(_ kinds: [any StoredRecord.Type]) async throws -> CommittedTables {
        CommittedTables(try await loadTables(kinds), uniqueValues: try await loadUniqueValues(kinds))
    }

    /// Every record of the kinds kept in memory, by scope and kind, read in rowid order in chunks so that no large
    /// result is held at once. A row of a kind `kinds` lacks is left on disk.
    ///
    /// Decoding the documents is most of start-up (100,000 connections: 60 % of its CPU, the reads 12 %; perf,
    /// 2026-12-04), so each chunk is decoded in a child task, on any core, while the connection reads the next;
    /// at most `decodingAhead` chunks wait for decoding, and the records are gathered back in rowid order.
    func loadTables(_ kinds: [any StoredRecord.Type]) async throws -> [Scope: ScopeTables] {
        let types = Dictionary(
            kinds.filter { $0.recordKind.keptInMemory }.map { ($0.recordKind.name, $0) },
            uniquingKeysWith: { _, last in last }
        )
        guard !types.isEmpty else { return [:] }
        let names = types.keys.sorted()
        let placeholders = names.map { _ in "?" }.joined(separator: ", ")
        let chunks = try await withThrowingTaskGroup(of: (Int, [LoadedRecord]).self) { group in
            var chunks: [[LoadedRecord]] = []
            var decoding = 0
            var after = 0
            while true {
                let rows = try await query(
                    """
                    SELECT rowid, kind, account, region, body FROM records WHERE rowid > ? AND kind IN (\(placeholders))
                        ORDER BY rowid LIMIT \(Self.loadChunk)
                    """,
                    [.integer(after)] + names.map { .text($0) }
                )
                let index = chunks.count
                chunks.append([])
                group.addTask { (index, try Self.decodeLoaded(rows, types: types)) }
                decoding += 1
                if decoding > Self.decodingAhead, let (done, records) = try await group.next() {
                    chunks[done] = records
                    decoding -= 1
                }
                guard rows.count == Self.loadChunk, let last = rows.last?.column("rowid")?.integer else { break }
                after = last
            }
            for try await (done, records) in group { chunks[done] = records }
            return chunks
        }
        // Gathered per scope first, so that each scope's tables are made at their final size: growing a table of
        // 100,000 connections one record at a time moved them all at every doubling (a sixth of start-up).
        var gathered: [Scope: [String: [any StoredRecord]]] = [:]
        for chunk in chunks {
            for loaded in chunk { gathered[loaded.scope, default: [:]][loaded.kind, default: []].append(loaded.record) }
        }
        return gathered.mapValues { ScopeTables($0) }
    }

    /// Rows a query reads at a time when loading, and chunks read ahead of their decoding at most.
    private static let loadChunk = 2000
    private static let decodingAhead = 2

    /// A record read back at start-up, with the scope and kind of its row.
    private struct LoadedRecord: Sendable {
        var scope: Scope
        var kind: String
        var record: any StoredRecord
    }

    private static func decodeLoaded(
        _ rows: [SQLRow],
        types: [String: any StoredRecord.Type]
    ) throws -> [LoadedRecord] {
        try rows.map { row in
            guard let kind = row.column("kind")?.string, let type = types[kind],
                let body = row.column("body")?.string
            else { throw StoreError(.corrupt, "a record row has no kind or body") }
            return LoadedRecord(scope: try scope(of: row), kind: kind, record: try type.decodeStored(from: body))
        }
    }

    /// The unique values the records of kinds not kept in memory hold, read from the unique index alone in pages of
    /// 5,000 and kept as hashes in their scope and kind (`SeenUniqueValues`).
    func loadUniqueValues(_ kinds: [any StoredRecord.Type]) async throws -> SeenUniqueValues {
        var values = SeenUniqueValues()
        for kind in kinds.map({ $0.recordKind }) where !kind.keptInMemory && kind.unique != nil {
            var after = (account: "", region: "", value: "")
            while true {
                // In the unique index's order, from it alone.
                let rows = try await query(
                    """
                    SELECT account, region, unique_key FROM records WHERE kind = ? AND unique_key IS NOT NULL
                        AND (account, region, unique_key) > (?, ?, ?) ORDER BY account, region, unique_key LIMIT 5000
                    """,
                    [.text(kind.name), .text(after.account), .text(after.region), .text(after.value)]
                )
                for row in rows {
                    guard let value = row.column("unique_key")?.string else {
                        throw StoreError(.corrupt, "a unique value is missing")
                    }
                    let scope = try Self.scope(of: row)
                    values.insert(value, kind: kind.name, in: scope)
                    after = (scope.account, scope.region, value)
                }
                if rows.count < 5000 { break }
            }
        }
        return values
    }

    // MARK: Reading

    func record<R: StoredRecord>(_ type: R.Type, id: String, in scope: Scope) async throws -> R? {
        let rows = try await query(
            "SELECT body FROM records WHERE kind = ? AND account = ? AND region = ? AND id = ?",
            [.text(R.recordKind.name), .text(scope.account), .text(scope.region), .text(id)]
        )
        return try decode(rows, as: R.self).first
    }

    func records<R: StoredRecord>(
        _ type: R.Type,
        in scope: Scope,
        matching match: RecordMatch?,
        page: PageRequest
    ) async throws -> [R] {
        var binds: [SQLValue] = [.text(R.recordKind.name), .text(scope.account), .text(scope.region)]
        var sql = "SELECT body FROM records WHERE kind = ? AND account = ? AND region = ?"
        if let match {
            // One of three column names of ours, never text from a request.
            sql += " AND \(match.slot.column) = ?"
            binds.append(.text(match.value))
        }
        if let after = page.after {
            sql += " AND id > ?"
            binds.append(.text(after))
        }
        sql += " ORDER BY id"
        if let limit = page.limit {
            sql += " LIMIT ?"
            binds.append(.integer(limit))
        }
        return try decode(try await query(sql, binds), as: R.self)
    }

    func recordsInEveryScope<R: StoredRecord>(
        _ type: R.Type,
        after position: RecordPosition?,
        limit: Int
    ) async throws -> [Scoped<R>] {
        let start = position ?? RecordPosition(scope: Scope(account: "", region: ""), id: "")
        let rows = try await query(
            """
            SELECT account, region, body FROM records WHERE kind = ? AND (account, region, id) > (?, ?, ?)
                ORDER BY account, region, id LIMIT ?
            """,
            [
                .text(R.recordKind.name), .text(start.scope.account), .text(start.scope.region), .text(start.id),
                .integer(limit),
            ]
        )
        return try zip(rows, decode(rows, as: R.self)).map { row, record in
            Scoped(scope: try Self.scope(of: row), record: record)
        }
    }

    // MARK: Writing

    /// Commits the batch's open transaction, on the connection's thread (with `synchronous=FULL`, syncs the log); on
    /// failure it is rolled back, and nothing of the batch stays.
    static func commit(on connection: SQLiteHandle.Connection) throws {
        try rollingBack(on: connection) { try $0.execute("COMMIT") }
    }

    /// A batch's rows: BEGIN IMMEDIATE unless the transaction is open, and the rows; on failure the transaction is
    /// rolled back.
    ///
    /// `stored`: what the database's rows hold, when the batch knows it without asking SQLite (`SavedLookups`), so
    /// that a record's lookup columns are compared there rather than by an UPDATE in SQLite.
    static func begin(
        writing writes: PendingWrites,
        stored: SavedLookups?,
        on connection: SQLiteHandle.Connection
    ) throws {
        if !connection.inTransaction { try connection.execute("BEGIN IMMEDIATE") }
        try rollingBack(on: connection) { try write(writes, stored: stored, on: $0) }
    }

    /// Runs `step` inside the open transaction, which it rolls back when `step` throws.
    private static func rollingBack(
        on connection: SQLiteHandle.Connection,
        _ step: (SQLiteHandle.Connection) throws -> Void
    ) throws {
        do {
            try step(connection)
        } catch {
            if connection.inTransaction { try? connection.execute("ROLLBACK") }
            throw error
        }
    }

    /// Writes pending records inside the open transaction (before a listing that SQLite answers).
    func write(_ writes: PendingWrites) async throws {
        try await connection.perform { try Self.write(writes, stored: nil, on: $0) }
    }

    /// Rolls back the open transaction, if there is one.
    func rollback() async {
        try? await connection.perform { connection in
            if connection.inTransaction { try connection.execute("ROLLBACK") }
        }
    }

    /// Whether a record's saved lookup values may differ from its own. Without `stored`, or for a kind not kept in
    /// memory, SQLite compares; a row `stored` lacks does not exist yet, and its INSERT sets them.
    private static func lookupsMayChange(
        _ record: any StoredRecord,
        _ key: RecordKey,
        stored: SavedLookups?
    )
        -> Bool
    {
        guard let stored, key.keptInMemory else { return true }
        guard let saved = stored.lookups(key) else { return false }
        return saved != record.lookupValues
    }

    /// Writes each pending record with its kept statements, deletions first, so that a unique value a deleted record
    /// held can be taken in the same batch. Lookup columns are set only when they change: setting one rewrites its
    /// index entry, which nearly doubled the pages a batch of connection updates wrote to the log; where `stored`
    /// knows the row as the database holds it, it tells whether they change, and SQLite is not asked.
    private static func write(
        _ writes: PendingWrites,
        stored: SavedLookups?,
        on connection: SQLiteHandle.Connection
    ) throws {
        // One array of binds for every statement, its storage kept: building each statement's binds from
        // `place + values + [body]` made five to seven arrays a row (malloc probe, key rotation, 2026-12-06).
        var binds: [SQLValue] = []
        binds.reserveCapacity(14)
        // Where each row's document is written and bound from, for the whole batch (`RecordDocument.withEncoded`).
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 8192)
        defer { scratch.deallocate() }
        func place(_ key: RecordKey) {
            binds.append(.text(key.kind))
            binds.append(.text(key.scope.account))
            binds.append(.text(key.scope.region))
            binds.append(.text(key.id))
        }
        func lookups(_ values: LookupValues) {
            binds.append(values.first.map { .text($0) } ?? .null)
            binds.append(values.second.map { .text($0) } ?? .null)
            binds.append(values.unique.map { .text($0) } ?? .null)
        }
        for (key, record) in writes.records where record == nil {
            binds.removeAll(keepingCapacity: true)
            place(key)
            try connection.execute(
                "DELETE FROM records WHERE kind = ? AND account = ? AND region = ? AND id = ?",
                binds
            )
        }
        for case (let key, let record?) in writes.records {
            let values = record.lookupValues
            if key.keptInMemory, lookupsMayChange(record, key, stored: stored) {
                binds.removeAll(keepingCapacity: true)
                lookups(values)
                place(key)
                lookups(values)
                try connection.execute(
                    """
                    UPDATE records SET lookup1 = ?, lookup2 = ?, unique_key = ?
                        WHERE kind = ? AND account = ? AND region = ? AND id = ?
                        AND (lookup1 IS NOT ? OR lookup2 IS NOT ? OR unique_key IS NOT ?)
                    """,
                    binds
                )
            }
            binds.removeAll(keepingCapacity: true)
            place(key)
            lookups(values)
            // A kind kept in memory had its lookups set above, where they change. Of a kind read from disk the store
            // cannot tell, so its one statement also sets the lookup columns the kind declares (a separate
            // conditional UPDATE cost a statement a save).
            let sql = key.keptInMemory ? bodyUpsert : upsert(settingLookupsOf: type(of: record).recordKind)
            try RecordDocument.withEncoded(record, in: scratch) { document in
                try connection.execute(sql, binds, lastText: document)
            }
        }
    }

    /// The upsert of a record that also sets, on update, the lookup columns its kind declares: one text for each
    /// of the eight sets of slots, made once (made for every save, it was four allocations a new secret).
    private static func upsert(settingLookupsOf kind: RecordKind) -> String {
        upserts[(kind.lookups.isEmpty ? 0 : 1) + (kind.lookups.count > 1 ? 2 : 0) + (kind.unique == nil ? 0 : 4)]
    }

    /// The upsert that sets the body alone (no slot).
    private static let bodyUpsert = upserts[0]

    private static let upserts: [String] = (0..<8).map { slots in
        var columns = ["body"]
        if slots & 1 != 0 { columns.append("lookup1") }
        if slots & 2 != 0 { columns.append("lookup2") }
        if slots & 4 != 0 { columns.append("unique_key") }
        return """
            INSERT INTO records (kind, account, region, id, lookup1, lookup2, unique_key, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (kind, account, region, id) DO UPDATE SET \(columns.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
            """
    }
}
