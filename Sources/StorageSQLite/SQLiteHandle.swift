import CSQLiteWAL
import Storage
// The SQLite library sqlite-nio builds (its symbols carry a `sqlite_nio_` prefix). The store talks to it directly:
// sqlite-nio prepares every query anew and hops to a shared thread pool for each, and a batch of writes is many
// small statements; here each connection keeps its prepared statements and has a thread of its own, and a whole
// batch (BEGIN, every row, COMMIT) is one hop to it.
import VaporCSQLite

/// The VFS for file databases (`CSQLiteWAL`), or `nil` (SQLite's default) when it could not be registered.
private let walVFS: String? = csqlitewal_register() == SQLITE_OK ? CSQLITEWAL_VFS_NAME : nil

/// A value bound to a statement or read from a row.
enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int)
    case text(String)

    var string: String? {
        if case .text(let value) = self { return value }
        return nil
    }

    var integer: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }
}

/// A row of a result, its values by column name. The names are the result's, shared by all its rows, and looked up
/// in order (a handful of columns): a dictionary a row cost a sixth of start-up with 100,000 records in hashing
/// and allocation (perf, 2026-12-02).
struct SQLRow: Sendable {
    private let names: [String?]
    private let values: [SQLValue]

    init(names: [String?], values: [SQLValue]) {
        self.names = names
        self.values = values
    }

    func column(_ name: String) -> SQLValue? {
        guard let index = names.firstIndex(of: name), index < values.count else { return nil }
        return values[index]
    }
}

/// One SQLite connection, used only on a thread of its own, that keeps the statements it has prepared.
///
/// `@unchecked Sendable`: the connection handle and the statement cache are only touched by `perform`'s bodies, and
/// those run one at a time on the handle's single thread.
final class SQLiteHandle: @unchecked Sendable {
    /// The connection's thread. A task that prefers it as its executor (the write loop) runs `perform`'s bodies
    /// without a hop.
    let thread: ConnectionThread
    private var database: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]

    /// Statements kept at most; every statement the store runs is one of a few dozen texts, so this is only a bound.
    private static let keptStatements = 128

    private init(thread: ConnectionThread, database: OpaquePointer?) {
        self.thread = thread
        self.database = database
    }

    /// A handle dropped without `close()` still frees its connection and its thread (nothing else can reach it now).
    deinit {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        sqlite_nio_sqlite3_close_v2(database)
        thread.stop()
    }

    /// Opens a database file, creating it when missing, or a private in-memory database.
    static func open(_ location: SQLiteStore.Location) async throws -> SQLiteHandle {
        let path: String
        let vfs: String?
        switch location {
        case .memory:
            path = ":memory:"
            vfs = nil
        case .file(let filePath):
            path = filePath
            // The store's file databases run with synchronous=FULL, which the log-gathering VFS needs.
            vfs = walVFS
        }
        let thread = ConnectionThread(name: "SQLite")
        do {
            let database = try await withTaskExecutorPreference(thread) {
                var database: OpaquePointer?
                // NOMUTEX: one thread uses the connection, so SQLite's own per-connection mutex is not needed.
                let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
                let status = sqlite_nio_sqlite3_open_v2(path, &database, flags, vfs)
                guard status == SQLITE_OK else {
                    let message = database.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "out of memory"
                    sqlite_nio_sqlite3_close_v2(database)
                    throw StoreError(.unavailable, "cannot open the SQLite database: \(message)")
                }
                return UnsafeSendable(database)
            }
            return SQLiteHandle(thread: thread, database: database.value)
        } catch {
            thread.stop()
            throw error
        }
    }

    /// Runs `body` on the connection's thread (at once when the caller's task runs there already).
    func perform<T: Sendable>(_ body: @Sendable (Connection) throws -> T) async throws -> T {
        try await withTaskExecutorPreference(thread) {
            // Once `close()` ran, the database is gone (and the thread too: the body then runs elsewhere).
            guard let database = self.database else { throw StoreError(.unavailable, "the database is closed") }
            return try body(Connection(handle: self, database: database))
        }
    }

    func query(_ sql: String, _ binds: [SQLValue] = []) async throws -> [SQLRow] {
        try await perform { try $0.query(sql, binds) }
    }

    func execute(_ sql: String, _ binds: [SQLValue] = []) async throws {
        try await perform { try $0.execute(sql, binds) }
    }

    /// Finalizes the kept statements, closes the connection and stops its thread.
    func close() async {
        await withTaskExecutorPreference(thread) {
            for statement in self.statements.values { sqlite_nio_sqlite3_finalize(statement) }
            self.statements = [:]
            sqlite_nio_sqlite3_close_v2(self.database)
            self.database = nil
        }
        thread.stop()
    }

    /// The connection, on its thread: only a body of `perform` has one.
    struct Connection {
        fileprivate let handle: SQLiteHandle
        fileprivate let database: OpaquePointer

        /// Whether a transaction is open (BEGIN ran, and no COMMIT or ROLLBACK yet).
        var inTransaction: Bool { sqlite_nio_sqlite3_get_autocommit(database) == 0 }

        func execute(_ sql: String, _ binds: [SQLValue] = []) throws {
            _ = try run(sql, binds, reading: false)
        }

        /// Runs a statement whose last parameter is `text`, UTF-8 bound where it lies (`SQLITE_STATIC`): SQLite reads
        /// it only during this call, which resets the statement and clears its bindings before it returns, so it
        /// needs no copy of its own (a record's document, a large allocation for each).
        func execute(_ sql: String, _ binds: [SQLValue], lastText text: UnsafeBufferPointer<UInt8>) throws {
            _ = try run(sql, binds, lastText: text, reading: false)
        }

        func query(_ sql: String, _ binds: [SQLValue] = []) throws -> [SQLRow] {
            try run(sql, binds, reading: true)
        }

        /// Syncs the main database file through SQLite's own file (what a checkpoint that completes the log does).
        func syncDatabaseFile() throws {
            var file: UnsafeMutablePointer<sqlite3_file>?
            let status = sqlite_nio_sqlite3_file_control(database, "main", SQLITE_FCNTL_FILE_POINTER, &file)
            guard status == SQLITE_OK, let file, let sync = file.pointee.pMethods?.pointee.xSync else {
                throw failure(status == SQLITE_OK ? SQLITE_NOTFOUND : status)
            }
            let synced = sync(file, SQLITE_SYNC_NORMAL)
            guard synced == SQLITE_OK else { throw failure(synced) }
        }

        /// Steps the statement to its end, and reads its rows when `reading`.
        private func run(
            _ sql: String,
            _ binds: [SQLValue],
            lastText: UnsafeBufferPointer<UInt8>? = nil,
            reading: Bool
        ) throws -> [SQLRow] {
            let statement = try prepared(sql)
            defer {
                sqlite_nio_sqlite3_reset(statement)
                sqlite_nio_sqlite3_clear_bindings(statement)
            }
            for (index, value) in binds.enumerated() {
                let position = Int32(index + 1)
                let status: Int32
                switch value {
                case .null:
                    status = sqlite_nio_sqlite3_bind_null(statement, position)
                case .integer(let integer):
                    status = sqlite_nio_sqlite3_bind_int64(statement, position, Int64(integer))
                case .text(var text):
                    // The bytes in place (a short string's on the stack): passing the String itself made a C
                    // string of every value of 15 bytes or less, a kind, an account, a region, an ID, on the heap.
                    // An empty text still needs an address (a null one would bind NULL): the literal's.
                    status =
                        text.isEmpty
                        ? sqlite_nio_sqlite3_bind_text64(statement, position, "", 0, Self.transient, UInt8(SQLITE_UTF8))
                        : text.withUTF8 { bytes in
                            bytes.withMemoryRebound(to: CChar.self) { characters in
                                sqlite_nio_sqlite3_bind_text64(
                                    statement,
                                    position,
                                    characters.baseAddress,
                                    UInt64(characters.count),
                                    Self.transient,
                                    UInt8(SQLITE_UTF8)
                                )
                            }
                        }
                }
                guard status == SQLITE_OK else { throw failure(status) }
            }
            if let lastText {
                let position = Int32(binds.count + 1)
                let status =
                    lastText.isEmpty
                    ? sqlite_nio_sqlite3_bind_text64(statement, position, "", 0, Self.transient, UInt8(SQLITE_UTF8))
                    : lastText.withMemoryRebound(to: CChar.self) { characters in
                        sqlite_nio_sqlite3_bind_text64(
                            statement,
                            position,
                            characters.baseAddress,
                            UInt64(characters.count),
                            nil,  // SQLITE_STATIC
                            UInt8(SQLITE_UTF8)
                        )
                    }
                guard status == SQLITE_OK else { throw failure(status) }
            }
            var rows: [SQLRow] = []
            var names: [String?]?  // the result's column names, read with the first row
            while true {
                let status = sqlite_nio_sqlite3_step(statement)
                if status == SQLITE_DONE { return rows }
                guard status == SQLITE_ROW else { throw failure(status) }
                guard reading else { continue }
                let columns = names ?? Self.columnNames(statement)
                names = columns
                rows.append(Self.read(statement, columns))
            }
        }

        private func prepared(_ sql: String) throws -> OpaquePointer {
            if let kept = handle.statements[sql] { return kept }
            var statement: OpaquePointer?
            let status = sqlite_nio_sqlite3_prepare_v3(
                database,
                sql,
                -1,
                UInt32(SQLITE_PREPARE_PERSISTENT),
                &statement,
                nil
            )
            guard status == SQLITE_OK, let statement else { throw failure(status) }
            if handle.statements.count >= SQLiteHandle.keptStatements {
                for kept in handle.statements.values { sqlite_nio_sqlite3_finalize(kept) }
                handle.statements = [:]
            }
            handle.statements[sql] = statement
            return statement
        }

        private static func columnNames(_ statement: OpaquePointer) -> [String?] {
            (0..<sqlite_nio_sqlite3_column_count(statement)).map { column in
                sqlite_nio_sqlite3_column_name(statement, column).map { String(cString: $0) }
            }
        }

        private static func read(_ statement: OpaquePointer, _ names: [String?]) -> SQLRow {
            var values: [SQLValue] = []
            values.reserveCapacity(names.count)
            for index in names.indices {
                let column = Int32(index)
                switch sqlite_nio_sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER:
                    values.append(.integer(Int(sqlite_nio_sqlite3_column_int64(statement, column))))
                case SQLITE_NULL:
                    values.append(.null)
                default:
                    // Text (and anything else, read as text: the store's columns hold text and integers).
                    let bytes = sqlite_nio_sqlite3_column_text(statement, column)
                    let length = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                    values.append(
                        .text(
                            bytes.map { String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self) }
                                ?? ""
                        )
                    )
                }
            }
            return SQLRow(names: names, values: values)
        }

        /// The store's error for a failed call: a violated constraint is a conflict; anything else, the database
        /// being unavailable. SQLite's messages name tables and columns, never values.
        private func failure(_ status: Int32) -> StoreError {
            if status & 0xff == SQLITE_CONSTRAINT { return StoreError(.conflict, "constraint violated") }
            return StoreError(.unavailable, "query failed: \(String(cString: sqlite_nio_sqlite3_errmsg(database)))")
        }

        private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    }
}

/// Carries a value the compiler cannot prove `Sendable` out of the thread that made it (the connection pointer,
/// which from then on only that thread uses).
private struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
