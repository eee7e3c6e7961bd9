import AWSJSONProtocol
import CoreMetrics
import DXDispatch
import NIOCore
import Prometheus
import Storage
import Synchronization

/// The server's metrics for `GET /_dxlocal/metrics` (SPEC 11), made with swift-metrics into a Prometheus registry of
/// this server's own (no global bootstrap: tests run many servers in one process). Each name has one label set, and
/// every label value comes from a bounded set (the operations the table declares, fixed words, HTTP statuses), so a
/// client cannot grow the registry: a target or path the server does not know is counted as `unknown`.
package final class ServerMetrics: Sendable {
    static let requestsName = "dxlocal_requests_total"
    static let durationName = "dxlocal_request_duration_seconds"
    static let resourcesName = "dxlocal_resources"
    static let faultsName = "dxlocal_faults_injected_total"

    /// Requests outside `POST /` are the operator's: service `dxlocal`, operation the path (our choice).
    static let operatorService = "dxlocal"
    static let unknown = "unknown"

    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory

    /// The counter and timer of each label set answered so far, and the labels of each target seen, so that a
    /// request costs two lookups here instead of parsing its target and asking the registry for two instruments
    /// (about 2 % of the server's CPU under key rotation, perf at c=16). Both stay bounded: label values come from
    /// bounded sets, and a target is kept only when it is, exactly, one the table declares.
    private let instruments = Mutex<[AnswerLabels: Instruments]>([:])
    private let targets = Mutex<[String: (service: String, operation: String)]>([:])

    private struct AnswerLabels: Hashable {
        let service: String
        let operation: String
        let status: Int
    }

    private struct Instruments {
        let requests: CoreMetrics.Counter
        let duration: CoreMetrics.Timer
    }

    /// Sub-millisecond buckets: a request here takes about 0.2 ms, a commit about 0.1 ms to a few ms.
    static let durationBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    package init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        for name in [Self.durationName, WritePathMetrics.queueWaitName, WritePathMetrics.commitName] {
            factory.durationHistogramBuckets[name] = Self.durationBuckets
        }
        factory.valueHistogramBuckets[WritePathMetrics.batchSizeName] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
        self.factory = factory
    }

    /// The metrics a store of `backend` records of its write path into this registry.
    package func writePath(backend: StoreHealth.Backend) -> WritePathMetrics {
        WritePathMetrics(backend: backend.rawValue, factory: factory)
    }

    /// The service and operation a request is counted under: a target `table` declares, or an operator's path.
    static func labels(path: String, target: String?, table: OperationTable) -> (service: String, operation: String) {
        guard path == "/" else {
            if OperatorRoutes.paths.contains(path) { return (operatorService, path) }
            return (operatorService, OperatorRoutes.mkaTemplate(path) ?? unknown)
        }
        guard let target, let parsed = AWSTarget(target), let service = table.signingName(ofPrefix: parsed.prefix),
            table.declares(operation: String(parsed.operation), of: service) == true
        else { return (unknown, unknown) }
        return (service, String(parsed.operation))
    }

    /// `labels(path:target:table:)`, remembering the answer for a target `table` declares.
    func labels(path: String, target: String?, table: OperationTable) -> (service: String, operation: String) {
        guard path == "/", let target else { return Self.labels(path: path, target: target, table: table) }
        if let known = targets.withLock({ $0[target] }) { return known }
        let labels = Self.labels(path: path, target: target, table: table)
        if labels.service != Self.unknown { targets.withLock { $0[target] = labels } }
        return labels
    }

    /// How many targets' labels are remembered (for tests).
    var remembersTargets: Int { targets.withLock { $0.count } }

    func answered(service: String, operation: String, status: Int, after duration: Duration) {
        let key = AnswerLabels(service: service, operation: operation, status: status)
        let made = instruments.withLock { instruments -> Instruments in
            if let made = instruments[key] { return made }
            let made = Instruments(
                requests: CoreMetrics.Counter(
                    label: Self.requestsName,
                    dimensions: [("service", service), ("operation", operation), ("status", String(status))],
                    factory: factory
                ),
                duration: CoreMetrics.Timer(
                    label: Self.durationName,
                    dimensions: [("service", service), ("operation", operation)],
                    factory: factory
                )
            )
            instruments[key] = made
            return made
        }
        made.requests.increment()
        made.duration.recordNanoseconds(duration.nanoseconds)
    }

    func faultInjected(service: String, operation: Substring) {
        Counter(
            label: Self.faultsName,
            dimensions: [("service", service), ("operation", String(operation))],
            factory: factory
        ).increment()
    }

    /// The exposition text, with the resources counted now, by kind, across every account and region.
    func render(store: any Store) async throws -> ByteBuffer {
        let counts = try await store.transaction(.read) { transaction in
            var counts: [(String, Int)] = []
            for kind in StoredKinds.all {
                counts.append((kind.recordKind.name, try await transaction.countEvery(kind)))
            }
            return counts
        }
        for (kind, count) in counts {
            Gauge(label: Self.resourcesName, dimensions: [("kind", kind)], factory: factory).record(count)
        }
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return ByteBuffer(bytes: bytes)
    }
}
