import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Gives the memory of large replies back to the system. Listings of thousands of connections, sixteen at once, left
/// glibc's arenas with 30 to 70 MiB of free, fragmented memory that it kept (the resident set at 100,000 connections
/// ended between 135 and 170 MiB from one run to the next). Two measures:
///
/// - `configure()`, at start-up, makes every allocation of 64 KiB or more (a listing's chunks, large arrays) a
///   mapping of its own, returned to the system when freed, instead of a piece of an arena; glibc's default
///   threshold grows with the largest block freed, which put the chunks back into the arenas.
/// - the service calls `malloc_trim` at most twice a second, when a reply of a megabyte or more was sent since it
///   last ran, for what the arenas still keep.
struct MemoryTrimmer: Service {
    static let largeReply = 1 << 20
    static let interval = Duration.milliseconds(500)
    private static let pending = Mutex(false)

    /// glibc's `malloc_trim`, looked up at run time: Swift's Glibc module does not include `malloc.h`.
    private static let trim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()

    /// glibc's `mallopt`, likewise.
    private static let setOption: (@convention(c) (Int32, Int32) -> Int32)? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        #else
        return nil
        #endif
    }()

    /// `M_MMAP_THRESHOLD` (malloc.h): allocations this large or larger are mappings of their own.
    private static let mmapThresholdOption: Int32 = -3

    static func configure() {
        _ = setOption?(mmapThresholdOption, 64 * 1024)
    }

    static func replySent(bytes: Int) {
        if bytes >= largeReply { pending.withLock { $0 = true } }
    }

    func run() async throws {
        guard let trim = Self.trim else { return }
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: Self.interval)
                if Self.pending.withLock({ pending in
                    defer { pending = false }
                    return pending
                }) {
                    _ = trim(0)
                }
            }
        }
    }
}
