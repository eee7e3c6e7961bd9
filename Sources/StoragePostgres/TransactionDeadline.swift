import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import Storage

/// Bounds on one transaction of `PostgresStore` (our choice): a connection of the pool within 5 s, then the whole
/// transaction within 15 s (its statements touch a few rows each; a write waiting on another's row lock waits for
/// one short transaction). While PostgreSQL is away the pool keeps trying to connect, and a statement postgres-nio
/// (1.33.2) sent on a connection that PostgreSQL was closing was seen to wait forever: past a bound the request's
/// transaction fails as unavailable, which the services answer with their server error within seconds, and the
/// transaction's task is cancelled and left to end with its connection.
///
/// One timer a transaction, not one a statement: with two tasks a statement and a task group for the lease, key
/// rotation took 880 µs of the server's CPU a request at c=16, with this 666 µs (0.76x; 1,194 -> 710 µs at c=64;
/// `scripts/bench ab --postgres --rounds 3`).
enum TransactionDeadline {
    static let lease: Duration = .seconds(5)
    static let run: Duration = .seconds(15)

    /// Runs `work`, which calls `leased` once it holds its connection; fails as unavailable when it has none within
    /// `lease`, or has not ended `run` after it had one.
    static func bounded<T: Sendable>(
        lease: Duration = lease,
        run: Duration = run,
        _ work: @escaping @Sendable (_ leased: @escaping @Sendable () -> Void) async throws -> T
    ) async throws -> T {
        let waiter = NIOLockedValueBox<CheckedContinuation<T, any Error>?>(nil)
        let leasedAt = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
        let timer = NIOLockedValueBox<Task<Void, Never>?>(nil)
        return try await withCheckedThrowingContinuation { continuation in
            waiter.withLockedValue { $0 = continuation }
            let task = Task {
                let result: Result<T, any Error>
                do {
                    result = .success(try await work { leasedAt.withLockedValue { $0 = .now } })
                } catch {
                    result = .failure(error)
                }
                waiter.withLockedValue { $0.take() }?.resume(with: result)
                timer.withLockedValue { $0 }?.cancel()
            }
            let deadline = Task {
                let reason: String
                do {
                    try await Task.sleep(for: lease)
                    if let since = leasedAt.withLockedValue({ $0 }) {
                        try await Task.sleep(until: since + run)
                        reason = "a PostgreSQL transaction took over \(run)"
                    } else {
                        reason = "no PostgreSQL connection within \(lease)"
                    }
                } catch {
                    return  // cancelled: the transaction ended
                }
                guard let continuation = waiter.withLockedValue({ $0.take() }) else { return }
                task.cancel()
                continuation.resume(throwing: StoreError(.unavailable, reason))
            }
            timer.withLockedValue { $0 = deadline }
            // The transaction may have ended before the timer was kept.
            if waiter.withLockedValue({ $0 == nil }) { deadline.cancel() }
        }
    }
}

extension PostgresConnection {
    /// A statement whose rows are not read.
    func statement(_ query: PostgresQuery, logger: Logger) async throws {
        _ = try await self.query(query, logger: logger)
    }
}
