import Foundation

/// The thread a SQLite connection lives on, and a task executor: a task that prefers it runs its jobs there, so the
/// write loop runs its bodies, its commit and its apply on the writer connection's thread without a hop.
///
/// Replaces a one-thread `NIOThreadPool`, which runs closures only, so the loop hopped to it and back each commit.
/// Key rotation, `scripts/bench ab`, 4 + 3 rounds, either order (2026-12-02): 1.31x and 1.32x req/s at c=16, 1.28x
/// and 1.29x at c=64; server CPU a request 0.86x and 0.85x at c=16 (docs/PERFORMANCE.md).
final class ConnectionThread: TaskExecutor, @unchecked Sendable {
    // `queue`, `sleeping` and `stopped` are guarded by `condition`'s lock.
    private let condition = NSCondition()
    private var queue: [UnownedJob] = []
    private var sleeping = false
    private var stopRequested = false
    private var stopped = false

    /// Starts the thread; `name` (at most 15 bytes) is what `top -H` and perf show.
    init(name: String) {
        Thread.detachNewThread { [self] in
            Thread.current.name = name
            serve()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        if stopped {
            condition.unlock()
            // The thread is gone: the job runs on the global executor, where what it does finds the connection
            // closed (`SQLiteHandle.perform`).
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
            return
        }
        queue.append(job)
        let wake = sleeping
        condition.unlock()
        if wake { condition.signal() }
    }

    /// Lets the thread end once every job queued so far has run; later jobs run on the global executor.
    func stop() {
        condition.lock()
        stopRequested = true
        let wake = sleeping
        condition.unlock()
        if wake { condition.signal() }
    }

    private func serve() {
        var running: [UnownedJob] = []
        while true {
            condition.lock()
            while queue.isEmpty && !stopRequested {
                sleeping = true
                condition.wait()
            }
            sleeping = false
            if queue.isEmpty {
                stopped = true
                condition.unlock()
                return
            }
            swap(&running, &queue)
            condition.unlock()
            for job in running { job.runSynchronously(on: asUnownedTaskExecutor()) }
            running.removeAll(keepingCapacity: true)
        }
    }
}
