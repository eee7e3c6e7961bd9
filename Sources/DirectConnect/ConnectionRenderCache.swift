import AWSJSONProtocol
import DirectConnectModel
import Foundation
import NIOCore
import Storage
import Synchronization

/// Connections as JSON, kept while nothing their rendering depends on changes: the record, its LAG's record (a
/// member shows the LAG's keys and encryption mode) and where the clock stands between the instants at which a
/// state settles. A listing of thousands of connections then copies what it rendered before instead of building
/// and encoding every `Connection` again; a changed connection is rendered afresh.
final class ConnectionRenderCache: Sendable {
    /// One connection rendered at some instant, valid for every instant in `validFrom..<validUntil`.
    final class Entry: Sendable {
        let record: ConnectionRecord
        let lag: LagRecord?
        let validFrom: Date
        let validUntil: Date
        let json: [UInt8]

        init(record: ConnectionRecord, lag: LagRecord?, validFrom: Date, validUntil: Date, json: [UInt8]) {
            self.record = record
            self.lag = lag
            self.validFrom = validFrom
            self.validUntil = validUntil
            self.json = json
        }

        func isValid(for record: ConnectionRecord, lag: LagRecord?, at now: Date) -> Bool {
            validFrom <= now && now < validUntil && self.record == record && self.lag == lag
        }
    }

    /// More entries than this, over all scopes, and the cache starts again.
    static let capacity = 250_000

    /// The last full listing of a scope: the records the store answered and what they rendered to. While the store
    /// answers the very same array (it keeps one while nothing in the scope changes) and the clock stays between the
    /// same instants, the listing is the same and no record needs checking.
    final class Listing: Sendable {
        let records: [ConnectionRecord]
        let lags: [String: LagRecord]
        let entries: [Entry]
        let validFrom: Date
        let validUntil: Date

        init(records: [ConnectionRecord], lags: [String: LagRecord], entries: [Entry]) {
            self.records = records
            self.lags = lags
            self.entries = entries
            validFrom = entries.lazy.map(\.validFrom).max() ?? .distantPast
            validUntil = entries.lazy.map(\.validUntil).min() ?? .distantFuture
        }

        func isValid(for records: [ConnectionRecord], lags: [String: LagRecord], at now: Date) -> Bool {
            // Holding `self.records` keeps its storage alive, so an equal address is the same array.
            let same = self.records.withUnsafeBufferPointer { mine in
                records.withUnsafeBufferPointer { theirs in
                    mine.baseAddress == theirs.baseAddress && mine.count == theirs.count
                }
            }
            return same && validFrom <= now && now < validUntil && self.lags == lags
        }
    }

    private struct State {
        var scopes: [Scope: [String: Entry]] = [:]
        var listings: [Scope: Listing] = [:]
        var count = 0
    }

    private let state = Mutex(State())

    /// The entries of a scope as they are now (a copy: later stores do not change it).
    func entries(in scope: Scope) -> [String: Entry] {
        state.withLock { $0.scopes[scope] } ?? [:]
    }

    func listing(in scope: Scope) -> Listing? {
        state.withLock { $0.listings[scope] }
    }

    func keep(_ listing: Listing, in scope: Scope) {
        state.withLock { $0.listings[scope] = listing }
    }

    /// Keeps new renderings. After a full listing, `replacing` drops every other entry of the scope, so that
    /// connections deleted since are forgotten.
    func store(_ entries: [Entry], in scope: Scope, replacing: Bool) {
        guard !entries.isEmpty || replacing else { return }
        state.withLock { state in
            var scoped = replacing ? [:] : state.scopes.removeValue(forKey: scope) ?? [:]
            if replacing { state.count -= state.scopes.removeValue(forKey: scope)?.count ?? 0 }
            state.count -= scoped.count
            for entry in entries { scoped[entry.record.id] = entry }
            state.count += scoped.count
            if state.count > Self.capacity {
                state.scopes = [:]
                state.listings = [:]
                state.count = scoped.count
            }
            state.scopes[scope] = scoped
        }
    }

    /// The instants around `now` between which the rendering cannot change: every rule compares the clock with a
    /// stored instant (`settlesAt`, a key's `associatedAt`, `disassociatedAt`, `expiresAt`).
    static func validity(of record: ConnectionRecord, lag: LagRecord?, at now: Date) -> (from: Date, until: Date) {
        var from = Date.distantPast
        var until = Date.distantFuture
        func consider(_ instant: Date?) {
            guard let instant else { return }
            if instant <= now { from = max(from, instant) } else { until = min(until, instant) }
        }
        consider(record.state.settlesAt)
        for key in lag?.keys ?? record.keys {
            consider(key.associatedAt)
            consider(key.disassociatedAt)
            consider(key.expiresAt)
        }
        return (from, until)
    }
}

/// `Connections` as JSON, its connections rendered or copied from the cache: what DescribeConnections answers.
package struct RenderedConnections: AWSJSONStreamable {
    fileprivate let entries: [ConnectionRenderCache.Entry]
    package let nextToken: String?
    /// What follows the last connection: the end of the list, the token, the end of the object.
    private let tail: [UInt8]
    package let jsonByteCount: Int

    fileprivate init(entries: [ConnectionRenderCache.Entry], nextToken: String?) {
        self.entries = entries
        self.nextToken = nextToken
        var writer = AWSJSONWriter(capacity: 64)
        writer.raw("]")
        if let nextToken {
            writer.raw(",\"nextToken\":")
            writer.string(nextToken)
        }
        writer.raw("}")
        tail = writer.finishBytes()
        // Asked for by the dispatch (stream or not) and again by the reply (its length): counted once.
        jsonByteCount =
            Self.head.count + entries.reduce(max(entries.count - 1, 0)) { $0 + $1.json.count } + tail.count
    }

    private static let head = Array(#"{"connections":["#.utf8)

    package func writeJSON(to writer: inout AWSJSONWriter) {
        writer.raw(Self.head)
        entries.withUnsafeBufferPointer { entries in
            for index in entries.indices {
                if index > 0 { writer.raw(",") }
                writer.raw(entries[index].json)
            }
        }
        writer.raw(tail)
    }

    /// Chunks are filled in a ring of a few buffers: by the time one comes round again the channel has sent it and
    /// let go of it, so it is refilled in place. A listing of megabytes then allocates a few chunks, not hundreds,
    /// and the allocator is not left with fragments of them (which it kept: tens of MiB after a burst of listings).
    package func writeJSON(inChunksOf size: Int, to emit: (ByteBuffer) async throws -> Void) async throws {
        var ring: [ByteBuffer] = []
        var turn = 0
        let capacity = min(size, jsonByteCount)
        func nextChunk() -> ByteBuffer {
            guard ring.count == 4 else { return ByteBufferAllocator().buffer(capacity: capacity) }
            var chunk = ring[turn % 4]
            ring[turn % 4] = ByteBuffer()  // give up the ring's hold, so that the chunk is unique when sent
            chunk.clear()
            return chunk
        }
        func send(_ chunk: ByteBuffer) async throws {
            try await emit(chunk)
            if ring.count < 4 { ring.append(chunk) } else { ring[turn % 4] = chunk }
            turn += 1
        }
        var chunk = nextChunk()
        chunk.writeBytes(Self.head)
        for (index, entry) in entries.enumerated() {
            if chunk.readableBytes + entry.json.count + 1 > size, chunk.readableBytes > 0 {
                try await send(chunk)
                chunk = nextChunk()
            }
            if index > 0 { chunk.writeInteger(UInt8(ascii: ",")) }
            chunk.writeBytes(entry.json)
        }
        chunk.writeBytes(tail)
        try await emit(chunk)
    }
}

extension DirectConnectService {
    /// DescribeConnections, rendered: the same answer as `describeConnections(_:in:)`, with every connection that
    /// has not changed since it was last shown copied from the render cache.
    package func describeConnectionsRendered(
        _ input: DescribeConnectionsRequest,
        in scope: Scope
    ) async throws -> RenderedConnections {
        let (page, lags, token, now) = try await connectionsPage(input, in: scope)
        let whole = input.connectionId == nil && input.nextToken == nil && token == nil
        if whole, let listing = renders.listing(in: scope), listing.isValid(for: page, lags: lags, at: now) {
            return RenderedConnections(entries: listing.entries, nextToken: nil)
        }
        let cached = renders.entries(in: scope)
        var entries: [ConnectionRenderCache.Entry] = []
        entries.reserveCapacity(page.count)
        var fresh: [ConnectionRenderCache.Entry] = []
        page.withUnsafeBufferPointer { page in
            for index in page.indices {
                let lag = page[index].lagId.flatMap { lags[$0] }
                if let entry = cached[page[index].id], entry.isValid(for: page[index], lag: lag, at: now) {
                    entries.append(entry)
                    continue
                }
                let record = page[index]
                let (from, until) = ConnectionRenderCache.validity(of: record, lag: lag, at: now)
                let entry = ConnectionRenderCache.Entry(
                    record: record,
                    lag: lag,
                    validFrom: from,
                    validUntil: until,
                    json: AWSJSONWriter.bytes(Self.connection(record, lag: lag, in: scope, at: now))
                )
                entries.append(entry)
                fresh.append(entry)
            }
        }
        // A full listing also forgets connections that are gone; one that renders nothing new changes nothing.
        if !fresh.isEmpty || (whole && cached.count != entries.count) {
            renders.store(whole ? entries : fresh, in: scope, replacing: whole)
        }
        if whole { renders.keep(.init(records: page, lags: lags, entries: entries), in: scope) }
        return RenderedConnections(entries: entries, nextToken: token)
    }
}
