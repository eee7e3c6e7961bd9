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

    /// Makes `directory` and its missing parents (mode 0700) when it does not exist, then locks it; a path that
    /// cannot be a folder is refused with the system's reason (a file in the way, no permission), where
    /// Foundation's `createDirectory` gave its raw error text.
    static func creating(_ directory: String) throws -> DataDirectoryLock {
        let absolute = directory.hasPrefix("/")
        var path = absolute ? "" : "."
        for component in directory.split(separator: "/") {
            path += "/" + component
            guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
                let reason = String(cString: strerror(errno))
                throw MasterKey.Failure(description: "cannot make the data directory \(directory): \(reason)")
            }
        }
        return try DataDirectoryLock(directory)
    }

    init(_ directory: String) throws {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            // The last component made or found, `O_DIRECTORY` tells a file in its place.
            if errno == ENOTDIR {
                throw MasterKey.Failure(description: "the data directory \(directory) is a file, not a folder")
            }
            let reason = String(cString: strerror(errno))
            throw MasterKey.Failure(description: "cannot open the data directory \(directory) to lock it: \(reason)")
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
