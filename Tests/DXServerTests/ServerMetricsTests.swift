import DXDispatch
import DirectConnect
import DirectConnectModel
import Testing

@testable import DXServer

/// The labels a request is counted under, as the server remembers them for the targets it has seen: the same
/// answers as reading the target afresh, and nothing remembered for a target the table does not declare.
@Suite struct ServerMetricsTests {
    static let table = FaultRulesTests.table
    static let target = DirectConnectMetadata.targetPrefix + ".DescribeConnections"

    @Test func aDeclaredTargetIsAnsweredAlikeTheFirstTimeAndAfter() {
        let metrics = ServerMetrics()
        let fresh = ServerMetrics.labels(path: "/", target: Self.target, table: Self.table)
        #expect(fresh.service == DirectConnectMetadata.signingName && fresh.operation == "DescribeConnections")
        for _ in 0..<3 {
            let remembered = metrics.labels(path: "/", target: Self.target, table: Self.table)
            #expect(remembered.service == fresh.service && remembered.operation == fresh.operation)
        }
        #expect(metrics.remembersTargets == 1)
    }

    @Test func targetsItDoesNotDeclareAreUnknownAndNotRemembered() {
        let metrics = ServerMetrics()
        let made = [
            DirectConnectMetadata.targetPrefix + ".describeconnections",
            DirectConnectMetadata.targetPrefix + ".MadeUp",
            "Nothing.DescribeConnections",
            "no-dot",
        ]
        for target in made {
            let labels = metrics.labels(path: "/", target: target, table: Self.table)
            #expect(labels.service == ServerMetrics.unknown && labels.operation == ServerMetrics.unknown, "\(target)")
        }
        #expect(metrics.remembersTargets == 0)
        let operatorPath = metrics.labels(path: "/_dxlocal/health", target: Self.target, table: Self.table)
        #expect(operatorPath.service == ServerMetrics.operatorService && operatorPath.operation == "/_dxlocal/health")
        #expect(metrics.remembersTargets == 0)
    }
}
