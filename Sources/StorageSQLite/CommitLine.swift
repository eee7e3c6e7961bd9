import Storage
import Synchronization

/// A batch whose bodies have run and whose commit has not started.
struct OpenBatch: Sendable {
    var writes: [QueuedWrite] = []
    let batch: WriteBatch
    var bodies = Duration.zero
    var failure: StoreError?
}

/// A batch whose commit has started: what it wrote, which the batch after it reads, and, once its commit is over,
/// whether it committed.
final class SealedBatch: Sendable {
    let writes: PendingWrites
    private let outcome = Mutex<Bool?>(nil)

    init(writes: PendingWrites) {
        self.writes = writes
    }

    /// `true` when it committed, `false` when it failed, `nil` while its commit is under way.
    var committed: Bool? { outcome.withLock { $0 } }

    fileprivate func end(committed: Bool) {
        outcome.withLock { $0 = committed }
    }
}

/// Who has the writer connection, and the batch waiting for it.
///
/// The drain (`SQLiteStore.drain`) runs the bodies of arriving writers in the open batch and offers it after each
/// group of them. While a batch commits, an offered batch waits here; when that commit is over, the writer's thread
/// takes it and commits it at once, without leaving the thread: the writer goes from one commit to the next with no
/// hop to another thread in between. The drain takes an offered batch back to add the bodies of later arrivals,
/// unless the writer has taken it already; then those start the next batch, which reads the committing one's writes.
/// A body that needs SQLite (`WriteBatch.sql`) holds the writer connection for its batch: it waits for the commit
/// under way to end, and holds the connection until its batch's commit.
final class CommitLine: Sendable {
    private enum Writer {
        case idle
        /// A body of the open batch uses the connection, inside the batch's SQLite transaction.
        case held
        case committing
    }

    private struct State {
        var writer = Writer.idle
        var offered: OpenBatch?
        /// The batch the writer commits (its writes are not in the committed tables yet).
        var committing: SealedBatch?
        var holder: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// The batch the writer commits now, if any: a new batch reads its writes.
    var committing: SealedBatch? { state.withLock { $0.committing } }

    /// The offered batch back, for more bodies, unless the writer has taken it (or none was offered).
    func reclaim() -> OpenBatch? {
        state.withLock { state in
            defer { state.offered = nil }
            return state.offered
        }
    }

    /// What becomes of an offered batch.
    enum Offer {
        /// The writer connection was free (or held by this batch): the batch is committing, and the caller starts it.
        case start
        /// The writer takes it once the commit under way is over.
        case wait
        /// Its bodies read the writes of a batch that did not commit: its writers must run again.
        case runAgain
    }

    /// Offers the open batch.
    func offer(_ batch: OpenBatch) -> Offer {
        state.withLock { state in
            switch state.writer {
            case .idle, .held:
                if batch.batch.previous?.committed == false {
                    state.writer = .idle
                    return .runAgain
                }
                state.writer = .committing
                state.committing = SealedBatch(writes: batch.batch.pending)
                return .start
            case .committing:
                state.offered = batch
                return .wait
            }
        }
    }

    /// The writer's commit is over (`committed`: it committed). The batch the writer commits next, taken from the
    /// offer, or none, and the writer is free. After a failed commit, an offered batch (built on its writes) is not
    /// committed but handed back to run again. Called on the writer's thread, after the committed writes reached the
    /// committed tables.
    func next(afterCommitted committed: Bool) -> (next: OpenBatch?, runAgain: OpenBatch?) {
        let (next, runAgain, holder): (OpenBatch?, OpenBatch?, CheckedContinuation<Void, Never>?) = state.withLock {
            state in
            state.committing?.end(committed: committed)
            state.committing = nil
            let offered = state.offered
            state.offered = nil
            if let offered, committed {
                state.committing = SealedBatch(writes: offered.batch.pending)
                return (offered, nil, nil)
            }
            guard let holder = state.holder else {
                state.writer = .idle
                return (nil, offered, nil)
            }
            state.holder = nil
            state.writer = .held
            return (nil, offered, holder)
        }
        holder?.resume()
        return (next, runAgain)
    }

    /// For a body of the open batch: waits until no commit is under way, then holds the writer connection until the
    /// batch is offered (`offer`) or given up (`release`). Only the drain calls it, for the one open batch.
    func hold() async {
        await withCheckedContinuation { continuation in
            let now: Bool = state.withLock { state in
                switch state.writer {
                case .idle:
                    state.writer = .held
                    return true
                case .held:
                    return true
                case .committing:
                    state.holder = continuation
                    return false
                }
            }
            if now { continuation.resume() }
        }
    }

    /// The open batch that held the writer connection was given up.
    func release() {
        state.withLock { state in
            if case .held = state.writer { state.writer = .idle }
        }
    }
}
