import AWSJSONProtocol
import DXDispatch
import DirectConnect
import NIOConcurrencyHelpers
import Storage

/// The fault rules of `/_dxlocal/faults` (SPEC 11): requests that match a rule wait its `latencyMs` and fail with
/// its AWS-shaped error. Rules are tried in order; the first that matches and whose probability draw fires applies
/// (our choice, as LocalStack's chaos API: "the first match applies"). Rules are kept as `normalized` makes them, so
/// a rule given again (LocalStack's `DELETE`) is found whatever defaults it left out. They are the instance's own,
/// not the store's (our choice: a rule is matched before every request, which on a shared store would cost a round
/// trip each): each instance of a shared store has the rules it was given.
package final class FaultRules: Sendable {
    /// The two spellings of a rule's body: ours, and LocalStack's chaos API, where a rule with no error fails with
    /// 503 `ServiceUnavailable` (its default), and the status is `statusCode`.
    package enum Dialect: Sendable {
        case dxlocal
        case localStack
    }

    /// What a fault rule can match of a request.
    package struct Request: Sendable {
        package var service: String
        package var operation: Substring
        package var scope: Scope

        package init(service: String, operation: Substring, scope: Scope) {
            self.service = service
            self.operation = operation
            self.scope = scope
        }
    }

    /// What a matching rule does to a request.
    package struct Fault: Sendable, Equatable {
        package var latencyMilliseconds: Int
        package var error: AWSError?
    }

    /// Services a rule may name: the signing names of SPEC 11 (EC2's operations are not served yet, so a rule naming
    /// one is kept and matches once they are).
    package static let serviceNames = ["directconnect", "ec2", "secretsmanager"]
    /// The longest wait a rule may ask for: five minutes (our choice; longer than any SDK's default timeout).
    package static let maximumLatencyMilliseconds = 300_000

    private let rules = NIOLockedValueBox<[FaultRule]>([])
    /// A number in 0..<1 for each probability draw; `--random-seed` makes it repeatable.
    private let draw: @Sendable () -> Double

    package init(draw: @escaping @Sendable () -> Double = NameRandomness.unitInterval) {
        self.draw = draw
    }

    package var all: [FaultRule] { rules.withLockedValue { $0 } }

    package func replace(with new: [FaultRule]) {
        rules.withLockedValue { $0 = new }
    }

    package func append(_ new: [FaultRule]) {
        rules.withLockedValue { $0 += new }
    }

    /// Removes every rule equal to one of `given`.
    package func remove(_ given: [FaultRule]) {
        rules.withLockedValue { rules in rules.removeAll { given.contains($0) } }
    }

    /// Removes every rule (`accounts` nil), or those naming one of `accounts` (a reset of some accounts).
    package func clear(accounts: Set<String>?) {
        rules.withLockedValue { rules in
            guard let accounts else { return rules.removeAll() }
            rules.removeAll { rule in rule.account.map(accounts.contains) ?? false }
        }
    }

    /// The fault `request` meets, if a rule matches it and fires.
    package func fault(for request: Request) -> Fault? {
        let rules = rules.withLockedValue { $0 }
        for rule in rules where Self.matches(rule, request) {
            let probability = rule.probability ?? 1
            guard probability >= 1 || draw() < probability else { continue }
            return Fault(latencyMilliseconds: rule.latencyMs ?? 0, error: rule.error.map(Self.awsError))
        }
        return nil
    }

    static func matches(_ rule: FaultRule, _ request: Request) -> Bool {
        if let service = rule.service, service != request.service { return false }
        if let operation = rule.operation, operation != request.operation { return false }
        if let region = rule.region, region != request.scope.region { return false }
        if let account = rule.account, account != request.scope.account { return false }
        return true
    }

    static func awsError(_ error: FaultError) -> AWSError {
        let code = error.code ?? defaultCode
        return AWSError(
            code: code,
            message: error.message ?? "A fault rule of /_dxlocal/faults failed this request",
            status: error.status ?? defaultStatus(code: code)
        )
    }

    static let defaultCode = "ServiceUnavailable"

    /// (our choice) 503 for `ServiceUnavailable` (LocalStack's default), 500 for a code naming a fault of the server
    /// (`DirectConnectServerException`, `InternalServiceError`, `InternalFailure`), 400 for any other: the statuses
    /// AWS answers those codes with.
    static func defaultStatus(code: String) -> Int {
        if code == defaultCode { return 503 }
        if code.contains("Server") || code.hasPrefix("Internal") { return 500 }
        return 400
    }

    /// The rules of a body, checked and with their defaults spelled out; the first that cannot be kept refuses them
    /// all. `table` says which operations each service has.
    package static func normalized(
        _ given: [FaultRule],
        dialect: Dialect,
        table: OperationTable
    ) throws(AWSError) -> [FaultRule] {
        var rules: [FaultRule] = []
        rules.reserveCapacity(given.count)
        for (index, rule) in given.enumerated() {
            rules.append(try normalized(rule, at: index, dialect: dialect, table: table))
        }
        return rules
    }

    private static func normalized(
        _ rule: FaultRule,
        at index: Int,
        dialect: Dialect,
        table: OperationTable
    ) throws(AWSError) -> FaultRule {
        func refuse(_ message: String) -> AWSError {
            OperatorRoutes.invalid("Fault rule \(index): \(message)")
        }
        var rule = rule
        if let service = rule.service, !serviceNames.contains(service) {
            throw refuse(
                "service must be one of \(serviceNames.joined(separator: ", ")), not \(Identifiers.quoted(service))"
            )
        }
        if let operation = rule.operation {
            let services = rule.service.map { [$0] } ?? table.signingNamesServed
            let declared = services.contains {
                table.declares(operation: operation, of: $0) ?? isOperationName(operation)
            }
            guard declared else {
                throw refuse(
                    "operation \(Identifiers.quoted(operation)) is no operation of \(services.joined(separator: " or "))"
                )
            }
        }
        if let region = rule.region, !isRegionName(region) {
            throw refuse("region must name a region, such as us-east-1, not \(Identifiers.quoted(region))")
        }
        if let account = rule.account, !CallerResolver.isAccountID(account) {
            throw refuse("account must be a 12-digit account ID, not \(Identifiers.quoted(account))")
        }
        let probability = rule.probability ?? 1
        guard (0...1).contains(probability) else { throw refuse("probability must be between 0 and 1") }
        rule.probability = probability
        if let latency = rule.latencyMs, !(0...maximumLatencyMilliseconds).contains(latency) {
            throw refuse("latencyMs must be between 0 and \(maximumLatencyMilliseconds)")
        }
        if rule.error == nil, dialect == .localStack { rule.error = FaultError() }
        if let error = rule.error { rule.error = try normalized(error, refuse: refuse) }
        return rule
    }

    private static func normalized(
        _ error: FaultError,
        refuse: (String) -> AWSError
    ) throws(AWSError) -> FaultError {
        if let status = error.status, let statusCode = error.statusCode, status != statusCode {
            throw refuse("error.status and error.statusCode differ")
        }
        let code = error.code ?? defaultCode
        guard (1...128).contains(code.utf8.count), code.utf8.allSatisfy(isCodeCharacter) else {
            throw refuse("error.code must be 1 to 128 letters, digits, '.' or '_', not \(Identifiers.quoted(code))")
        }
        let status = error.status ?? error.statusCode ?? defaultStatus(code: code)
        guard (400...599).contains(status) else { throw refuse("error.status must be between 400 and 599") }
        if let message = error.message, message.utf8.count > 1024 {
            throw refuse("error.message must be at most 1024 bytes")
        }
        return FaultError(code: code, status: status, message: error.message)
    }

    /// The rules as LocalStack's chaos API lists them: `statusCode` for `status`.
    package static func inLocalStackSpelling(_ rules: [FaultRule]) -> [FaultRule] {
        rules.map { rule in
            var rule = rule
            if let error = rule.error {
                rule.error = FaultError(code: error.code, statusCode: error.status, message: error.message)
            }
            return rule
        }
    }

    private static func isCodeCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"):
            true
        default: false
        }
    }

    /// An operation's form (`DescribeInstances`), for services whose model is not served yet.
    static func isOperationName(_ text: String) -> Bool {
        guard let first = text.utf8.first, (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first) else {
            return false
        }
        return text.utf8.count <= 128 && text.utf8.allSatisfy { isCodeCharacter($0) && $0 != UInt8(ascii: ".") }
    }

    /// A region's form: lowercase words and a number, joined by hyphens (`us-east-1`, `us-gov-west-1`).
    static func isRegionName(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let number = parts.last, number.allSatisfy(\.isASCII), Int(number) != nil else {
            return false
        }
        return parts.dropLast().allSatisfy { part in
            !part.isEmpty && part.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }
        }
    }
}
