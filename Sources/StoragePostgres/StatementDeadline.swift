import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import Storage

/// A bound on one statement's round trip (our choice: 15 s; a statement of this store touches a few rows, and a
/// write that waits on another's row lock waits for one short transaction). A statement postgres-nio (1.33.2) sent
/// on a connection that PostgreSQL was closing was seen to wait forever, and with it the request; past the bound
/// the statement is cancelled and left behind, and the transaction fails as unavailable, which the services answer
/// with their server error.
enum StatementDeadline {
    static let limit: Duration = .seconds(15)

    static func bounded<T: Sendable>(
        _ limit: Duration = limit,
        _ statement: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let waiter = NIOLockedValueBox<CheckedContinuation<T, any Error>?>(nil)
        let timer = NIOLockedValueBox<Task<Void, Never>?>(nil)
        return try await withCheckedThrowingContinuation { continuation in
            waiter.withLockedValue { $0 = continuation }
            let work = Task {
                let result: Result<T, any Error>
                do { result = .success(try await statement()) } catch { result = .failure(error) }
                waiter.withLockedValue { $0.take() }?.resume(with: result)
                timer.withLockedValue { $0 }?.cancel()
            }
            let deadline = Task {
                try? await Task.sleep(for: limit)
                guard !Task.isCancelled, let continuation = waiter.withLockedValue({ $0.take() }) else { return }
                work.cancel()
                continuation.resume(throwing: StoreError(.unavailable, "a PostgreSQL statement took over \(limit)"))
            }
            timer.withLockedValue { $0 = deadline }
            // The statement may have ended before the timer was kept.
            if waiter.withLockedValue({ $0 == nil }) { deadline.cancel() }
        }
    }
}

extension PostgresConnection {
    /// A statement whose rows are not read, within `StatementDeadline`.
    func statement(_ query: PostgresQuery, logger: Logger) async throws {
        try await StatementDeadline.bounded { _ = try await self.query(query, logger: logger) }
    }
}
