import Storage
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
}
