import AWSClientRuntime
import AWSSigV4
import DirectConnectClient
import Foundation
import Synchronization
import Testing

/// Throttling and 5xx are retried with capped, jittered exponential backoff; client faults are not.
@Suite struct RetryTests {
    final class Delays: Sendable {
        let recorded = Mutex<[Duration]>([])
        var all: [Duration] { recorded.withLock { $0 } }
    }

    static func client(
        _ transport: ScriptedTransport,
        attempts: Int = 3,
        delays: Delays,
        jitter: Double = 1
    ) -> DirectConnectClient {
        let policy = RetryPolicy(
            maxAttempts: attempts,
            baseDelay: .seconds(1),
            maxBackoff: .seconds(20),
            jitter: { jitter },
            sleep: { duration in delays.recorded.withLock { $0.append(duration) } }
        )
        return DirectConnectClient(
            configuration: AWSClientConfiguration(
                region: "us-east-1",
                endpoint: "http://127.0.0.1:1",
                credentials: SigV4.SigningCredentials(accessKeyId: "AKID", secretAccessKey: "secret"),
                retry: policy
            ),
            transport: transport
        )
    }

    @Test(arguments: [
        (429, "ThrottlingException"), (400, "TooManyRequestsException"), (500, "DirectConnectServerException"),
        (503, "ServiceUnavailable"), (400, "RequestLimitExceeded"),
    ])
    func retryableFailuresAreRetriedUntilTheCallSucceeds(status: Int, code: String) async throws {
        let transport = ScriptedTransport([
            ScriptedTransport.error(status, code), ScriptedTransport.error(status, code),
            ScriptedTransport.ok(#"{"locations":[{"locationCode":"EqDC2"}]}"#),
        ])
        let delays = Delays()
        let result = try await Self.client(transport, delays: delays).describeLocations()
        #expect(result.locations?.first?.locationCode == "EqDC2")
        #expect(transport.sent.count == 3)
        #expect(delays.all == [.seconds(1), .seconds(2)])
    }

    @Test func theLastFailureIsThrownOnceAttemptsRunOut() async throws {
        let transport = ScriptedTransport(
            (0..<4).map { ScriptedTransport.error(500, "InternalFailure", requestID: "r\($0)") }
        )
        let delays = Delays()
        let error = await #expect(throws: AWSClientError.self) {
            try await Self.client(transport, attempts: 4, delays: delays).describeLocations()
        }
        #expect(transport.sent.count == 4)
        #expect(error?.kind == .service)
        #expect(error?.code == "InternalFailure")
        #expect(error?.requestID == "r3")
        #expect(error?.statusCode == 500)
        #expect(error?.retriesExhausted == 3)
        #expect(delays.all == [.seconds(1), .seconds(2), .seconds(4)])
    }

    @Test func clientFaultsAreNotRetried() async throws {
        let transport = ScriptedTransport([
            .success(
                HTTPExchange.Response(
                    status: 400,
                    headers: [("x-amzn-RequestId", "abc")],
                    body: Array(
                        #"{"__type":"com.amazonaws#DirectConnectClientException","message":"Could not find"}"#.utf8
                    )
                )
            )
        ])
        let delays = Delays()
        let error = await #expect(throws: AWSClientError.self) {
            try await Self.client(transport, delays: delays).describeConnections(.init(connectionId: "dxcon-x"))
        }
        #expect(transport.sent.count == 1)
        #expect(delays.all.isEmpty)
        #expect(error?.code == "DirectConnectClientException")
        #expect(error?.message == "Could not find")
        #expect(error?.requestID == "abc")
        #expect(error?.retriesExhausted == nil)
        // With one attempt allowed, that attempt was the last: botocore's standard mode says so of any failure.
        let single = ScriptedTransport([ScriptedTransport.error(400, "DirectConnectClientException")])
        let last = await #expect(throws: AWSClientError.self) {
            try await Self.client(single, attempts: 1, delays: delays).describeLocations()
        }
        #expect(last?.retriesExhausted == 0)
    }

    @Test func transportFailuresAreRetried() async throws {
        struct Refused: Error {}
        let transport = ScriptedTransport([.failure(Refused()), ScriptedTransport.ok(#"{"connections":[]}"#)])
        let delays = Delays()
        let result = try await Self.client(transport, delays: delays).describeConnections()
        #expect(result.connections == [])
        #expect(transport.sent.count == 2)
    }

    @Test func backoffIsJitteredAndCapped() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .seconds(1), maxBackoff: .seconds(20), jitter: { 0.5 })
        #expect(policy.delay(beforeRetry: 1) == .milliseconds(500))
        #expect(policy.delay(beforeRetry: 3) == .seconds(2))
        #expect(policy.delay(beforeRetry: 6) == .seconds(10))
        #expect(policy.delay(beforeRetry: 60) == .seconds(10))
    }

    @Test func requestsAreSignedJSONWithTheTarget() async throws {
        let transport = ScriptedTransport([ScriptedTransport.ok("{}")])
        _ = try await Self.client(transport, delays: Delays()).describeCustomerMetadata()
        let request = try #require(transport.sent.first)
        let header = { (name: String) in request.headers.first { $0.name.lowercased() == name }?.value }
        #expect(request.url == "http://127.0.0.1:1/")
        #expect(header("x-amz-target") == "OvertureService.DescribeCustomerMetadata")
        #expect(header("content-type") == "application/x-amz-json-1.1")
        #expect(header("host") == "127.0.0.1:1")
        #expect(header("authorization")?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKID/") == true)
        #expect(header("authorization")?.contains("/us-east-1/directconnect/aws4_request") == true)
        #expect(String(decoding: request.body, as: UTF8.self) == "{}")
    }

    @Test func anAnswerThatIsNotTheOutputShapeIsAnInvalidResponse() async throws {
        let transport = ScriptedTransport([ScriptedTransport.ok(#"{"connections":"not a list"}"#)])
        let error = await #expect(throws: AWSClientError.self) {
            try await Self.client(transport, attempts: 1, delays: Delays()).describeConnections()
        }
        #expect(error?.kind == .invalidResponse)
        #expect(error?.requestID == "req-ok")
    }
}
