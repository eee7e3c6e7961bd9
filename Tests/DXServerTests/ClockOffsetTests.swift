import DXDispatch
import Foundation
import ServiceKit
import Storage
import StorageSQLite
import StorageTestSupport
import Testing

@testable import DXServer

/// The `--clock-control` offset kept in the store: two clocks of one store (two instances) agree once each reads
/// it, and neither moves back.
@Suite struct ClockOffsetTests {
    @Test func anOffsetKeptThroughOneClockIsReadByAnotherAndNeverShrinks() async throws {
        let store = InMemoryStore()
        let first = ClockOffset(store: store, clock: OffsetClock())
        let second = ClockOffset(store: store, clock: OffsetClock())
        #expect(try await first.advance(by: 120) == 120)
        #expect(second.clock.offsetSeconds == 0)
        try await second.refresh()
        #expect(second.clock.offsetSeconds == 120)
        // From the furthest of its own offset and the store's.
        second.clock.advance(by: 30)
        #expect(try await second.advance(by: 10) == 160)
        try await first.refresh()
        #expect(first.clock.offsetSeconds == 160)
        // A loaded document's offset behind the store's moves nothing.
        let kept = try await store.transaction(.write) { try await first.save({ max($0, 100) }, in: $0) }
        #expect(kept == 160)
        try await second.refresh()
        #expect(second.clock.offsetSeconds == 160)
        let stored = try await store.transaction(.read) { transaction in
            try await transaction.record(ClockRecord.self, id: ClockOffset.id, in: ClockOffset.scope)
        }
        #expect(stored?.offsetSeconds == 160)
    }

    /// An operator call may be signed for any service the server serves, and for no other.
    @Test func operatorCallsMayBeSignedForTheServicesServed() async throws {
        let store = try await SQLiteStore.running(.memory)
        let sealer = try #require(SecretSealer(keyData: SecretSealer.generateKeyData()))
        let table = OperationTable.serving(store: store, sealer: sealer)
        #expect(OperatorRoutes.signingNames.sorted() == table.signingNamesServed)
        #expect(OperatorRoutes.signingNames.first == "directconnect")
    }
}
