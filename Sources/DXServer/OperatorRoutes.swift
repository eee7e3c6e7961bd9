import AWSJSONProtocol
import AWSSigV4
import DirectConnect
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

    static let resetPaths = ["/_dxlocal/reset", "/moto-api/reset", "/_localstack/state/reset"]

    static func add(
        to router: Router<BasicRequestContext>,
        store: any Store,
        verifier: SigV4Verifier?,
        clock: any ServiceClock
    ) {
        for path in resetPaths {
            router.post(RouterPath(path)) { request, _ -> Response in
                let body = try await operatorBody(request, verifier: verifier, clock: clock)
                let reset = try resetRequest(body)
                let accounts = try reset.accounts.map(validAccounts)
                _ = try await store.transaction(.write) { transaction in
                    try await transaction.deleteEveryRecord(of: StoredKinds.all, accounts: accounts)
                }
                return json(#"{"status":"ok"}"#)
            }
        }
    }

    /// An empty body (what moto's and LocalStack's fixtures send) resets everything.
    static func resetRequest(_ body: ByteBuffer) throws(AWSError) -> ResetRequest {
        let isBlank = body.readableBytesView.allSatisfy { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
        if isBlank { return ResetRequest() }
        return try AWSJSONCoding.decode(ResetRequest.self, from: body.readableBytesView)
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

    /// The body of an operator call, the caller verified first with `--auth sigv4`.
    static func operatorBody(
        _ request: Request,
        verifier: SigV4Verifier?,
        clock: any ServiceClock
    ) async throws -> ByteBuffer {
        let body = try await DXServer.collectBody(request, upTo: maximumBodySize)
        if let verifier { _ = try DXServer.authenticate(request, body: body, with: verifier, now: clock.now) }
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
