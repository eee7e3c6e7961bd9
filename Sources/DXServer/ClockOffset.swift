import Foundation
import Hummingbird
import ServiceKit
import Storage

/// The `--clock-control` offset kept in the store (`ClockRecord`), beside the records whose instants were taken on
/// the moved clock: a restart reads it back, a state document carries it, and every instance of a shared store
/// reads what another moved. It only grows: each reading moves the clock at least as far as the store says.
package struct ClockOffset: Sendable {
    package let store: any Store
    package let clock: OffsetClock

    package init(store: any Store, clock: OffsetClock) {
        self.store = store
        self.clock = clock
    }

    /// The record's one place: a scope no account has.
    static let scope = Scope(account: "", region: "")
    static let id = "offset"

    /// Moves the clock as far as the store says.
    package func refresh() async throws {
        let stored = try await store.transaction(.read) { transaction in
            try await transaction.record(ClockRecord.self, id: Self.id, in: Self.scope)?.offsetSeconds
        }
        if let stored { clock.advance(toAtLeast: stored) }
    }

    /// Moves the clock `seconds` further than the furthest of its own offset and the store's, keeps the result in
    /// the store and answers it.
    @discardableResult
    package func advance(by seconds: TimeInterval) async throws -> TimeInterval {
        let offset = try await store.transaction(.write) { transaction in
            try await save({ $0 + seconds }, in: transaction)
        }
        clock.advance(toAtLeast: offset)
        return offset
    }

    /// In `transaction`: keeps `next` of the furthest of the clock's offset and the store's, and answers it; the
    /// caller moves the clock once the transaction has committed.
    func save(
        _ next: (TimeInterval) -> TimeInterval,
        in transaction: any StoreTransaction
    ) async throws -> TimeInterval {
        let stored = try await transaction.record(ClockRecord.self, id: Self.id, in: Self.scope)?.offsetSeconds
        let offset = next(max(stored ?? 0, clock.offsetSeconds))
        try await transaction.save(ClockRecord(id: Self.id, offsetSeconds: offset), in: Self.scope)
        return offset
    }
}

/// Reads the shared store's clock offset before every request (`--clock-control` on PostgreSQL: another instance may
/// have moved it). A store it cannot reach leaves the clock where it is: the request's own transaction, if it has
/// one, answers that failure in its service's form.
struct ClockRefresh<Context: RequestContext>: RouterMiddleware {
    let offset: ClockOffset

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        try? await offset.refresh()
        return try await next(request, context)
    }
}
