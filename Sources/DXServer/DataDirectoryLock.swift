import Storage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One server a data directory: the SQLite store keeps the database's connections and LAGs in memory, and a second
/// server writing the same file would leave both answering from stale copies. The server holds an exclusive
/// `flock` on the directory for as long as its store is open; `dxlocal rotate-master-key`, which only re-seals
/// secrets, takes none.
struct DataDirectoryLock: Sendable {
    private let descriptor: Int32

    init(_ directory: String) throws {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw MasterKey.Failure(description: "cannot open the data directory \(directory) to lock it")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw MasterKey.Failure(
                description: "another dxlocal server is using the data directory \(directory); stop it first"
            )
        }
        self.descriptor = descriptor
    }

    func release() {
        close(descriptor)
    }
}

/// A store that holds its data directory's lock until it is closed.
struct LockedStore: Store {
    let store: any Store
    let lock: DataDirectoryLock

    func transaction<T: Sendable>(
        _ mode: TransactionMode,
        _ body: @escaping @Sendable (any StoreTransaction) async throws -> T
    ) async throws -> T {
        try await store.transaction(mode, body)
    }

    func run() async {
        await store.run()
    }

    var generation: UInt64? { store.generation }

    func close() async throws {
        defer { lock.release() }
        try await store.close()
    }
}
