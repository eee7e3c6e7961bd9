import Synchronization

/// Group commit. Writers queue up; one of them at a time leads: it runs every queued transaction, one after the
/// other, inside one SQLite transaction, and commits them with one COMMIT (one fsync). Every writer hears back only
/// after that commit, so an answered write is on disk, as it was with one COMMIT a transaction; but under
/// concurrent load the cost of a durable commit is shared by every transaction that arrived while the previous one
/// was syncing. The leader then hands the lead to the first writer that queued meanwhile, so no writer leads
/// for long and none waits for ever.
final class WriteQueue: Sendable {
    private struct State {
        var waiting: [any QueuedWrite] = []
        var leading = false
    }

    private let state = Mutex(State())

    /// Queues a write; `true` when no batch is running and the caller must lead one now.
    func enqueue(_ write: any QueuedWrite) -> Bool {
        state.withLock { state in
            state.waiting.append(write)
            if state.leading { return false }
            state.leading = true
            return true
        }
    }

    /// Every queued write, for the leader's batch.
    func takeAll() -> [any QueuedWrite] {
        state.withLock { state in
            defer { state.waiting = [] }
            return state.waiting
        }
    }

    /// After a batch: wakes the first writer that queued meanwhile to lead the next one, or stands down.
    func handOff() {
        let next: (any QueuedWrite)? = state.withLock { state in
            guard let first = state.waiting.first else {
                state.leading = false
                return nil
            }
            return first
        }
        next?.signal(.lead)
    }
}

/// What a queued writer is told: lead the next batch, or its transaction is done (committed or failed).
enum WriteRole: Sendable {
    case lead
    case done
}

/// A write transaction waiting in the queue, type-erased so that one batch can hold bodies of any result type.
protocol QueuedWrite: AnyObject, Sendable {
    /// Runs the body; keeps its result for delivery after the commit. `false` when it threw.
    func run(_ transaction: SQLiteWriteTransaction) async -> Bool
    /// The batch did not commit: the transaction fails with `error` unless its body already failed.
    func abandon(_ error: any Error)
    func signal(_ role: WriteRole)
}

/// A queued write transaction whose body returns a `T`.
final class TypedWrite<T: Sendable>: QueuedWrite {
    private enum Waiter {
        case idle
        case waiting(CheckedContinuation<WriteRole, Never>)
        case signalled(WriteRole)
    }

    let body: @Sendable (SQLiteWriteTransaction) async throws -> T
    private let outcome = Mutex<Result<T, any Error>?>(nil)
    private let waiter = Mutex(Waiter.idle)

    init(_ body: @escaping @Sendable (SQLiteWriteTransaction) async throws -> T) {
        self.body = body
    }

    func run(_ transaction: SQLiteWriteTransaction) async -> Bool {
        let result: Result<T, any Error>
        do {
            result = .success(try await body(transaction))
        } catch {
            result = .failure(error)
        }
        outcome.withLock { $0 = result }
        if case .success = result { return true }
        return false
    }

    func abandon(_ error: any Error) {
        outcome.withLock { outcome in
            // A body that threw keeps its own error; one that succeeded, or never ran, gets the batch's.
            if case .failure = outcome { return }
            outcome = .failure(error)
        }
    }

    /// The body's result, once its batch is over.
    func result() throws -> T {
        guard let outcome = outcome.withLock({ $0 }) else {
            preconditionFailure("a write transaction's result was read before its batch ended")
        }
        return try outcome.get()
    }

    func wait() async -> WriteRole {
        await withCheckedContinuation { continuation in
            let ready: WriteRole? = waiter.withLock { waiter in
                if case .signalled(let role) = waiter {
                    waiter = .idle
                    return role
                }
                waiter = .waiting(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    func signal(_ role: WriteRole) {
        let continuation: CheckedContinuation<WriteRole, Never>? = waiter.withLock { waiter in
            if case .waiting(let continuation) = waiter {
                waiter = .idle
                return continuation
            }
            waiter = .signalled(role)
            return nil
        }
        continuation?.resume(returning: role)
    }
}
