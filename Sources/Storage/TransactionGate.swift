import NIOConcurrencyHelpers

/// Admits one transaction at a time, first come first served, without blocking a thread. Leaving needs no await, so
/// that a batch's commit can leave it from the writer's thread.
package final class TransactionGate: Sendable {
    private struct State {
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    package init() {}

    package func enter() async {
        await withCheckedContinuation { continuation in
            let admitted: Bool = state.withLockedValue { state in
                if state.busy {
                    state.waiters.append(continuation)
                    return false
                }
                state.busy = true
                return true
            }
            if admitted { continuation.resume() }
        }
    }

    /// Hands the gate to the next waiter, if there is one.
    package func leave() {
        let next: CheckedContinuation<Void, Never>? = state.withLockedValue { state in
            if state.waiters.isEmpty {
                state.busy = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
