import CoreMetrics

/// What a store measures of its write path, for `GET /_dxlocal/metrics` (SPEC 11): how long each write waited in the
/// queue before its batch began, how many writes each batch held, and how long each commit took. Metrics are made
/// with the factory given (the server's own registry), so two stores in one process never share a series.
package struct WritePathMetrics: Sendable {
    package static let queueWaitName = "dxlocal_store_queue_wait_seconds"
    package static let batchSizeName = "dxlocal_store_batch_size"
    package static let commitName = "dxlocal_store_commit_seconds"

    private let queueWait: CoreMetrics.Timer
    private let batchSize: Recorder
    private let commit: CoreMetrics.Timer

    /// `backend`: the one label of every series (`sqlite`, `postgres`).
    package init(backend: String, factory: any MetricsFactory) {
        let labels = [("backend", backend)]
        queueWait = CoreMetrics.Timer(label: Self.queueWaitName, dimensions: labels, factory: factory)
        batchSize = Recorder(label: Self.batchSizeName, dimensions: labels, factory: factory)
        commit = CoreMetrics.Timer(label: Self.commitName, dimensions: labels, factory: factory)
    }

    /// Measures nothing: stores opened without a server (tests, commands).
    package static let none = WritePathMetrics(backend: "none", factory: NOOPMetricsHandler.instance)

    package func waited(_ duration: Duration) { queueWait.recordNanoseconds(duration.nanoseconds) }

    package func committed(batchOf size: Int, in duration: Duration) {
        batchSize.record(size)
        commit.recordNanoseconds(duration.nanoseconds)
    }
}

extension Duration {
    /// Whole nanoseconds, saturating (a duration of 292 years or more is not measured here).
    package var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return whole.addingReportingOverflow(attoseconds / 1_000_000_000).overflow
            ? .max : whole + attoseconds / 1_000_000_000
    }
}
