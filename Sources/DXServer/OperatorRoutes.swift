import AWSJSONProtocol
import AWSSigV4
import DXDispatch
import DirectConnect
import DirectConnectModel
import Foundation
import Hummingbird
import NIOCore
import ServiceKit
import Storage

/// The operator's interface (SPEC 11), under `/_dxlocal/` and the aliases other emulators' fixtures call. Acts
/// across accounts and regions; refuses a body it cannot read with an AWS-shaped error, changing nothing then; with
/// `--auth sigv4` it needs a signed caller from the credentials file, as every AWS path does.
enum OperatorRoutes {
    /// The largest body an operator call reads.
    static let maximumBodySize = 1 << 20
    /// The largest state document `PUT /_dxlocal/state` reads (our choice: a few hundred thousand records).
    static let maximumStateSize = 256 << 20

    static let resetPaths = ["/_dxlocal/reset", "/moto-api/reset", "/_localstack/state/reset"]
    static let faultPaths: [(path: String, dialect: FaultRules.Dialect)] = [
        ("/_dxlocal/faults", .dxlocal), ("/_localstack/chaos/faults", .localStack),
    ]
    static let healthPath = "/_dxlocal/health"
    static let metricsPath = "/_dxlocal/metrics"
    static let clockPath = "/_dxlocal/clock"
    static let simulatePath = "/_dxlocal/simulate"
    static let statePath = "/_dxlocal/state"
    /// Every path the operator's interface serves (the metrics' operation label of its requests).
    static let paths = Set(
        resetPaths + faultPaths.map(\.path) + [healthPath, metricsPath, clockPath, simulatePath, statePath]
    )

    static func add(
        to router: Router<BasicRequestContext>,
        store: any Store,
        table: OperationTable,
        faults: FaultRules,
        metrics: ServerMetrics?,
        directConnect: DirectConnectService,
        state: StateTransfer,
        verifier: SigV4Verifier?,
        clock: any ServiceClock
    ) {
        addMKA(to: router, directConnect: directConnect, verifier: verifier, clock: clock)
        router.get(RouterPath(statePath)) { request, _ -> Response in
            _ = try await operatorBody(request, verifier: verifier)
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody(OperationReply(try await state.export(at: clock.now)))
            )
        }
        router.put(RouterPath(statePath)) { request, _ -> Response in
            let modeName = request.uri.queryParameters["mode"].map(String.init) ?? StateTransfer.Mode.replace.rawValue
            guard let mode = StateTransfer.Mode(rawValue: modeName) else {
                throw invalid("mode must be replace or merge, not \(Identifiers.quoted(modeName))")
            }
            let body = try await operatorBody(request, verifier: verifier, upTo: maximumStateSize)
            let document = try AWSJSONCoding.decode(StateDocument.self, from: body.readableBytesView)
            let count = try await state.load(document, mode: mode)
            NameRandomness.moveOn(after: body.readableBytesView)
            return json(#"{"status":"ok","records":\#(count)}"#)
        }
        router.post(RouterPath(simulatePath)) { request, _ -> Response in
            let body = try await operatorBody(request, verifier: verifier)
            let simulation = try AWSJSONCoding.decode(SimulateRequest.self, from: body.readableBytesView)
            let reply = try await simulate(simulation, on: directConnect)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(reply))
        }
        if let metrics {
            router.get(RouterPath(metricsPath)) { request, _ -> Response in
                _ = try await operatorBody(request, verifier: verifier)
                return Response(
                    status: .ok,
                    headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: ResponseBody(byteBuffer: try await metrics.render(store: store))
                )
            }
        }
        for path in resetPaths {
            router.post(RouterPath(path)) { request, _ -> Response in
                let body = try await operatorBody(request, verifier: verifier)
                let reset = try resetRequest(body)
                let accounts = try reset.accounts.map(validAccounts)
                _ = try await store.transaction(.write) { transaction in
                    try await AccountReset.run(accounts: accounts, in: transaction)
                }
                faults.clear(accounts: accounts)
                if accounts == nil { NameRandomness.rewind() }
                return json(#"{"status":"ok"}"#)
            }
        }
        for (path, dialect) in faultPaths {
            let path = RouterPath(path)
            /// Reads the body's rules (a refused body changes nothing), applies `change` and answers the rules kept.
            @Sendable func route(
                _ request: Request,
                _ change: @Sendable ([FaultRule]?) throws(AWSError) -> Void
            ) async throws -> Response {
                let body = try await operatorBody(request, verifier: verifier)
                let given =
                    isBlank(body)
                    ? nil
                    : try FaultRules.normalized(
                        AWSJSONCoding.decode([FaultRule].self, from: body.readableBytesView),
                        dialect: dialect,
                        table: table
                    )
                try change(given)
                let rules = dialect == .localStack ? FaultRules.inLocalStackSpelling(faults.all) : faults.all
                return Response(
                    status: .ok,
                    headers: [.contentType: "application/json"],
                    body: ResponseBody(OperationReply(rules))
                )
            }
            router.get(path) { request, _ in try await route(request) { _ in } }
            router.post(path) { request, _ in
                try await route(request) { given throws(AWSError) in
                    guard let given else {
                        throw AWSError.serialization("The body must be a JSON array of fault rules")
                    }
                    faults.replace(with: given)
                }
            }
            router.patch(path) { request, _ in
                try await route(request) { given throws(AWSError) in
                    guard let given else {
                        throw AWSError.serialization("The body must be a JSON array of fault rules")
                    }
                    faults.append(given)
                }
            }
            // Without a body every rule goes; with one, the rules equal to those given (LocalStack's DELETE).
            router.delete(path) { request, _ in
                try await route(request) { given in
                    if let given { faults.remove(given) } else { faults.clear(accounts: nil) }
                }
            }
        }
    }

    /// Makes a port event or a virtual interface's BGP event happen (SPEC 11), and answers what it now shows.
    static func simulate(
        _ request: SimulateRequest,
        on directConnect: DirectConnectService
    ) async throws
        -> OperationReply
    {
        let portEvents = DirectConnectService.PortEvent.allCases.map(\.rawValue)
        let bgpEvents = DirectConnectService.BGPEvent.allCases.map(\.rawValue)
        guard let event = request.event else { throw AWSError.serialization("Member event is missing") }
        switch (request.connectionId, request.virtualInterfaceId) {
        case (let connectionId?, nil):
            guard let portEvent = DirectConnectService.PortEvent(rawValue: event) else {
                throw invalid(
                    "A connection's event is \(portEvents.joined(separator: " or ")), not \(Identifiers.quoted(event))"
                )
            }
            let port = try await directConnect.simulate(portEvent, connectionId: connectionId)
            return OperationReply(
                SimulatedPort(
                    connectionId: port.connection.connectionId,
                    ownerAccount: port.connection.ownerAccount,
                    region: port.connection.region,
                    connectionState: port.connection.connectionState?.rawValue,
                    portEncryptionStatus: port.connection.portEncryptionStatus,
                    lagId: port.connection.lagId,
                    lagState: port.lagState?.rawValue
                )
            )
        case (nil, let interfaceId?):
            guard let bgpEvent = DirectConnectService.BGPEvent(rawValue: event) else {
                throw invalid(
                    "A virtual interface's event is \(bgpEvents.joined(separator: " or ")), not \(Identifiers.quoted(event))"
                )
            }
            let interface = try await directConnect.simulate(bgpEvent, virtualInterfaceId: interfaceId)
            return OperationReply(
                SimulatedInterface(
                    virtualInterfaceId: interface.virtualInterfaceId,
                    ownerAccount: interface.ownerAccount,
                    region: interface.region,
                    connectionId: interface.connectionId,
                    virtualInterfaceState: interface.virtualInterfaceState?.rawValue,
                    bgpStatus: interface.bgpPeers?.compactMap { $0.bgpStatus?.rawValue }
                )
            )
        default:
            throw invalid("Name exactly one of connectionId and virtualInterfaceId")
        }
    }

    /// An empty body (what moto's and LocalStack's fixtures send) resets everything.
    static func resetRequest(_ body: ByteBuffer) throws(AWSError) -> ResetRequest {
        if isBlank(body) { return ResetRequest() }
        return try AWSJSONCoding.decode(ResetRequest.self, from: body.readableBytesView)
    }

    /// Whether a body holds nothing but JSON's white space.
    static func isBlank(_ body: ByteBuffer) -> Bool {
        body.readableBytesView.allSatisfy { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
    }

    /// Twelve-digit account IDs, at least one.
    static func validAccounts(_ accounts: [String]) throws(AWSError) -> Set<String> {
        guard !accounts.isEmpty else { throw invalid("Member accounts must name at least one account") }
        for account in accounts where !CallerResolver.isAccountID(account) {
            throw invalid("Member accounts must hold 12-digit account IDs, not \(Identifiers.quoted(account))")
        }
        return Set(accounts)
    }

    static func invalid(_ message: String) -> AWSError {
        AWSError(code: "ValidationException", message: message, status: 400)
    }

    /// The signing names an operator call may be signed for: any of the three services served (`OperationTable
    /// .serving` declares them; Direct Connect's is the one a refusal names).
    static let signingNames = ["directconnect", "secretsmanager", "ec2"]

    /// The body of an operator call, the caller verified first with `--auth sigv4`.
    static func operatorBody(
        _ request: Request,
        verifier: SigV4Verifier?,
        upTo limit: Int = maximumBodySize
    ) async throws -> ByteBuffer {
        let body = try await DXServer.collectBody(request, upTo: limit)
        if let verifier { _ = try DXServer.authenticate(request, body: body, with: verifier, services: signingNames) }
        return body
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}
