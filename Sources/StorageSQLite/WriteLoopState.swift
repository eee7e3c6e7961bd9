/// The write loop's states (`SQLiteStore.run`): the writes queued, whether the loop runs, sleeps or stops, and the
/// checkpoint it is due. A plain value whose transitions take an event and answer what the caller must do; they do
/// no I/O and resume nothing themselves, so every path is tested without SQLite (`WriteLoopStateTests`), as
/// postgres-nio tests its pool's state machine.
///
/// `Write` is a queued write transaction, `Waiter` what a suspended caller waits on (a continuation in the store;
/// plain values in the tests).
struct WriteLoopState<Write, Waiter> {
    fileprivate enum Loop {
        /// The loop has not started: writes queue for it.
        case notStarted(queued: [Write])
        /// The loop is running a batch or about to take the next.
        case running(queued: [Write])
        /// The loop waits for a write; nothing is queued.
        case sleeping(Waiter)
        /// `close()` was called while the loop ran: it runs what is queued, then stops. New writes are refused.
        case draining(queued: [Write])
        /// The loop has ended (or never ran and the store closed): writes are refused.
        case stopped
    }

    private var loop: Loop = .notStarted(queued: [])
    /// Who waits for the loop to stop (`close()`).
    private var stopWaiters: [Waiter] = []

    /// Committed batches since the last checkpoint began.
    private var commitsSinceCheckpoint = 0
    private var checkpoint = Checkpoint.idle
    /// Commits between two checkpoints (see `SQLiteStore`'s checkpointing).
    let commitsBetweenCheckpoints: Int

    private enum Checkpoint {
        case idle
        /// The first step runs beside the loop, on the reader connection.
        case beside
        /// The first step is over: the loop finishes the checkpoint before its next batch.
        case finishDue
    }

    /// 1,000 by default: a connection's page, rewritten by many commits, is copied into the database once for all of
    /// them, where every 200 commits copied it five times as often (`scripts/bench ab`, 2026-12-06: key rotation
    /// 1.05x at c=16 in two runs of 5 and 8 rounds, 1.00x to 1.02x at c=64; p99 at most 3.6 times p50). The log then
    /// grows to about 40 MB between checkpoints.
    init(commitsBetweenCheckpoints: Int = 1000) {
        self.commitsBetweenCheckpoints = commitsBetweenCheckpoints
    }

    // MARK: Writers

    enum EnqueueAction {
        /// Queued; the loop takes it with its next batch.
        case queued
        /// Queued; the loop slept and must be woken.
        case wake(Waiter)
        /// The store is closing or closed: the write fails, nothing is queued.
        case refuse
    }

    /// The queue after `taken` went to a batch: room for as many, allocated once rather than grown write by write.
    private static func emptyQueue(like taken: [Write]) -> [Write] {
        var queue: [Write] = []
        queue.reserveCapacity(taken.count)
        return queue
    }

    mutating func enqueue(_ write: Write) -> EnqueueAction {
        switch loop {
        // `loop` lets go of the array before it grows, or appending copies it (for every write, malloc probe).
        case .notStarted(var queued):
            loop = .stopped
            queued.append(write)
            loop = .notStarted(queued: queued)
            return .queued
        case .running(var queued):
            loop = .stopped
            queued.append(write)
            loop = .running(queued: queued)
            return .queued
        case .sleeping(let waiter):
            loop = .running(queued: [write])
            return .wake(waiter)
        case .draining, .stopped:
            return .refuse
        }
    }

    /// How many writes wait for the loop to take them, as a batch or by joining one.
    var queuedCount: Int {
        switch loop {
        case .notStarted(let queued), .running(let queued), .draining(let queued): queued.count
        case .sleeping, .stopped: 0
        }
    }

    // MARK: The loop

    enum StartAction {
        case run
        /// The loop runs already, or the store closed before it started: this call has nothing to do.
        case refuse
    }

    mutating func loopStarted() -> StartAction {
        guard case .notStarted(let queued) = loop else { return .refuse }
        loop = .running(queued: queued)
        return .run
    }

    enum NextAction {
        /// Run these writes as one batch; `finishCheckpoint`: first finish the checkpoint on the writer.
        case batch([Write], finishCheckpoint: Bool)
        /// Nothing queued: suspend (`sleep`); `finishCheckpoint` as above, before suspending.
        case sleep(finishCheckpoint: Bool)
        /// The store closed and nothing is left: end the loop and resume these waiters of `close()`.
        case stop([Waiter])
    }

    /// The loop, between batches, asks for its next one.
    mutating func next() -> NextAction {
        let finish = takeCheckpointFinish()
        switch loop {
        case .running(let queued):
            if queued.isEmpty { return .sleep(finishCheckpoint: finish) }
            loop = .running(queued: Self.emptyQueue(like: queued))
            return .batch(queued, finishCheckpoint: finish)
        case .draining(let queued):
            if queued.isEmpty {
                loop = .stopped
                return .stop(takeStopWaiters())
            }
            loop = .draining(queued: Self.emptyQueue(like: queued))
            return .batch(queued, finishCheckpoint: finish)
        case .notStarted, .sleeping, .stopped:
            // Only the running loop asks; a stopped one has stopped.
            loop = .stopped
            return .stop(takeStopWaiters())
        }
    }

    /// The loop, having run its batch's bodies and before committing it, takes the writes queued since: they join
    /// the batch, so that they share its commit instead of waiting for the next one. Answers none once the batch
    /// holds `joinLimit` writes, or when the loop is not running a batch.
    mutating func join(batchOf count: Int) -> [Write] {
        guard count < Self.joinLimit else { return [] }
        switch loop {
        case .running(let queued) where !queued.isEmpty:
            loop = .running(queued: Self.emptyQueue(like: queued))
            return queued
        case .draining(let queued) where !queued.isEmpty:
            loop = .draining(queued: Self.emptyQueue(like: queued))
            return queued
        case .notStarted, .running, .sleeping, .draining, .stopped:
            return []
        }
    }

    /// The writes a batch takes in at most by joining (`join`); the batch it began with may be larger. A bound on
    /// how long its first writers wait for the commit while later ones join (our choice).
    static var joinLimit: Int { 256 }

    enum SleepAction {
        /// Suspended: an enqueue or `close()` wakes the waiter.
        case suspended
        /// A write came (or `close()`) between `next` and now: resume at once and ask again.
        case resume(Waiter)
    }

    /// The loop suspends on `waiter` after `next` answered `sleep`.
    mutating func sleep(_ waiter: Waiter) -> SleepAction {
        if case .running(let queued) = loop, queued.isEmpty {
            loop = .sleeping(waiter)
            return .suspended
        }
        return .resume(waiter)
    }

    // MARK: Closing

    enum CloseAction {
        /// The loop runs what is queued, then stops (`awaitStop`).
        case drain
        /// The loop slept: wake it so that it stops.
        case wakeLoop(Waiter)
        /// The loop never started: fail these queued writes; it is stopped now.
        case failQueued([Write])
        /// Closed already.
        case closed
    }

    /// Whether `close()` was called: the store then refuses reads as well as writes.
    var isClosed: Bool {
        switch loop {
        case .draining, .stopped: true
        case .notStarted, .running, .sleeping: false
        }
    }

    /// `close()`: from now on writes are refused, and the loop stops once every queued write is done.
    mutating func close() -> CloseAction {
        switch loop {
        case .notStarted(let queued):
            loop = .stopped
            return .failQueued(queued)
        case .running(let queued):
            loop = .draining(queued: queued)
            return .drain
        case .sleeping(let loopWaiter):
            loop = .draining(queued: [])
            return .wakeLoop(loopWaiter)
        case .draining, .stopped:
            return .closed
        }
    }

    /// `close()` waits on `waiter` for the loop's end: answers it back when the loop has stopped already (resume
    /// it at once); otherwise the loop's `stop` hands it back.
    mutating func awaitStop(_ waiter: Waiter) -> Waiter? {
        if case .stopped = loop { return waiter }
        stopWaiters.append(waiter)
        return nil
    }

    private mutating func takeStopWaiters() -> [Waiter] {
        defer { stopWaiters = [] }
        return stopWaiters
    }

    // MARK: Checkpoints

    /// A batch committed: `true` when the checkpoint's first step is due now (the caller starts it beside the loop).
    mutating func committed() -> Bool {
        commitsSinceCheckpoint += 1
        guard case .idle = checkpoint, commitsSinceCheckpoint >= commitsBetweenCheckpoints else { return false }
        commitsSinceCheckpoint = 0
        checkpoint = .beside
        return true
    }

    /// The checkpoint's first step is over: the loop finishes it before its next batch.
    mutating func checkpointBesideEnded() {
        if case .beside = checkpoint { checkpoint = .finishDue }
    }

    private mutating func takeCheckpointFinish() -> Bool {
        guard case .finishDue = checkpoint else { return false }
        checkpoint = .idle
        return true
    }
}

extension WriteLoopState: Sendable where Write: Sendable, Waiter: Sendable {}

extension WriteLoopState.Loop: Sendable where Write: Sendable, Waiter: Sendable {}
