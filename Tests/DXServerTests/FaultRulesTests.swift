import AWSJSONProtocol
import DXDispatch
import DirectConnect
import DirectConnectModel
import Storage
import Synchronization
import Testing

@testable import DXServer

/// SPEC 11's fault rules as plain values: which rule a request meets, in which order, with which defaults; no I/O.
@Suite struct FaultRulesTests {
    static let table: OperationTable = {
        var table = OperationTable()
        table.declare(
            prefix: DirectConnectMetadata.targetPrefix,
            signingName: DirectConnectMetadata.signingName,
            operations: DirectConnectOperation.allCases.map(\.rawValue),
            serverError: DirectConnectService.serverError
        )
        return table
    }()

    static func request(
        _ operation: Substring = "DescribeConnections",
        account: String = "123456789012",
        region: String = "us-east-1"
    ) -> FaultRules.Request {
        FaultRules.Request(
            service: "directconnect",
            operation: operation,
            scope: Scope(account: account, region: region)
        )
    }

    /// Draws that come from a list, so that a test says what every draw is.
    final class Draws: Sendable {
        let values: Mutex<[Double]>
        init(_ values: [Double]) { self.values = Mutex(values) }
        func next() -> Double { values.withLock { $0.isEmpty ? 0 : $0.removeFirst() } }
    }

    @Test func theFirstRuleThatMatchesAndFiresApplies() throws {
        let draws = Draws([0.7, 0.2])
        let faults = FaultRules(draw: draws.next)
        faults.replace(
            with: try FaultRules.normalized(
                [
                    FaultRule(account: "111111111111", error: FaultError(code: "A")),
                    FaultRule(operation: "DescribeConnections", probability: 0.5, error: FaultError(code: "B")),
                    FaultRule(service: "directconnect", latencyMs: 20),
                    FaultRule(error: FaultError(code: "D")),
                ],
                dialect: .dxlocal,
                table: Self.table
            )
        )
        // 0.7 does not fire the rule of probability 0.5: the next matching rule applies, with no error.
        #expect(faults.fault(for: Self.request()) == .init(latencyMilliseconds: 20, error: nil))
        #expect(
            faults.fault(for: Self.request())
                == .init(latencyMilliseconds: 0, error: AWSError(code: "B", message: Self.message, status: 400))
        )
        #expect(faults.fault(for: Self.request(account: "111111111111"))?.error?.code == "A")
        faults.clear(accounts: ["111111111111"])
        #expect(faults.all.count == 3)
        faults.clear(accounts: nil)
        #expect(faults.fault(for: Self.request()) == nil)
    }

    static let message = "A fault rule of /_dxlocal/faults failed this request"

    @Test func rulesMatchEveryMemberTheyName() {
        let rule = FaultRule(
            service: "directconnect",
            operation: "DescribeLags",
            region: "eu-west-1",
            account: "222222222222"
        )
        let request = Self.request("DescribeLags", account: "222222222222", region: "eu-west-1")
        #expect(FaultRules.matches(rule, request))
        #expect(FaultRules.matches(FaultRule(), request))
        var other = request
        other.service = "secretsmanager"
        #expect(!FaultRules.matches(rule, other))
        #expect(
            !FaultRules.matches(rule, Self.request("DescribeConnections", account: "222222222222", region: "eu-west-1"))
        )
        #expect(!FaultRules.matches(rule, Self.request("DescribeLags", account: "333333333333", region: "eu-west-1")))
        #expect(!FaultRules.matches(rule, Self.request("DescribeLags", account: "222222222222", region: "eu-west-2")))
    }

    @Test func defaultsAreSpelledOutSoAGivenRuleIsFoundAgain() throws {
        let given = [
            FaultRule(region: "us-west-2"), FaultRule(error: FaultError(code: "DirectConnectServerException")),
        ]
        let ours = try FaultRules.normalized(given, dialect: .dxlocal, table: Self.table)
        #expect(ours[0] == FaultRule(region: "us-west-2", probability: 1))
        #expect(ours[1].error == FaultError(code: "DirectConnectServerException", status: 500))
        let localStack = try FaultRules.normalized(given, dialect: .localStack, table: Self.table)
        #expect(localStack[0].error == FaultError(code: "ServiceUnavailable", status: 503))
        let faults = FaultRules()
        faults.replace(with: localStack)
        faults.remove(
            try FaultRules.normalized([FaultRule(region: "us-west-2")], dialect: .localStack, table: Self.table)
        )
        #expect(faults.all == [localStack[1]])
        #expect(FaultRules.inLocalStackSpelling(faults.all)[0].error?.statusCode == 500)
    }

    @Test(arguments: [
        FaultRule(service: "s3"),
        FaultRule(service: "ec2", operation: "describeInstances"),
        FaultRule(operation: "GetSecretValue"),
        FaultRule(region: "useast1"),
        FaultRule(region: "us-east-"),
        FaultRule(account: "12345678901a"),
        FaultRule(probability: -0.1),
        FaultRule(latencyMs: 300_001),
        FaultRule(error: FaultError(status: 399)),
        FaultRule(error: FaultError(code: "")),
        FaultRule(error: FaultError(status: 400, statusCode: 401)),
    ])
    func aRuleThatCannotBeKeptIsRefused(rule: FaultRule) {
        #expect(throws: AWSError.self) {
            try FaultRules.normalized([FaultRule(), rule], dialect: .dxlocal, table: Self.table)
        }
    }

    @Test func aServiceNotServedYetTakesAnyOperationName() throws {
        let rules = try FaultRules.normalized(
            [FaultRule(service: "ec2", operation: "CreateTransitGateway")],
            dialect: .dxlocal,
            table: Self.table
        )
        #expect(rules.count == 1)
    }
}
