import Foundation
import SQLiteNIO
import Storage
import StorageTestSupport
import Testing

@testable import StorageSQLite

/// The store's own SQLite connection: values in and out, kept statements reused, errors as the store's.
@Suite struct SQLiteHandleTests {
    @Test func keptStatementsAnswerEachCallWithItsOwnValues() async throws {
        let handle = try await SQLiteHandle.open(.memory)
        try await handle.execute("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER, note TEXT)")
        let insert = "INSERT INTO t (id, n, note) VALUES (?, ?, ?)"
        try await handle.execute(insert, [.text("a"), .integer(1), .null])
        try await handle.execute(insert, [.text("b"), .integer(-2), .text("é ✓")])
        let select = "SELECT id, n, note FROM t WHERE id = ?"
        for (id, n, note) in [("a", 1, SQLValue.null), ("b", -2, .text("é ✓")), ("a", 1, .null)] {
            let rows = try await handle.query(select, [.text(id)])
            #expect(rows.count == 1)
            #expect(rows.first?.column("n")?.integer == n)
            #expect(rows.first?.column("note") == note)
        }
        #expect(try await handle.query(select, [.text("c")]).isEmpty)
        await handle.close()
    }

    @Test func aViolatedConstraintIsAConflictAndTheStatementStillWorks() async throws {
        let handle = try await SQLiteHandle.open(.memory)
        try await handle.execute("CREATE TABLE t (id TEXT PRIMARY KEY)")
        let insert = "INSERT INTO t (id) VALUES (?)"
        try await handle.execute(insert, [.text("a")])
        await #expect(throws: StoreError(.conflict, "")) { try await handle.execute(insert, [.text("a")]) }
        try await handle.execute(insert, [.text("b")])
        #expect(
            try await handle.query("SELECT id FROM t ORDER BY id").compactMap { $0.column("id")?.string } == ["a", "b"]
        )
        await #expect(throws: StoreError(.unavailable, "")) { try await handle.execute("NOT SQL") }
        await handle.close()
        await #expect(throws: StoreError(.unavailable, "")) { try await handle.query("SELECT 1") }
    }

    @Test func aTransactionOpenOnTheConnectionIsSeen() async throws {
        let handle = try await SQLiteHandle.open(.memory)
        #expect(try await handle.perform { $0.inTransaction } == false)
        try await handle.execute("BEGIN")
        #expect(try await handle.perform { $0.inTransaction } == true)
        try await handle.execute("COMMIT")
        #expect(try await handle.perform { $0.inTransaction } == false)
        await handle.close()
    }

    /// A file database in WAL mode, synced as the store syncs it, with a table `t (id, body)`.
    private static func openLoggedTable(at path: String) async throws -> SQLiteHandle {
        let handle = try await SQLiteHandle.open(.file(path: path))
        try await handle.execute("PRAGMA journal_mode=WAL")
        try await handle.execute("PRAGMA synchronous=FULL")
        try await handle.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
        return handle
    }

    /// A file database's log writes are gathered into one per commit (`CSQLiteWAL`): commits small and large (one
    /// larger than what is gathered at most, which goes out in pieces during the transaction) read back whole, from
    /// this connection and from another connection on SQLite's own VFS, and the database is intact.
    @Test func gatheredLogWritesReadBackWhole() async throws {
        try await withTemporaryDatabase { path in
            let handle = try await Self.openLoggedTable(at: path)
            let sizes = [10, 5_000, 70_000, 300_000, 6_000_000, 1]
            for (id, size) in sizes.enumerated() {
                let body = String(repeating: Character(UnicodeScalar(UInt8(97 + id))), count: size)
                try await handle.execute("BEGIN IMMEDIATE")
                try await handle.execute("INSERT INTO t (id, body) VALUES (?, ?)", [.integer(id), .text(body)])
                try await handle.execute("UPDATE t SET body = body || 'z' WHERE id = ?", [.integer(id)])
                try await handle.execute("COMMIT")
            }
            func check(_ rows: [(Int, Int, String)]) {
                #expect(rows.map(\.0) == Array(sizes.indices))
                for (id, length, first) in rows {
                    #expect(length == sizes[id] + 1)
                    #expect(first == String(Character(UnicodeScalar(UInt8(97 + id)))))
                }
            }
            let select = "SELECT id, length(body) AS length, substr(body, 1, 1) AS first FROM t ORDER BY id"
            check(
                try await handle.query(select).map {
                    (
                        $0.column("id")?.integer ?? -1, $0.column("length")?.integer ?? -1,
                        $0.column("first")?.string ?? ""
                    )
                }
            )
            let other = try await SQLiteConnection.open(storage: .file(path: path))
            check(
                try await other.query(select, []).map {
                    (
                        $0.column("id")?.integer ?? -1, $0.column("length")?.integer ?? -1,
                        $0.column("first")?.string ?? ""
                    )
                }
            )
            let integrity = try await other.query("PRAGMA integrity_check", []).first?.column("integrity_check")?.string
            #expect(integrity == "ok")
            try await other.close()
            await handle.close()
        }
    }

    /// Reading the log does not move its access time (`CSQLiteWAL` reads it through a descriptor opened with
    /// O_NOATIME): with relatime, a read after a commit otherwise dirtied the inode, and ext4 without a journal
    /// writes a dirty inode's block in the next commit's fdatasync. A plain read of the same file, first, shows that
    /// this file system does keep access times, so the check below can fail.
    @Test func readingTheLogLeavesItsAccessTime() async throws {
        try await withTemporaryDatabase { path in
            let handle = try await Self.openLoggedTable(at: path)
            for id in 0..<20 {
                try await handle.execute(
                    "INSERT INTO t (id, body) VALUES (?, ?)",
                    [.integer(id), .text(String(repeating: "b", count: 3_000))]
                )
            }
            let log = path + "-wal"
            func accessTime() -> Int {
                var info = stat()
                #expect(stat(log, &info) == 0)
                return info.st_atim.tv_sec
            }
            func resetAccessTime() {
                // The access time to 1970, the modification time left as it is: relatime moves it on any read.
                let utimeOmit = (1 << 30) - 2  // UTIME_OMIT, a macro Swift does not import
                var times = [timespec(tv_sec: 0, tv_nsec: 0), timespec(tv_sec: 0, tv_nsec: utimeOmit)]
                #expect(utimensat(AT_FDCWD, log, &times, 0) == 0)
                #expect(accessTime() == 0)
            }
            resetAccessTime()
            _ = try FileHandle(forReadingFrom: URL(fileURLWithPath: log)).readToEnd()
            #expect(accessTime() != 0, "this file system keeps no access times: the check below would prove nothing")
            resetAccessTime()
            // A second connection of the store has none of the log's pages cached: it reads each from the log.
            let reader = try await SQLiteHandle.open(.file(path: path))
            let rows = try await reader.query("SELECT count(*) AS n, sum(length(body)) AS total FROM t")
            #expect(rows.first?.column("n")?.integer == 20)
            #expect(rows.first?.column("total")?.integer == 60_000)
            #expect(accessTime() == 0)
            await reader.close()
            await handle.close()
        }
    }
}
