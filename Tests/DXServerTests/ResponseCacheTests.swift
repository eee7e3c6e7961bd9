import AWSJSONProtocol
import DXDispatch
import DirectConnect
import DirectConnectModel
import Foundation
import NIOCore
import ServiceKit
import Storage
import StorageSQLite
import StorageTestSupport
import Synchronization
import Testing

/// The dispatch's response cache (issue 17, part 4): DescribeConnections answered from it says exactly what a table
/// with no cache says, as connections change and as time passes through their transitions; it is used while
/// nothing changed, never across accounts, regions or bodies, never for errors, never over a store without a
/// generation.
@Suite struct ResponseCacheTests {
    /// A store's records through a view that has no generation, as PostgreSQL has none.
    struct NoGeneration: Store {
        let store: any Store

        func transaction<T: Sendable>(
            _ mode: TransactionMode,
            _ body: @escaping @Sendable (any StoreTransaction) async throws -> T
        ) async throws -> T {
            try await store.transaction(mode, body)
        }

        func run() async {}
        func close() async throws {}
        var generation: UInt64? { nil }
    }

    enum Backend: String, CaseIterable {
        case inMemory
        case sqliteMemory
    }

    struct Setup {
        let clock = ManualClock()
        let store: any Store
        let service: DirectConnectService
        let cache: ResponseCache
        /// Cached DescribeConnections, and the same over the same records with nothing ever kept.
        let cached: OperationTable
        let uncached: OperationTable
        let scope = Scope(account: "111122223333", region: "us-east-1")

        init(_ backend: Backend, settleTime: TimeInterval = 5) async throws {
            store = backend == .inMemory ? InMemoryStore() : try await SQLiteStore.running(.memory)
            let sealer = try #require(SecretSealer(keyData: SecretSealer.generateKeyData()))
            service = DirectConnectService(
                store: store,
                clock: clock,
                settleTimes: SettleTimes(settleTime),
                sealer: sealer
            )
            cache = ResponseCache(store: store, clock: clock)
            var cached = OperationTable()
            cached.registerDirectConnect(service, cache: cache)
            self.cached = cached
            let bare = NoGeneration(store: store)
            var uncached = OperationTable()
            uncached.registerDirectConnect(
                DirectConnectService(store: bare, clock: clock, settleTimes: SettleTimes(settleTime), sealer: sealer),
                cache: ResponseCache(store: bare, clock: clock)
            )
            self.uncached = uncached
        }

        static let describe = "\(DirectConnectMetadata.targetPrefix).DescribeConnections"

        func reply(_ table: OperationTable, _ body: String, in scope: Scope? = nil) async throws -> [UInt8] {
            let handler = try table.handler(for: Self.describe)
            return Array(try await handler(ByteBuffer(string: body), scope ?? self.scope).collected().readableBytesView)
        }

        /// The cached reply, which must be the uncached one, byte for byte; and whether it came from the cache.
        @discardableResult
        func expectAgreement(
            _ body: String = "{}",
            in scope: Scope? = nil,
            sourceLocation: SourceLocation = #_sourceLocation
        ) async throws -> Bool {
            let hits = cache.hits
            let cachedReply = try await reply(cached, body, in: scope)
            let hit = cache.hits > hits
            #expect(
                String(decoding: cachedReply, as: UTF8.self)
                    == String(
                        decoding: try await reply(uncached, body, in: scope),
                        as: UTF8.self
                    ),
                sourceLocation: sourceLocation
            )
            return hit
        }

        /// Runs `body` over a fresh setup and always closes its store.
        static func with(
            _ backend: Backend,
            _ body: (Setup) async throws -> Void
        ) async throws {
            let setup = try await Setup(backend)
            do {
                try await body(setup)
                try await setup.store.close()
            } catch {
                try? await setup.store.close()
                throw error
            }
        }
    }

    @Test(arguments: Backend.allCases)
    func cachedRepliesFollowChangesAndTime(_ backend: Backend) async throws {
        try await Setup.with(backend) { f in
            let s = f.scope
            let plain = try await f.service.createConnection(
                CreateConnectionRequest(
                    location: "EqDC2",
                    bandwidth: "10Gbps",
                    connectionName: "a",
                    requestMACSec: true
                ),
                in: s
            ).connectionId
            let other = try await f.service.createConnection(
                CreateConnectionRequest(location: "EqDC2", bandwidth: "10Gbps", connectionName: "b"),
                in: s
            ).connectionId
            let plainId = try #require(plain)
            let otherId = try #require(other)
            // Computed, then kept: the second read is the first one's reply.
            #expect(try await f.expectAgreement() == false)
            #expect(try await f.expectAgreement() == true)
            // Inside the stable window the reply stays; past the settle instant it is computed again.
            f.clock.advance(by: 4)
            #expect(try await f.expectAgreement() == true)
            f.clock.advance(by: 1)
            #expect(try await f.expectAgreement() == false)
            #expect(try await f.expectAgreement() == true)
            // A write anywhere in the store makes the kept reply stale.
            _ = try await f.service.updateConnection(
                UpdateConnectionRequest(connectionId: plainId, connectionName: "renamed"),
                in: s
            )
            #expect(try await f.expectAgreement() == false)
            let cak = String(repeating: "0123456789abcdef", count: 4)
            let ckn = String(repeating: "fedcba9876543210", count: 4)
            _ = try await f.service.associateMacSecKey(
                AssociateMacSecKeyRequest(connectionId: plainId, ckn: ckn, cak: cak),
                in: s
            )
            #expect(try await f.expectAgreement() == false)
            #expect(try await f.expectAgreement() == true)
            // The key settles from associating to associated at the settle time: the window ends there.
            f.clock.advance(by: 5)
            #expect(try await f.expectAgreement() == false)
            // By ID, and the listing, are kept apart.
            let byId = #"{"connectionId":"\#(plainId)"}"#
            #expect(try await f.expectAgreement(byId) == false)
            #expect(try await f.expectAgreement(byId) == true)
            #expect(try await f.expectAgreement() == true)
            _ = try await f.service.deleteConnection(DeleteConnectionRequest(connectionId: otherId), in: s)
            #expect(try await f.expectAgreement() == false)
            #expect(try await f.expectAgreement(byId) == false)
        }
    }

    @Test(arguments: Backend.allCases)
    func repliesAreKeptPerAccountRegionAndBody(_ backend: Backend) async throws {
        try await Setup.with(backend) { f in
            _ = try await f.service.createConnection(
                CreateConnectionRequest(location: "EqDC2", bandwidth: "10Gbps", connectionName: "mine"),
                in: f.scope
            )
            let mine = try await f.reply(f.cached, "{}")
            #expect(String(decoding: mine, as: UTF8.self).contains("mine"))
            for scope in [
                Scope(account: "444455556666", region: "us-east-1"),
                Scope(account: "111122223333", region: "us-west-2"),
            ] {
                #expect(try await f.expectAgreement(in: scope) == false)
                #expect(
                    String(decoding: try await f.reply(f.cached, "{}", in: scope), as: UTF8.self)
                        == #"{"connections":[]}"#
                )
            }
            // Another body, even one that means the same, is another entry.
            #expect(try await f.expectAgreement(#"{ }"#) == false)
            #expect(try await f.expectAgreement(#"{"maxResults":100}"#) == false)
            #expect(try await f.expectAgreement(#"{}"#) == true)
        }
    }

    @Test(arguments: Backend.allCases)
    func errorsAreNeverKept(_ backend: Backend) async throws {
        try await Setup.with(backend) { f in
            for body in [#"{"connectionId":"dxcon-ffffffff"}"#, #"{"maxResults":"many"}"#, "[1]"] {
                for _ in 0..<2 {
                    await #expect(throws: AWSError.self) { try await f.reply(f.cached, body) }
                }
            }
            #expect(f.cache.count == 0)
            #expect(f.cache.hits == 0)
        }
    }

    @Test func aStoreWithoutGenerationHasNothingKept() async throws {
        try await Setup.with(.inMemory) { f in
            let bare = ResponseCache(store: NoGeneration(store: f.store), clock: f.clock)
            var table = OperationTable()
            table.registerDirectConnect(f.service, cache: bare)
            for _ in 0..<3 { _ = try await f.reply(table, "{}") }
            #expect(bare.count == 0)
            #expect(bare.hits == 0)
        }
    }

    /// A commit while a reply is computed: the reply is answered, not kept; the next call computes again.
    @Test func aReplyComputedAcrossACommitIsNotKept() async throws {
        let generation = GenerationSource()
        let cache = ResponseCache(generation: { generation.value }, now: { Date(timeIntervalSince1970: 0) })
        let scope = Scope(account: "111122223333", region: "us-east-1")
        let computed = GenerationSource()
        func ask(committing: Bool) async throws -> OperationReply {
            try await cache.reply(target: "T", scope: scope, body: ByteBuffer(string: "{}")) {
                computed.bump()
                if committing { generation.bump() }
                return (
                    OperationReply(chunks: [ByteBuffer(string: "{}")]), StableWindow(at: Date(timeIntervalSince1970: 0))
                )
            }
        }
        #expect(try await ask(committing: true).isKeptReply == false)
        #expect(cache.count == 0)
        // Only a reply answered from the cache says so: the server hands back the memory of the others once sent.
        #expect(try await ask(committing: false).isKeptReply == false)
        #expect(try await ask(committing: false).isKeptReply == true)
        #expect(computed.value == 2)
        #expect(cache.hits == 1)
    }

    final class GenerationSource: Sendable {
        private let current = Mutex<UInt64>(0)
        var value: UInt64 { current.withLock { $0 } }
        func bump() { current.withLock { $0 += 1 } }
    }
}
