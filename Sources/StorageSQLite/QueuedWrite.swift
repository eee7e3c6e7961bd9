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
        case waiting(CheckedContinuation<Void, Never>)
        case signalled
    }

    private let body: @Sendable (SQLiteWriteTransaction) async throws -> any Sendable
    private let outcome = NIOLockedValueBox<Result<any Sendable, any Error>?>(nil)
    private let waiter = NIOLockedValueBox(Waiter.idle)
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
        outcome.withLockedValue { $0 = result }
        if case .success = result { return true }
        return false
    }

    /// The batch did not commit: the transaction fails with `error` unless its body already failed.
    func abandon(_ error: any Error) {
        outcome.withLockedValue { outcome in
            // A body that threw keeps its own error; one that succeeded, or never ran, gets the batch's.
            if case .failure = outcome { return }
            outcome = .failure(error)
        }
    }

    /// The body's result, once its batch is over; `T` is what the body returns.
    func result<T: Sendable>(as type: T.Type) throws -> T {
        guard let outcome = outcome.withLockedValue({ $0 }) else {
            preconditionFailure("a write transaction's result was read before its batch ended")
        }
        guard let value = try outcome.get() as? T else {
            preconditionFailure("a write transaction's result is not the \(T.self) its body returns")
        }
        return value
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let ready: Bool = waiter.withLockedValue { waiter in
                if case .signalled = waiter { return true }
                waiter = .waiting(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Its batch is over (committed or failed): the writer may read its result.
    func signal() {
        let continuation: CheckedContinuation<Void, Never>? = waiter.withLockedValue { waiter in
            if case .waiting(let continuation) = waiter {
                waiter = .signalled
                return continuation
            }
            waiter = .signalled
            return nil
        }
        continuation?.resume()
    }
}
