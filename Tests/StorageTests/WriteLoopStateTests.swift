import Testing

@testable import StorageSQLite

/// The write loop's transitions, without SQLite: writes are strings, waiters names.
@Suite struct WriteLoopStateTests {
    typealias State = WriteLoopState<String, String>

    /// A loop that has started and taken nothing yet.
    func started(commitsBetweenCheckpoints: Int = 200) -> State {
        var state = State(commitsBetweenCheckpoints: commitsBetweenCheckpoints)
        guard case .run = state.loopStarted() else {
            Issue.record("a new loop did not start")
            return state
        }
        return state
    }

    func batch(_ action: State.NextAction) -> (writes: [String], finishCheckpoint: Bool)? {
        if case .batch(let writes, let finish) = action { return (writes, finish) }
        return nil
    }

    @Test func writesQueuedBeforeTheLoopStartsAreItsFirstBatch() {
        var state = State()
        guard case .queued = state.enqueue("a"), case .queued = state.enqueue("b") else {
            Issue.record("writes before the loop were not queued")
            return
        }
        guard case .run = state.loopStarted() else {
            Issue.record("the loop did not start")
            return
        }
        #expect(batch(state.next())?.writes == ["a", "b"])
        guard case .refuse = state.loopStarted() else {
            Issue.record("a second loop was allowed to start")
            return
        }
    }

    /// Only the running loop asks for a batch; asked anyway, a loop that never started gives none and stops.
    @Test func aLoopThatNeverStartedTakesNoBatch() {
        var state = State()
        _ = state.enqueue("a")
        guard case .stop = state.next() else {
            Issue.record("a loop that never started was given work")
            return
        }
        guard case .refuse = state.enqueue("b") else {
            Issue.record("a stopped loop took a write")
            return
        }
    }

    /// Reads are refused from `close()` on, while the loop still drains what was queued.
    @Test func theStateIsClosedFromCloseOn() {
        var state = started()
        _ = state.enqueue("a")
        #expect(!state.isClosed)
        _ = state.close()
        #expect(state.isClosed)
        #expect(batch(state.next())?.writes == ["a"])
        #expect(state.isClosed)
        guard case .stop = state.next() else {
            Issue.record("the drained loop did not stop")
            return
        }
        #expect(state.isClosed)
        guard case .closed = state.close() else {
            Issue.record("a second close was not told the store is closed")
            return
        }
    }

    @Test func everyWriteQueuedDuringABatchIsTheNextBatchInArrivalOrder() {
        var state = started()
        _ = state.enqueue("a")
        #expect(batch(state.next())?.writes == ["a"])
        _ = state.enqueue("b")
        _ = state.enqueue("c")
        _ = state.enqueue("d")
        #expect(batch(state.next())?.writes == ["b", "c", "d"])
        guard case .sleep(finishCheckpoint: false) = state.next() else {
            Issue.record("an empty queue did not put the loop to sleep")
            return
        }
    }

    /// Writes queued while a batch runs join it, in arrival order, until it holds `joinLimit`; the next batch then
    /// takes what is left.
    /// `queuedCount` counts what waits for the loop, and nothing once taken.
    @Test func writesQueuedDuringABatchJoinItUpToTheLimit() {
        var state = started()
        _ = state.enqueue("a")
        #expect(state.queuedCount == 1)
        #expect(batch(state.next())?.writes == ["a"])
        #expect(state.queuedCount == 0)
        #expect(state.join(batchOf: 1).isEmpty)
        _ = state.enqueue("b")
        _ = state.enqueue("c")
        #expect(state.queuedCount == 2)
        #expect(state.join(batchOf: 1) == ["b", "c"])
        #expect(state.queuedCount == 0)
        #expect(state.join(batchOf: 3).isEmpty)
        _ = state.enqueue("d")
        #expect(state.join(batchOf: State.joinLimit).isEmpty)
        #expect(state.queuedCount == 1)
        #expect(batch(state.next())?.writes == ["d"])
        guard case .sleep = state.next(), case .suspended = state.sleep("loop") else {
            Issue.record("an empty queue did not put the loop to sleep")
            return
        }
        #expect(state.queuedCount == 0)
    }

    /// A closing store's batch still takes in what was queued before `close()`; a stopped or sleeping loop joins
    /// nothing.
    @Test func aDrainingBatchJoinsWhatWasQueuedAndASleepingLoopNothing() {
        var state = started()
        _ = state.enqueue("a")
        #expect(batch(state.next())?.writes == ["a"])
        _ = state.enqueue("b")
        guard case .drain = state.close() else {
            Issue.record("closing a running loop did not drain it")
            return
        }
        #expect(state.join(batchOf: 1) == ["b"])
        guard case .stop = state.next() else {
            Issue.record("a drained loop did not stop")
            return
        }
        #expect(state.join(batchOf: 0).isEmpty)

        var sleeping = started()
        guard case .sleep = sleeping.next(), case .suspended = sleeping.sleep("loop") else {
            Issue.record("an idle loop did not sleep")
            return
        }
        #expect(sleeping.join(batchOf: 0).isEmpty)
        guard case .wake("loop") = sleeping.enqueue("c") else {
            Issue.record("a write did not wake the sleeping loop")
            return
        }
    }

    @Test func aSleepingLoopIsWokenByTheNextWriteOnce() {
        var state = started()
        guard case .sleep = state.next(), case .suspended = state.sleep("loop") else {
            Issue.record("the loop did not suspend")
            return
        }
        guard case .wake(let waiter) = state.enqueue("a") else {
            Issue.record("a write did not wake the sleeping loop")
            return
        }
        #expect(waiter == "loop")
        guard case .queued = state.enqueue("b") else {
            Issue.record("the loop was woken twice")
            return
        }
        #expect(batch(state.next())?.writes == ["a", "b"])
    }

    @Test func aWriteBetweenNextAndSleepResumesTheLoopAtOnce() {
        var state = started()
        guard case .sleep = state.next() else {
            Issue.record("an empty queue did not put the loop to sleep")
            return
        }
        _ = state.enqueue("a")
        guard case .resume(let waiter) = state.sleep("loop") else {
            Issue.record("the loop slept with a write queued")
            return
        }
        #expect(waiter == "loop")
        #expect(batch(state.next())?.writes == ["a"])
    }

    @Test func closingDrainsTheQueueThenStopsAndRefusesNewWrites() {
        var state = started()
        _ = state.enqueue("a")
        guard case .drain = state.close() else {
            Issue.record("closing a running loop did not drain it")
            return
        }
        #expect(state.awaitStop("closer") == nil, "the closer did not wait for the loop")
        guard case .refuse = state.enqueue("late") else {
            Issue.record("a write after close was queued")
            return
        }
        #expect(batch(state.next())?.writes == ["a"])
        guard case .stop(let closers) = state.next() else {
            Issue.record("the drained loop did not stop")
            return
        }
        #expect(closers == ["closer"])
        #expect(state.awaitStop("late closer") == "late closer")
        guard case .closed = state.close() else {
            Issue.record("a second close did something")
            return
        }
    }

    @Test func closingWakesASleepingLoopSoThatItStops() {
        var state = started()
        guard case .sleep = state.next(), case .suspended = state.sleep("loop") else {
            Issue.record("the loop did not suspend")
            return
        }
        guard case .wakeLoop(let waiter) = state.close() else {
            Issue.record("close did not wake the sleeping loop")
            return
        }
        #expect(waiter == "loop")
        #expect(state.awaitStop("closer") == nil)
        guard case .stop(let closers) = state.next() else {
            Issue.record("the woken loop did not stop")
            return
        }
        #expect(closers == ["closer"])
    }

    @Test func closingALoopThatNeverRanFailsItsQueuedWrites() {
        var state = State()
        _ = state.enqueue("a")
        guard case .failQueued(let writes) = state.close() else {
            Issue.record("close did not hand back the writes no loop will run")
            return
        }
        #expect(writes == ["a"])
        #expect(state.awaitStop("closer") == "closer", "a closer waited for a loop that never ran")
        guard case .refuse = state.loopStarted() else {
            Issue.record("a loop started after close")
            return
        }
    }

    @Test func theCheckpointBeginsBesideAfterEnoughCommitsAndTheLoopFinishesItBeforeItsNextBatch() {
        var state = started(commitsBetweenCheckpoints: 3)
        let firstThree = [state.committed(), state.committed(), state.committed()]
        #expect(firstThree == [false, false, true], "the third commit did not start the checkpoint (alone)")
        let duringTheFirstStep = state.committed()
        #expect(!duringTheFirstStep, "a second checkpoint started while the first ran")
        _ = state.enqueue("a")
        #expect(batch(state.next())?.finishCheckpoint == false, "finished before its first step ended")
        state.checkpointBesideEnded()
        _ = state.enqueue("b")
        #expect(batch(state.next())?.finishCheckpoint == true)
        _ = state.enqueue("c")
        #expect(batch(state.next())?.finishCheckpoint == false, "the checkpoint was finished twice")
        // The commits during the first step count toward the next checkpoint.
        let afterwards = [state.committed(), state.committed()]
        #expect(afterwards == [false, true])
    }

    @Test func aCheckpointDueWhenTheQueueIsEmptyIsFinishedBeforeSleeping() {
        var state = started(commitsBetweenCheckpoints: 1)
        let due = state.committed()
        #expect(due)
        state.checkpointBesideEnded()
        guard case .sleep(finishCheckpoint: true) = state.next() else {
            Issue.record("an idle loop did not finish the due checkpoint")
            return
        }
        guard case .sleep(finishCheckpoint: false) = state.next() else {
            Issue.record("the checkpoint was finished twice")
            return
        }
    }
}
