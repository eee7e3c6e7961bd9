import AWSJSONProtocol
import DXDispatch
import DirectConnect
import DirectConnectModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOFoundationCompat
import ServiceKit
import Storage
import Synchronization
import Testing

@testable import DXServer

/// SPEC 1: every fault of the server is the service's own server exception (Direct Connect's
/// `DirectConnectServerException`, Secrets Manager's `InternalServiceError`), with a request ID that the log line
/// of the fault carries too; nothing of the cause reaches the wire.
@Suite struct ServerFaultTests {
    /// A store whose every transaction fails, as a database that went away does.
    struct UnavailableStore: Store {
        func transaction<T: Sendable>(
            _ mode: TransactionMode,
            _ body: @escaping @Sendable (any StoreTransaction) async throws -> T
        ) async throws -> T {
            throw StoreError(.unavailable, "the disk went away")
        }

        func run() async {}

        func close() async throws {}

        var generation: UInt64? { nil }
    }

    /// Keeps every log record, to find the fault's line.
    final class LogRecords: Sendable {
        let lines = Mutex<[(message: String, metadata: Logger.Metadata)]>([])

        var logger: Logger {
            Logger(label: "test") { _ in Handler(records: self) }
        }

        struct Handler: LogHandler {
            let records: LogRecords
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .trace

            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }

            func log(event: LogEvent) {
                let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
                records.lines.withLock { $0.append((event.message.description, all)) }
            }
        }
    }

    struct Boom: Error {}

    static func app(_ table: OperationTable, logs: LogRecords) -> some ApplicationProtocol {
        Application(
            router: DXServer.router(
                table: table,
                resolver: CallerResolver(),
                maximumBodySize: DXServerConfiguration.defaultMaximumBodySize
            ),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            logger: logs.logger
        )
    }

    static func call(_ client: some TestClientProtocol, _ target: String) async throws -> TestResponse {
        try await client.executeRequest(
            uri: "/",
            method: .post,
            headers: ServerFixture.headers(target: target),
            body: ByteBuffer(string: "{}")
        )
    }

    /// The fault's log line: its request ID is the reply's, and it says what went wrong.
    static func expectLogged(_ logs: LogRecords, _ response: TestResponse, cause: String) throws {
        let requestId = try #require(response.headers[WireProtocolTests.requestIdField])
        let faults = logs.lines.withLock { $0.filter { $0.message == "server fault" } }
        #expect(faults.count == 1)
        #expect(faults.first?.metadata["requestId"]?.description == requestId)
        #expect(faults.first?.metadata["cause"]?.description.contains(cause) == true)
    }

    /// A request that passes every check before the store is asked.
    static let association =
        #"{"connectionId":"dxcon-abcd1234","ckn":"\#(String(repeating: "a", count: 64))","#
        + #""cak":"\#(String(repeating: "b", count: 64))"}"#

    @Test(arguments: [
        ("OvertureService.DescribeConnections", "{}", "DirectConnectServerException"),
        ("OvertureService.AssociateMacSecKey", association, "DirectConnectServerException"),
        ("secretsmanager.ListSecrets", "{}", "InternalServiceError"),
    ])
    func aStoreFailureIsTheServicesServerError(_ target: String, _ body: String, _ code: String) async throws {
        let logs = LogRecords()
        let sealer = try #require(SecretSealer(keyData: SecretSealer.generateKeyData()))
        let app = Self.app(OperationTable.serving(store: UnavailableStore(), sealer: sealer), logs: logs)
        try await app.test(.router) { client in
            let response = try await client.executeRequest(
                uri: "/",
                method: .post,
                headers: ServerFixture.headers(target: target),
                body: ByteBuffer(string: body)
            )
            try WireProtocolTests.expectAWSShaped(response, status: 500, code: code)
            #expect(!String(buffer: response.body).contains("disk went away"), "the cause reached the wire")
            try Self.expectLogged(logs, response, cause: "disk went away")
        }
    }

    @Test func anUnexpectedErrorIsADirectConnectServerExceptionToo() async throws {
        let logs = LogRecords()
        var table = OperationTable()
        table.declare(
            prefix: DirectConnectMetadata.targetPrefix,
            signingName: DirectConnectMetadata.signingName,
            operations: ["DescribeLocations"],
            serverError: DirectConnectService.serverError
        )
        table.register(DirectConnectOperations.DescribeLocations.self, prefix: DirectConnectMetadata.targetPrefix) {
            (_, _) async throws -> Locations in throw Boom()
        }
        let app = Self.app(table, logs: logs)
        try await app.test(.router) { client in
            let response = try await Self.call(client, "OvertureService.DescribeLocations")
            try WireProtocolTests.expectAWSShaped(response, status: 500, code: "DirectConnectServerException")
            try Self.expectLogged(logs, response, cause: "Boom")
        }
    }
}
