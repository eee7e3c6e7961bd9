import AWSJSONProtocol
import AWSSigV4
import Foundation

/// Calls the operations of one JSON 1.1 service: encodes the input shape, signs with SigV4, sends, retries
/// what is worth retrying, and decodes the output shape or the service's error.
public struct AWSJSONClient: Sendable {
    public let service: AWSServiceDescription
    public let configuration: AWSClientConfiguration
    public let transport: any HTTPTransport
    /// The signing clock.
    public var now: @Sendable () -> Date

    public static let userAgent = "dxlocal-swift-client/1"

    public init(
        service: AWSServiceDescription,
        configuration: AWSClientConfiguration,
        transport: any HTTPTransport = AsyncHTTPClientTransport(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.service = service
        self.configuration = configuration
        self.transport = transport
        self.now = now
    }

    /// Calls one operation.
    public func call<Operation: AWSOperation>(
        _ operation: Operation.Type,
        _ input: Operation.Input
    ) async throws(AWSClientError) -> Operation.Output {
        let body = AWSJSONWriter.bytes(input)
        let endpoint = try Endpoint(configuration.endpoint)
        let retry = configuration.retry
        var attempt = 1
        while true {
            do {
                let response = try await send(Operation.name, body: body, to: endpoint)
                return try decode(Operation.Output.self, from: response)
            } catch {
                guard attempt < retry.maxAttempts else {
                    var error = error
                    error.retriesExhausted = attempt - 1
                    throw error
                }
                guard RetryPolicy.isRetryable(error) else { throw error }
                do {
                    try await retry.sleep(retry.delay(beforeRetry: attempt))
                } catch {
                    throw .transport("Cancelled while waiting to retry \(Operation.name)")
                }
                attempt += 1
            }
        }
    }

    /// A signed request to another path of the endpoint (dxlocal's operator interface, `/_dxlocal/...`): the answer
    /// when its status is a success, else the service's error. Not retried.
    public func request(
        method: String,
        path: String,
        body: [UInt8] = []
    ) async throws(AWSClientError) -> HTTPExchange.Response {
        let endpoint = try Endpoint(configuration.endpoint)
        let response = try await signedExchange(
            method: method,
            to: endpoint.appending(path),
            headers: [("Host", endpoint.hostHeader), ("Content-Type", "application/json")],
            body: body,
            what: "\(method) \(path)"
        )
        guard (200..<300).contains(response.status) else {
            throw Self.serviceError(response, requestID: response.header(RequestID.header))
        }
        return response
    }

    private func send(
        _ name: String,
        body: [UInt8],
        to endpoint: Endpoint
    ) async throws(AWSClientError) -> HTTPExchange.Response {
        try await signedExchange(
            method: "POST",
            to: endpoint,
            headers: [
                ("Host", endpoint.hostHeader),
                ("Content-Type", AWSJSONCoding.contentType),
                ("X-Amz-Target", "\(service.targetPrefix).\(name)"),
            ],
            body: body,
            what: name
        )
    }

    /// Signs a request with SigV4 and sends it; `what` names it when no answer arrives.
    private func signedExchange(
        method: String,
        to endpoint: Endpoint,
        headers: [(name: String, value: String)],
        body: [UInt8],
        what: String
    ) async throws(AWSClientError) -> HTTPExchange.Response {
        var request = SigV4.Request(
            method: method,
            path: endpoint.path,
            query: endpoint.query,
            headers: headers,
            body: body
        )
        SigV4.sign(
            &request,
            credentials: configuration.credentials,
            region: configuration.region,
            service: service.signingName,
            date: now()
        )
        request.headers.append(("User-Agent", Self.userAgent))
        do {
            try Task.checkCancellation()
            return try await transport.send(
                HTTPExchange.Request(method: method, url: endpoint.requestURL, headers: request.headers, body: body),
                timeout: configuration.timeout
            )
        } catch let failure as TransportFailure {
            throw .transport(failure.message(url: endpoint.url))
        } catch {
            throw .transport("\(what) to \(endpoint.url) got no answer: \(error)")
        }
    }

    private func decode<Output: AWSShape>(
        _ type: Output.Type,
        from response: HTTPExchange.Response
    ) throws(AWSClientError) -> Output {
        let requestID = response.header(RequestID.header)
        guard (200..<300).contains(response.status) else {
            throw Self.serviceError(response, requestID: requestID)
        }
        do {
            return try AWSJSONCoding.decode(Output.self, from: response.body)
        } catch {
            throw .invalidResponse(
                "The answer is not a valid \(Output.self): \(error.message)",
                requestID: requestID,
                statusCode: response.status
            )
        }
    }

    /// The service's error: the code from `__type` (or `x-amzn-ErrorType`), without any `namespace#` prefix.
    static func serviceError(_ response: HTTPExchange.Response, requestID: String?) -> AWSClientError {
        struct Body: Decodable {
            var type: String?
            var message: String?
            var capitalMessage: String?
            enum CodingKeys: String, CodingKey {
                case type = "__type"
                case message
                case capitalMessage = "Message"
            }
        }
        let body = try? JSONDecoder().decode(Body.self, from: Data(response.body))
        let header = response.header("x-amzn-ErrorType")?.split(separator: ":").first.map(String.init)
        guard let rawCode = body?.type ?? header, !rawCode.isEmpty else {
            return .invalidResponse(
                "HTTP \(response.status) without an error code",
                requestID: requestID,
                statusCode: response.status
            )
        }
        let code = rawCode.split(separator: "#").last.map(String.init) ?? rawCode
        return AWSClientError(
            kind: .service,
            code: code,
            message: body?.message ?? body?.capitalMessage ?? "",
            requestID: requestID,
            statusCode: response.status
        )
    }
}
