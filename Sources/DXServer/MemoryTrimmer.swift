import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Gives the memory of large replies back to the system. A listing of thousands of connections is written in chunks
/// while it is sent, but many at once leave glibc's arenas full of free, fragmented memory, which it keeps: after
/// sixteen concurrent listings of 10,000 connections, about 60 MiB of the resident set were free chunks.
/// `malloc_trim` returns every free page; it walks the heap, so it runs at most twice a second, and only when a reply
/// of a megabyte or more was sent since it last ran.
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
