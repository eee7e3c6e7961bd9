import AWSJSONProtocol
import DXDispatch
import DXServer
import DirectConnect
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import ServiceKit
import StorageSQLite
import StorageTestSupport

/// An application over an in-memory store, with a test clock.
struct ServerFixture {
    let clock = ManualClock()
    let app: Application<RouterResponder<BasicRequestContext>>
    let store: SQLiteStore

    /// Runs `body` with a fresh fixture and always closes its store.
    static func with<T>(
        settleTime: TimeInterval = 0,
        maximumBodySize: Int = DXServerConfiguration.defaultMaximumBodySize,
        _ body: (ServerFixture) async throws -> T
    ) async throws -> T {
        let fixture = try await ServerFixture(settleTime: settleTime, maximumBodySize: maximumBodySize)
        do {
            let result = try await body(fixture)
            try await fixture.store.close()
            return result
        } catch {
            try? await fixture.store.close()
            throw error
        }
    }

    init(
        settleTime: TimeInterval = 0,
        maximumBodySize: Int = DXServerConfiguration.defaultMaximumBodySize
    )
        async throws
    {
        store = try await SQLiteStore.running(.memory)
        guard let sealer = SecretSealer(keyData: SecretSealer.generateKeyData()) else {
            throw SetupFailure()
        }
        let router = DXServer.router(
            table: OperationTable.serving(
                store: store,
                clock: clock,
                settleTimes: SettleTimes(settleTime),
                sealer: sealer
            ),
            resolver: CallerResolver(),
            health: StoreHealth(store: store, backend: .sqlite),
            maximumBodySize: maximumBodySize
        )
        app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0))
        )
    }

    struct SetupFailure: Error {}

    static let targetField = HTTPField.Name("X-Amz-Target")!

    /// Headers of a request signed (by shape, not by key) for an account and region.
    static func headers(
        target: String?,
        account: String = "111122223333",
        region: String = "us-east-1"
    )
        -> HTTPFields
    {
        var fields: HTTPFields = [.contentType: AWSJSONCoding.contentType]
        if let target { fields[targetField] = target }
        fields[.authorization] =
            "AWS4-HMAC-SHA256 Credential=\(account)/20261127/\(region)/directconnect/aws4_request, "
            + "SignedHeaders=host;x-amz-date;x-amz-target, Signature=00"
        return fields
    }
}

extension TestClientProtocol {
    /// Calls a Direct Connect operation and returns the status and the JSON body as a dictionary.
    func call(
        _ operation: String,
        _ body: String = "{}",
        account: String = "111122223333",
        region: String = "us-east-1"
    ) async throws -> (status: Int, json: [String: Any], headers: HTTPFields) {
        let response = try await executeRequest(
            uri: "/",
            method: .post,
            headers: ServerFixture.headers(target: "OvertureService.\(operation)", account: account, region: region),
            body: ByteBuffer(string: body)
        )
        let data = Data(buffer: response.body)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return (response.status.code, json, response.headers)
    }
}
