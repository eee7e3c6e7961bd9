import Foundation
import SQLiteNIO
import Storage
import StorageSQLite
import StorageTestSupport
import Testing

/// What the SQLite store leaves on disk. Its reads come from memory, so only the rows themselves show that a
/// batch's writes (each with its kept statement, in the batch's one transaction) reached SQLite.
@Suite struct SQLiteStoreTests {
    let scope = Scope(account: "123456789012", region: "us-east-1")

    /// The rows of a kind, by ID, as `ID → column`.
    static func column(_ column: String, kind: String, in path: String) async throws -> [String: String?] {
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        let rows: [SQLiteRow]
        do {
            rows = try await connection.query("SELECT id, \(column) FROM records WHERE kind = ?", [.text(kind)])
        } catch {
            try? await connection.close().get()
            throw error
        }
        // Closed before the caller goes on: the last connection to close checkpoints and removes the log, and a
        // store opening meanwhile would wait for it.
        try await connection.close().get()
        var values: [String: String?] = [:]
        for row in rows {
            guard let id = row.column("id")?.string else { continue }
            values[id] = row.column(column)?.string
        }
        return values
    }

    /// Start-up reads the records kept in memory in chunks of 2,000 rows and decodes them beside the reads
    /// (`SQLiteStatements.loadTables`): 9,001 records of two kinds in three scopes, saved interleaved, are all read
    /// back equal after reopening, each in its scope, and a record of a broken row fails the opening.
    @Test func aStoreOfManyLoadChunksIsReadBackWhole() async throws {
        let scopes = [
            scope, Scope(account: "210987654321", region: "us-east-1"),
            Scope(account: scope.account, region: "eu-west-1"),
        ]
        var connections: [Scope: [ConnectionRecord]] = [:]
        var lagRecords: [Scope: [LagRecord]] = [:]
        for index in 0..<9_001 {
            let scope = scopes[index % scopes.count]
            if index % 10 == 0 {
                lagRecords[scope, default: []].append(StoreContractTests.lag(String(format: "dxlag-%08x", index)))
            } else {
                let lag = index % 7 == 0 ? lagRecords[scope]?.last?.id : nil
                connections[scope, default: []].append(
                    StoreContractTests.connection(String(format: "dxcon-%08x", index), lagId: lag)
                )
            }
        }
        let (saved, lags) = (connections, lagRecords)
        try await withTemporaryDatabase { path in
            try await SQLiteStore.withStore(.file(path: path)) { store in
                // Four transactions, so that the rows of kinds and scopes are interleaved in rowid order.
                for part in 0..<4 {
                    try await store.transaction(.write) { transaction in
                        for scope in scopes {
                            for (index, lag) in (lags[scope] ?? []).enumerated() where index % 4 == part {
                                try await transaction.save(lag, in: scope)
                            }
                            for (index, record) in (saved[scope] ?? []).enumerated() where index % 4 == part {
                                try await transaction.save(record, in: scope)
                            }
                        }
                    }
                }
            }
            try await SQLiteStore.withStore(.file(path: path)) { store in
                try await store.transaction(.read) { transaction in
                    for scope in scopes {
                        // Compared whole, but reported by count: a dump of thousands of records says less.
                        let read = try await transaction.connections(of: .connection, in: scope, page: .all)
                        let expected = (saved[scope] ?? []).sorted { $0.id < $1.id }
                        let readLags = try await transaction.lags(in: scope, page: .all)
                        let sameConnections = read == expected
                        let sameLags = readLags == lags[scope] ?? []
                        #expect(sameConnections, "\(read.count) connections read of \(expected.count) in \(scope)")
                        #expect(sameLags, "\(readLags.count) LAGs read of \(lags[scope]?.count ?? 0) in \(scope)")
                    }
                }
            }
            // A body that is not a record's document: the store does not open.
            let connection = try await SQLiteConnection.open(storage: .file(path: path))
            _ = try await connection.query("UPDATE records SET body = '{' WHERE id = 'dxcon-00001f41'", [])
            try await connection.close()
            await #expect(throws: StoreError.self) { try await SQLiteStore.withStore(.file(path: path)) { _ in } }
        }
    }

    @Test func rowsFollowTheRecordsThroughSavesMovesAndDeletions() async throws {
        try await withTemporaryDatabase { path in
            let contract = StoreContractTests()
            let store = try await SQLiteStore.running(.file(path: path))
            let scope = scope
            let first = contract.secret("first")
            let second = contract.secret("second")
            // One batch of one transaction: new rows of three tables.
            try await store.transaction(.write) { transaction in
                try await transaction.save(StoreContractTests.connection("dxcon-a", lagId: "dxlag-1"), in: scope)
                try await transaction.save(StoreContractTests.connection("dxcon-b"), in: scope)
                try await transaction.save(first, in: scope)
            }
            // Moves between LAGs and out of one, a body-only change, a new secret and a deletion.
            try await store.transaction(.write) { transaction in
                try await transaction.save(StoreContractTests.connection("dxcon-a", lagId: "dxlag-2"), in: scope)
                try await transaction.save(StoreContractTests.connection("dxcon-b", lagId: "dxlag-2"), in: scope)
            }
            try await store.transaction(.write) { transaction in
                var renamed = StoreContractTests.connection("dxcon-b", lagId: nil)
                renamed.name = "renamed"
                try await transaction.save(renamed, in: scope)
                try await transaction.save(second, in: scope)
                try await transaction.deleteSecret(arn: first.arn, in: scope)
            }
            // A transaction that reads a secret from disk first: the batch runs inside BEGIN IMMEDIATE ... COMMIT.
            try await store.transaction(.write) { transaction in
                #expect(try await transaction.secret(arn: second.arn, in: scope) != nil)
                try await transaction.deleteConnection(id: "dxcon-a", in: scope)
            }
            try await store.close()

            // A connection's LAG is its second lookup; a secret's name its unique one.
            let lagIds = try await Self.column("lookup2", kind: "connection", in: path)
            #expect(Array(lagIds.keys) == ["dxcon-b"])
            #expect(lagIds["dxcon-b"] == .some(String?.none))
            let bodies = try await Self.column("body", kind: "connection", in: path)
            #expect(bodies["dxcon-b"]??.contains("renamed") == true)
            let names = try await Self.column("unique_key", kind: "secret", in: path)
            #expect(names == [second.arn: "second"])

            let reopened = try await SQLiteStore.running(.file(path: path))
            let (b, members) = try await reopened.transaction(.read) { transaction in
                (
                    try await transaction.connection(id: "dxcon-b", in: scope),
                    try await transaction.members(ofLag: "dxlag-2", in: scope)
                )
            }
            try await reopened.close()
            #expect(b?.name == "renamed" && b?.lagId == nil)
            #expect(members.isEmpty)
        }
    }

    /// Each step in a batch of its own, checked as committed; the last three in batches that read SQLite first
    /// (their rows go to SQLite inside their own transaction, so the in-memory tables cannot tell what it holds).
    @Test func theLagColumnTracksMembership() async throws {
        try await withTemporaryDatabase { path in
            let store = try await SQLiteStore.running(.file(path: path))
            let scope = scope
            let steps: [(lagId: String?, readsDisk: Bool)] = [
                ("dxlag-1", false), (nil, false), ("dxlag-2", false), ("dxlag-2", false),
                ("dxlag-3", true), ("dxlag-3", true), (nil, true),
            ]
            for step in steps {
                try await store.transaction(.write) { transaction in
                    if step.readsDisk { _ = try await transaction.secret(arn: "arn:none", in: scope) }
                    try await transaction.save(StoreContractTests.connection("dxcon-a", lagId: step.lagId), in: scope)
                }
                #expect(try await Self.column("lookup2", kind: "connection", in: path) == ["dxcon-a": step.lagId])
            }
            try await store.close()
        }
    }

    /// A database of schema 1 opens at the current schema: its connections, LAGs and secrets move into the one table
    /// of records with their lookups (a connection's kind and LAG, a secret's unique name), and the old tables and
    /// indexes are gone.
    @Test func aVersionOneDatabaseIsMigrated() async throws {
        try await withTemporaryDatabase { path in
            let secret = StoreContractTests().secret("kept")
            let member = StoreContractTests.connection("dxcon-member", lagId: "dxlag-kept")
            let interconnect = StoreContractTests.connection("dxcon-inter", kind: .interconnect)
            let lag = StoreContractTests.lag("dxlag-kept")
            let old = try await SQLiteConnection.open(storage: .file(path: path))
            for statement in SchemaVersion.steps[0] { _ = try await old.query(statement, []) }
            let place: [SQLiteData] = [.text(scope.account), .text(scope.region)]
            _ = try await old.query(
                "INSERT INTO secrets (account, region, arn, name, body) VALUES (?, ?, ?, ?, ?)",
                place + [.text(secret.arn), .text(secret.name), .text(RecordDocument.encode(secret))]
            )
            for connection in [member, interconnect] {
                _ = try await old.query(
                    "INSERT INTO connections (account, region, id, kind, lag_id, body) VALUES (?, ?, ?, ?, ?, ?)",
                    place + [
                        .text(connection.id), .text(connection.kind.rawValue),
                        connection.lagId.map { .text($0) } ?? .null,
                        .text(RecordDocument.encode(connection)),
                    ]
                )
            }
            _ = try await old.query(
                "INSERT INTO lags (account, region, id, body) VALUES (?, ?, ?, ?)",
                place + [.text(lag.id), .text(RecordDocument.encode(lag))]
            )
            _ = try await old.query("PRAGMA user_version = 1", [])
            try await old.close()

            let store = try await SQLiteStore.running(.file(path: path))
            let scope = scope
            let (found, members, interconnects, lags) = try await store.transaction(.read) { transaction in
                (
                    try await transaction.secret(name: "kept", in: scope),
                    try await transaction.members(ofLag: "dxlag-kept", in: scope),
                    try await transaction.connections(of: .interconnect, in: scope, page: .all),
                    try await transaction.lags(in: scope, page: .all)
                )
            }
            // The unique name still refuses a second secret of that name.
            await #expect(throws: StoreError.self) {
                try await store.transaction(.write) { transaction in
                    var twin = secret
                    twin.arn += "-twin"
                    try await transaction.save(twin, in: scope)
                }
            }
            try await store.close()
            #expect(found == secret)
            #expect(members == [member])
            #expect(interconnects == [interconnect])
            #expect(lags == [lag])
            let migrated = try await SQLiteConnection.open(storage: .file(path: path))
            defer { _ = migrated.close() }
            let version = try await migrated.query("PRAGMA user_version", []).first?.column("user_version")?.integer
            #expect(version == SchemaVersion.current)
            let objects = try await migrated.query("SELECT name FROM sqlite_master", []).compactMap {
                $0.column("name")?.string
            }
            #expect(
                !objects.contains { ["connections", "lags", "secrets", "secrets_name", "secrets_arn"].contains($0) }
            )
            #expect(Set(["records", "records_lookup1", "records_lookup2", "records_unique"]).isSubset(of: objects))
        }
    }

    /// A write that only fails at its batch's COMMIT (a trigger another connection added refuses some IDs): every
    /// writer of that batch fails, and nothing of it stays; the batches around it commit.
    /// Each writer adds its tag to one record, so a writer that committed on top of a failed one would leave a tag
    /// that was never committed: the record must hold exactly the tags of the writers that succeeded.
    @Test func aFailedCommitFailsOnlyItsOwnWriters() async throws {
        try await withTemporaryDatabase { path in
            let scope = scope
            let store = try await SQLiteStore.running(.file(path: path))
            try await store.transaction(.write) { transaction in
                var record = StoreContractTests.connection("dxcon-counter")
                record.tags = []
                try await transaction.save(record, in: scope)
            }
            let other = try await SQLiteConnection.open(storage: .file(path: path))
            _ = try await other.query(
                """
                CREATE TRIGGER refuse_poison BEFORE INSERT ON records WHEN NEW.id LIKE 'dxcon-poison%'
                    BEGIN SELECT RAISE(ABORT, 'refused'); END
                """,
                []
            )
            try await other.close()

            /// Runs `count` writers from `first` at once, or spread over a few dozen milliseconds (so that batches commit
            /// one after another) with every twentieth one refused; the indexes of those that succeeded.
            @Sendable func writers(from first: Int, count: Int, spread: Bool) async -> Set<Int> {
                await withTaskGroup(of: Int?.self) { group in
                    for index in first..<(first + count) {
                        group.addTask {
                            if spread { try? await Task.sleep(for: .microseconds(400 * (index - first))) }
                            do {
                                try await store.transaction(.write) { transaction in
                                    guard var record = try await transaction.connection(id: "dxcon-counter", in: scope)
                                    else { return }
                                    record.tags.append(TagRecord(key: "t\(index)", value: nil))
                                    try await transaction.save(record, in: scope)
                                    if spread, index % 20 == 7 {
                                        try await transaction.save(
                                            StoreContractTests.connection("dxcon-poison\(index)"),
                                            in: scope
                                        )
                                    }
                                }
                                return index
                            } catch {
                                return nil
                            }
                        }
                    }
                    var succeeded: Set<Int> = []
                    for await index in group { if let index { succeeded.insert(index) } }
                    return succeeded
                }
            }
            // First writers without a refused one, which all commit; then writers among which some are refused.
            let before = await writers(from: 100, count: 20, spread: false)
            #expect(before.count == 20)
            let among = await writers(from: 0, count: 60, spread: true)
            #expect(among.allSatisfy { $0 % 20 != 7 })
            let succeeded = before.union(among)

            // A later writer commits.
            try await store.transaction(.write) {
                try await $0.save(StoreContractTests.connection("dxcon-after"), in: scope)
            }
            let expected = Set(succeeded.map { "t\($0)" })
            let (inMemory, poisoned) = try await store.transaction(.read) { transaction in
                (
                    try await transaction.connection(id: "dxcon-counter", in: scope),
                    try await transaction.connections(of: .connection, in: scope, page: .all).map(\.id)
                        .filter { $0.hasPrefix("dxcon-poison") }
                )
            }
            #expect(inMemory?.tags.count == expected.count)
            #expect(Set(inMemory?.tags.map(\.key) ?? []) == expected)
            #expect(poisoned.isEmpty)
            try await store.close()

            let reopened = try await SQLiteStore.running(.file(path: path))
            let (onDisk, after) = try await reopened.transaction(.read) { transaction in
                (
                    try await transaction.connection(id: "dxcon-counter", in: scope),
                    try await transaction.connection(id: "dxcon-after", in: scope)
                )
            }
            try await reopened.close()
            #expect(onDisk?.tags.count == expected.count)
            #expect(Set(onDisk?.tags.map(\.key) ?? []) == expected)
            #expect(after != nil)
        }
    }

    /// A body that needs SQLite (a listing of secrets) first writes its batch's earlier rows; when SQLite refuses one
    /// of them (a trigger another connection added), the whole batch fails, the earlier writer too, and nothing of it
    /// stays, in memory or on disk, instead of the batch committing without the rows it had taken.
    @Test func rowsRefusedBeforeALaterBodysQueryFailTheWholeBatch() async throws {
        try await withTemporaryDatabase { path in
            let scope = scope
            let contract = StoreContractTests()
            let store = try await SQLiteStore.running(.file(path: path))
            try await store.transaction(.write) { try await $0.save(contract.secret("stored"), in: scope) }
            let other = try await SQLiteConnection.open(storage: .file(path: path))
            _ = try await other.query(
                """
                CREATE TRIGGER refuse_poison BEFORE INSERT ON records WHEN NEW.id LIKE 'dxcon-poison%'
                    BEGIN SELECT RAISE(ABORT, 'refused'); END
                """,
                []
            )
            try await other.close()

            @Sendable func succeeds(
                _ body: @escaping @Sendable (any StoreTransaction) async throws -> Void
            ) async -> Bool {
                do {
                    try await store.transaction(.write, body)
                    return true
                } catch {
                    return false
                }
            }
            let (started, startedSignal) = AsyncStream.makeStream(of: Void.self)
            // The first body holds its batch until the second write has queued behind it (the store counts it), so
            // that the second joins the batch once the body returns, however slow the machine. (Bounded, so that a
            // write that never queues fails the test below instead of hanging it.)
            async let first = succeeds { transaction in
                try await transaction.save(StoreContractTests.connection("dxcon-poison1"), in: scope)
                startedSignal.yield()
                let deadline = ContinuousClock.now + .seconds(30)
                while store.queuedWrites == 0, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
            for await _ in started { break }
            let second = await succeeds { transaction in
                _ = try await transaction.secrets(in: scope, page: .all)
            }
            #expect(await first == false)
            #expect(second == false)

            try await store.transaction(.write) {
                try await $0.save(StoreContractTests.connection("dxcon-after"), in: scope)
            }
            @Sendable func state(
                _ store: SQLiteStore
            ) async throws -> (poisoned: [String], after: Bool, secrets: [String]) {
                try await store.transaction(.read) { transaction in
                    (
                        try await transaction.connections(of: .connection, in: scope, page: .all).map(\.id)
                            .filter { $0.hasPrefix("dxcon-poison") },
                        try await transaction.connection(id: "dxcon-after", in: scope) != nil,
                        try await transaction.secrets(in: scope, page: .all).map(\.name)
                    )
                }
            }
            let inMemory = try await state(store)
            try await store.close()
            let reopened = try await SQLiteStore.running(.file(path: path))
            let onDisk = try await state(reopened)
            try await reopened.close()
            for found in [inMemory, onDisk] {
                #expect(found.poisoned.isEmpty)
                #expect(found.after)
                #expect(found.secrets == ["stored"])
            }
        }
    }

    /// Bodies that need SQLite (a secret read from disk, a listing of secrets) begin their batch's SQLite transaction
    /// on the writer connection; no update is lost and every listing sees the secrets committed before it and those
    /// its own batch wrote.
    @Test func bodiesThatReadFromDiskTakeTurnsWithTheCommits() async throws {
        try await withTemporaryDatabase { path in
            let scope = scope
            let contract = StoreContractTests()
            let store = try await SQLiteStore.running(.file(path: path))
            try await store.transaction(.write) { transaction in
                var record = StoreContractTests.connection("dxcon-counter")
                record.tags = []
                try await transaction.save(record, in: scope)
                try await transaction.save(contract.secret("stored"), in: scope)
            }
            let arn = contract.secret("stored").arn
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<90 {
                    group.addTask {
                        try await store.transaction(.write) { transaction in
                            switch index % 3 {
                            case 0:
                                #expect(try await transaction.secret(arn: arn, in: scope)?.name == "stored")
                            case 1:
                                try await transaction.save(contract.secret("s\(index)"), in: scope)
                                let names = try await transaction.secrets(in: scope, page: .all).map(\.name)
                                #expect(names.contains("stored") && names.contains("s\(index)"))
                            default:
                                break
                            }
                            guard var record = try await transaction.connection(id: "dxcon-counter", in: scope)
                            else { return }
                            record.tags.append(TagRecord(key: "t\(index)", value: nil))
                            try await transaction.save(record, in: scope)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let (record, secrets) = try await store.transaction(.read) { transaction in
                (
                    try await transaction.connection(id: "dxcon-counter", in: scope),
                    try await transaction.secrets(in: scope, page: .all)
                )
            }
            try await store.close()
            #expect(record?.tags.count == 90)
            #expect(secrets.count == 31)
        }
    }
}
