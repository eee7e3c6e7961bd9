import Foundation
import NIOCore
import ServiceKit
import Storage
import Synchronization

/// Replies of read operations, answered again while nothing they depend on has changed: the store's generation
/// (`Store.generation`) is the one read before the reply was computed, and the clock is still inside the reply's
/// stable window (`Lasting`). Test suites and Terraform poll the same Describe call many times (waiters, refresh);
/// a listing of thousands of connections is then copied, not built and encoded again.
///
/// A store that has no generation (PostgreSQL: other instances write unseen) has nothing kept. The key is the
/// target, the scope (account and region) and the request body's very bytes; an error is never kept. (Our choice:
/// one generation for the whole store, so any commit makes every reply stale; a listing spans one scope today, but
/// the global kinds to come are read beside regional ones.)
package final class ResponseCache: Sendable {
    struct Key: Hashable, Sendable {
        var target: String
        var scope: Scope
        var body: ByteBuffer
    }

    struct Entry: Sendable {
        var generation: UInt64
        var window: StableWindow
        var reply: OperationReply
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var bytes = 0
        var hits = 0
    }

    /// The bytes of replies kept, over all entries (keys counted too), before stale entries go, and then all.
    static let capacity = 64 << 20
    /// A longer reply is not kept (a listing of some 20,000 connections): it would push out many others.
    static let largestEntry = 16 << 20

    private let generation: @Sendable () -> UInt64?
    private let now: @Sendable () -> Date
    private let state = Mutex(State())

    package init(generation: @escaping @Sendable () -> UInt64?, now: @escaping @Sendable () -> Date) {
        self.generation = generation
        self.now = now
    }

    /// A cache over a store and a clock.
    package convenience init(store: any Store, clock: any ServiceClock) {
        self.init(generation: { store.generation }, now: { clock.now })
    }

    /// The reply to `body` kept from earlier, or else the one `compute` answers, kept when it may be.
    package func reply(
        target: String,
        scope: Scope,
        body: ByteBuffer,
        compute: () async throws -> (OperationReply, StableWindow)
    ) async throws -> OperationReply {
        // Read before the reply is computed: a commit in between makes the kept reply stale at once, never wrong.
        guard let before = generation() else { return try await compute().0 }
        let key = Key(target: target, scope: scope, body: body)
        let instant = now()
        let kept = state.withLock { state -> OperationReply? in
            guard let entry = state.entries[key], entry.generation == before, entry.window.contains(instant) else {
                return nil
            }
            state.hits += 1
            return entry.reply
        }
        if let kept { return kept.keptReply() }
        let (reply, window) = try await compute()
        let size = Self.size(body, reply)
        // A reply already stale (a commit while it was computed) or too long is not kept.
        guard size <= Self.largestEntry, generation() == before else { return reply }
        // The key keeps only the body's bytes, not the storage the request was read into.
        let copied = Key(target: target, scope: scope, body: ByteBuffer(bytes: body.readableBytesView))
        let entry = Entry(generation: before, window: window, reply: reply)
        state.withLock { state in
            if let old = state.entries.removeValue(forKey: copied) { state.bytes -= Self.size(body, old.reply) }
            if state.bytes + size > Self.capacity {
                state.entries = state.entries.filter { $0.value.generation == before }
                state.bytes = state.entries.reduce(0) { $0 + Self.size($1.key.body, $1.value.reply) }
                if state.bytes + size > Self.capacity {
                    state.entries = [:]
                    state.bytes = 0
                }
            }
            state.entries[copied] = entry
            state.bytes += size
        }
        return reply
    }

    private static func size(_ body: ByteBuffer, _ reply: OperationReply) -> Int {
        body.readableBytes + reply.byteCount
    }

    /// How many replies are kept, and how many calls were answered from them (tests).
    package var count: Int { state.withLock { $0.entries.count } }
    package var hits: Int { state.withLock { $0.hits } }
}
