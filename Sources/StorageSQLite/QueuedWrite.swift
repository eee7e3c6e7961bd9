import NIOConcurrencyHelpers

/// A write transaction waiting in the queue: its body, its result once the body ran, and the writer waiting for its
/// batch.
///
/// One batch holds bodies of any result type, so the result is kept boxed. The class is not generic over it: the
/// store calls these methods for every write on the writer's thread, and a generic class's methods looked its
/// metadata up in the runtime's shared, locked cache on each call (about 0.8 % of the samples under key rotation).
final class QueuedWrite: Sendable {
    private enum Waiter {
        case idle
        case waiting(UnsafeContinuation<Void, Never>)
        case signalled
    }

    /// The body's result and who waits for it, behind one lock (two boxes were two more allocations a write).
    private struct State {
        var outcome: Result<any Sendable, any Error>?
        var waiter = Waiter.idle
    }

    private let body: @Sendable (SQLiteWriteTransaction) async throws -> any Sendable
    private let state = NIOLockedValueBox(State())
    /// When the write joined the queue: its wait ends when its batch begins (`WritePathMetrics`).
    let enqueued = ContinuousClock.now

    init(_ body: @escaping @Sendable (SQLiteWriteTransaction) async throws -> any Sendable) {
        self.body = body
    }

    /// Runs the body; keeps its result for delivery after the commit. `false` when it threw.
    func run(_ transaction: SQLiteWriteTransaction) async -> Bool {
        let result: Result<any Sendable, any Error>
        do {
            result = .success(try await body(transaction))
        } catch {
            result = .failure(error)
        }
        state.withLockedValue { $0.outcome = result }
        if case .success = result { return true }
        return false
    }

    /// The batch did not commit: the transaction fails with `error` unless its body already failed.
    func abandon(_ error: any Error) {
        state.withLockedValue { state in
            // A body that threw keeps its own error; one that succeeded, or never ran, gets the batch's.
            if case .failure = state.outcome { return }
            state.outcome = .failure(error)
        }
    }

    /// The body's result, once its batch is over; `T` is what the body returns.
    func result<T: Sendable>(as type: T.Type) throws -> T {
        guard let outcome = state.withLockedValue({ $0.outcome }) else {
            preconditionFailure("a write transaction's result was read before its batch ended")
        }
        guard let value = try outcome.get() as? T else {
            preconditionFailure("a write transaction's result is not the \(T.self) its body returns")
        }
        return value
    }

    /// Suspends until `signal()`. The continuation is resumed exactly once: by `signal()` when it finds it waiting,
    /// or here when the signal came first; the states under the lock allow no other path, which is what a checked
    /// continuation would verify at the cost of an allocation a write.
    func wait() async {
        await withUnsafeContinuation { continuation in
            let ready: Bool = state.withLockedValue { state in
                if case .signalled = state.waiter { return true }
                state.waiter = .waiting(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Its batch is over (committed or failed): the writer may read its result.
    func signal() {
        let continuation: UnsafeContinuation<Void, Never>? = state.withLockedValue { state in
            defer { state.waiter = .signalled }
            if case .waiting(let continuation) = state.waiter { return continuation }
            return nil
        }
        continuation?.resume()
    }
}
