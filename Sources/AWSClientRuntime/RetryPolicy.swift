/// When and how long to wait before trying a call again: the SDKs' standard mode.
///
/// A call is retried on throttling codes, on 500/502/503/504 and on transport failures, up to ``maxAttempts``
/// attempts in all; before retry `n` it waits a random fraction (full jitter) of `baseDelay * 2^(n-1)`, capped at
/// ``maxBackoff``. The jitter source and the sleep are injectable so tests neither wait nor guess.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxBackoff: Duration
    /// A number in `0..<1`; the default is the system's random source.
    public var jitter: @Sendable () -> Double
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(
        maxAttempts: Int = 3,
        baseDelay: Duration = .seconds(1),
        maxBackoff: Duration = .seconds(20),
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxBackoff = maxBackoff
        self.jitter = jitter
        self.sleep = sleep
    }

    /// A policy that never retries.
    public static var none: RetryPolicy { RetryPolicy(maxAttempts: 1) }

    /// Error codes the SDKs treat as throttling.
    public static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
        "PriorRequestNotComplete", "EC2ThrottledException",
    ]

    /// Error codes the SDKs treat as transient whatever the status.
    public static let transientCodes: Set<String> = ["RequestTimeout", "RequestTimeoutException"]

    /// Statuses that are retried.
    public static let transientStatuses: Set<Int> = [500, 502, 503, 504]

    /// Whether a failed attempt is worth repeating.
    public static func isRetryable(_ error: AWSClientError) -> Bool {
        switch error.kind {
        case .transport:
            return true
        case .configuration:
            return false
        case .service, .invalidResponse:
            if throttlingCodes.contains(error.code) || transientCodes.contains(error.code) { return true }
            return error.statusCode.map(transientStatuses.contains) ?? false
        }
    }

    /// The wait before retry number `retry` (1 for the first retry).
    public func delay(beforeRetry retry: Int) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        let ceiling = min(baseDelay * (1 << exponent), maxBackoff)
        let fraction = min(max(jitter(), 0), 1)
        return ceiling * fraction
    }
}
