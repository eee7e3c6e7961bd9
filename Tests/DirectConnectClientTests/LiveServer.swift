import AWSClientRuntime
import AWSSigV4
import DXDispatch
import DXServer
import DirectConnect
import DirectConnectClient
import Foundation
import Hummingbird
import HummingbirdTesting
import SecretsManagerClient
import ServiceKit
import StorageSQLite
import StorageTestSupport

/// dxlocal's real HTTP server on port 0 in this process, over an in-memory store and a test clock.
struct LiveServer {
    let endpoint: String
    let clock: ManualClock

    struct SetupFailure: Error {}

    /// Credentials whose 12-digit access key is the account, as SPEC section 1 says.
    static let credentials = SigV4.SigningCredentials(accessKeyId: "111122223333", secretAccessKey: "secret")

    /// Runs `body` against a fresh server; `verifier` turns SigV4 verification on.
    static func with<T: Sendable>(
        settleTime: TimeInterval = 0,
        verifier: SigV4Verifier? = nil,
        _ body: @Sendable (LiveServer) async throws -> T
    ) async throws -> T {
        let store = try await SQLiteStore.running(.memory)
        let clock = ManualClock()
        do {
            guard let sealer = SecretSealer(keyData: SecretSealer.generateKeyData()) else { throw SetupFailure() }
            let router = DXServer.router(
                table: OperationTable.serving(
                    store: store,
                    clock: clock,
                    settleTimes: SettleTimes(settleTime),
                    sealer: sealer
                ),
                resolver: CallerResolver(),
                verifier: verifier,
                clock: SystemClock(),
                maximumBodySize: DXServerConfiguration.defaultMaximumBodySize
            )
            let app = Application(
                router: router,
                configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0))
            )
            let result = try await app.test(.live) { client in
                guard let port = client.port else { throw SetupFailure() }
                return try await body(LiveServer(endpoint: "http://127.0.0.1:\(port)", clock: clock))
            }
            try await store.close()
            return result
        } catch {
            try? await store.close()
            throw error
        }
    }

    func configuration(
        credentials: SigV4.SigningCredentials = LiveServer.credentials,
        retry: RetryPolicy = .none
    ) -> AWSClientConfiguration {
        AWSClientConfiguration(region: "us-east-1", endpoint: endpoint, credentials: credentials, retry: retry)
    }

    func directConnect(transport: any HTTPTransport = AsyncHTTPClientTransport()) -> DirectConnectClient {
        DirectConnectClient(configuration: configuration(), transport: transport)
    }

    func secretsManager() -> SecretsManagerClient {
        SecretsManagerClient(configuration: configuration())
    }

    /// A MACsec-capable connection, already available (settle time 0) or after the clock is advanced.
    func macSecConnection(_ client: DirectConnectClient, name: String = "macsec") async throws -> String {
        let created = try await client.createConnection(
            .init(location: "EqDC2", bandwidth: "10Gbps", connectionName: name, requestMACSec: true)
        )
        guard let id = created.connectionId else { throw SetupFailure() }
        return id
    }

    /// The active keys of a connection, oldest first, as secret ARNs.
    func keychain(_ client: DirectConnectClient, _ id: String) async throws -> [String] {
        let connection = try await client.describeConnections(.init(connectionId: id)).connections?.first
        return (connection?.macSecKeys ?? []).filter { $0.state != "disassociating" }.compactMap(\.secretARN)
    }
}

/// A transport that answers from a script and records what was sent.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [Result<HTTPExchange.Response, any Error>]
    private(set) var requests: [HTTPExchange.Request] = []

    init(_ answers: [Result<HTTPExchange.Response, any Error>]) {
        self.answers = answers
    }

    var sent: [HTTPExchange.Request] { lock.withLock { requests } }

    func send(_ request: HTTPExchange.Request, timeout: Duration) async throws -> HTTPExchange.Response {
        let next: Result<HTTPExchange.Response, any Error> = lock.withLock {
            requests.append(request)
            return answers.isEmpty ? .failure(Exhausted()) : answers.removeFirst()
        }
        return try next.get()
    }

    struct Exhausted: Error {}

    static func error(
        _ status: Int,
        _ code: String,
        requestID: String = "req-1"
    ) -> Result<
        HTTPExchange.Response, any Error
    > {
        .success(
            HTTPExchange.Response(
                status: status,
                headers: [("x-amzn-RequestId", requestID)],
                body: Array(#"{"__type":"\#(code)","message":"scripted \#(code)"}"#.utf8)
            )
        )
    }

    static func ok(_ body: String) -> Result<HTTPExchange.Response, any Error> {
        .success(HTTPExchange.Response(status: 200, headers: [("x-amzn-RequestId", "req-ok")], body: Array(body.utf8)))
    }
}

/// Passes calls to a real transport, but fails the calls a predicate picks (by operation and call number).
final class FailingTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    let inner: any HTTPTransport
    let fails: @Sendable (_ operation: String, _ number: Int) -> Bool

    init(
        inner: any HTTPTransport = AsyncHTTPClientTransport(),
        fails: @escaping @Sendable (_ operation: String, _ number: Int) -> Bool
    ) {
        self.inner = inner
        self.fails = fails
    }

    func send(_ request: HTTPExchange.Request, timeout: Duration) async throws -> HTTPExchange.Response {
        let target = request.headers.first { $0.name == "X-Amz-Target" }?.value ?? ""
        let operation = String(target.split(separator: ".").last ?? "")
        let number: Int = lock.withLock {
            counts[operation, default: 0] += 1
            return counts[operation, default: 0]
        }
        if fails(operation, number) {
            return HTTPExchange.Response(
                status: 400,
                headers: [("x-amzn-RequestId", "injected")],
                body: Array(#"{"__type":"DirectConnectClientException","message":"injected failure"}"#.utf8)
            )
        }
        return try await inner.send(request, timeout: timeout)
    }
}
