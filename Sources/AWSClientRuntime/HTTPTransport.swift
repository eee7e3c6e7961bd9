import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One HTTP exchange as the client sees it, free of any HTTP library's types.
public struct HTTPExchange: Sendable {
    public struct Request: Sendable {
        public var method: String
        public var url: String
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public init(method: String, url: String, headers: [(name: String, value: String)], body: [UInt8]) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
        }
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        /// The first value of a header, compared case-insensitively.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }
}

/// Why no answer arrived, in the classes botocore words for the user (`EndpointConnectionError`,
/// `ConnectTimeoutError`, `ReadTimeoutError`, `ConnectionClosedError`); a transport throws one of these where it
/// can tell, and the client reports it in botocore's words.
public enum TransportFailure: Error, Hashable, Sendable {
    case couldNotConnect
    case connectTimeout
    case readTimeout
    case closed

    /// botocore's text for the failure of a request to `url`.
    public func message(url: String) -> String {
        switch self {
        case .couldNotConnect: "Could not connect to the endpoint URL: \"\(url)\""
        case .connectTimeout: "Connect timeout on endpoint URL: \"\(url)\""
        case .readTimeout: "Read timeout on endpoint URL: \"\(url)\""
        case .closed: "Connection was closed before we received a valid response from endpoint URL: \"\(url)\"."
        }
    }
}

/// Sends one request and returns the answer; throws only when no answer arrived. Tests substitute their own to
/// inject failures.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPExchange.Request, timeout: Duration) async throws -> HTTPExchange.Response
}

/// The transport on AsyncHTTPClient (TLS for AWS, plain HTTP for dxlocal).
public struct AsyncHTTPClientTransport: HTTPTransport {
    /// Responses larger than this are refused rather than buffered.
    public static let maximumResponseSize = 64 * 1024 * 1024

    /// One client for the process, like `HTTPClient.shared`, but a refused connection fails the attempt at once
    /// (the retry policy decides what happens next) instead of being retried until the attempt's deadline.
    public static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    let client: HTTPClient

    public init(client: HTTPClient = AsyncHTTPClientTransport.sharedClient) {
        self.client = client
    }

    public func send(_ request: HTTPExchange.Request, timeout: Duration) async throws -> HTTPExchange.Response {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for header in request.headers {
            outgoing.headers.add(name: header.name, value: header.value)
        }
        outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        let seconds = timeout.components.seconds
        do {
            let response = try await client.execute(outgoing, timeout: .seconds(max(seconds, 1)))
            let body = try await response.body.collect(upTo: Self.maximumResponseSize)
            return HTTPExchange.Response(
                status: Int(response.status.code),
                headers: response.headers.map { ($0.name, $0.value) },
                body: Array(buffer: body)
            )
        } catch {
            throw Self.failure(error) ?? error
        }
    }

    /// The class of a failure AsyncHTTPClient or NIO reports, where it is one botocore names.
    static func failure(_ error: any Error) -> TransportFailure? {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return .connectTimeout
            case .readTimeout, .deadlineExceeded: return .readTimeout
            case .remoteConnectionClosed: return .closed
            default: return nil
            }
        }
        switch error {
        case ChannelError.connectTimeout: return .connectTimeout
        case ChannelError.ioOnClosedChannel, ChannelError.eof: return .closed
        // A connection the peer reset or stopped reading from was made first (urllib3's ProtocolError, which
        // botocore reports as closed); any other system error is one of making it.
        case let error as IOError where [ECONNRESET, EPIPE].contains(error.errnoCode): return .closed
        // An answer that is not HTTP, or ends before its length: what urllib3 reports as a closed connection.
        case is HTTPParserError: return .closed
        case is IOError, is SocketAddressError, is NIOConnectionError: return .couldNotConnect
        default: return nil
        }
    }
}
