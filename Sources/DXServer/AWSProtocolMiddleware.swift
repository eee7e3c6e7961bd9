import AWSJSONProtocol
import AWSQueryProtocol
import DXDispatch
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOFoundationCompat
import Storage

/// Gives every reply its `x-amzn-RequestId` and renders every error once, AWS-shaped:
/// `{"__type": <code>, "message": <text>}`. Unexpected errors become a generic 500; details stay in the log.
struct AWSProtocolMiddleware<Context: RequestContext>: RouterMiddleware {
    let maximumBodySize: Int
    /// Where each reply is counted, by the operation `table` declares for its target.
    var metrics: ServerMetrics?
    var table = OperationTable()

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        let requestId = RequestID.make()
        let started = ContinuousClock.now
        // The scope `POST /` resolves, for the request's log line, and the target it names (by `X-Amz-Target`, or
        // EC2's `Action`), for the metrics' labels; only kept when either is written.
        let logsRequests = context.logger.logLevel <= .debug
        let resolved = logsRequests || metrics != nil ? ResolvedScope() : nil
        var response: Response
        var code: String?
        do {
            response = try await RequestID.$current.withValue(requestId) {
                try await ResolvedScope.$current.withValue(resolved) { try await next(request, context) }
            }
        } catch let error as AWSError {
            code = error.code
            response = Self.errorResponse(error)
        } catch let failure as QueryProtocolFailure {
            code = failure.error.code
            if let cause = failure.cause {
                context.logger.error(
                    "server fault",
                    metadata: ["requestId": "\(requestId)", "code": "\(failure.error.code)", "cause": "\(cause)"]
                )
            }
            response = Response(
                status: HTTPResponse.Status(code: failure.error.status),
                headers: [.contentType: AWSQueryCoding.contentType],
                body: ResponseBody(byteBuffer: AWSQueryCoding.errorBody(failure.error, requestID: requestId))
            )
        } catch let fault as ServerFault {
            code = fault.reply.code
            context.logger.error(
                "server fault",
                metadata: ["requestId": "\(requestId)", "code": "\(fault.reply.code)", "cause": "\(fault.cause)"]
            )
            response = Self.errorResponse(fault.reply)
        } catch let error as any HTTPResponseError {
            let mapped = Self.map(error.status, method: request.method, maximumBodySize: maximumBodySize)
            code = mapped.code
            response = Self.errorResponse(mapped)
        } catch {
            code = AWSError.internalFailure.code
            context.logger.error(
                "unexpected failure",
                metadata: ["requestId": "\(requestId)", "error": "\(String(reflecting: type(of: error)))"]
            )
            response = Self.errorResponse(.internalFailure)
        }
        response.headers[RequestIDField.name] = requestId
        guard metrics != nil || logsRequests else { return response }
        let duration = ContinuousClock.now - started
        let path = request.uri.path
        let target = resolved?.target ?? request.headers[TargetField.name]
        let (service, operation) =
            metrics?.labels(path: path, target: target, table: table)
            ?? ServerMetrics.labels(path: path, target: target, table: table)
        metrics?.answered(service: service, operation: operation, status: response.status.code, after: duration)
        if logsRequests {
            // (our choice) At debug: the default level (info) writes no line a request.
            var metadata: Logger.Metadata = [
                "requestId": "\(requestId)", "service": "\(service)", "operation": "\(operation)",
                "status": .stringConvertible(response.status.code),
                "durationMs": .stringConvertible(Double(duration.nanoseconds) / 1e6),
            ]
            if let scope = resolved?.scope {
                metadata["account"] = "\(scope.account)"
                metadata["region"] = "\(scope.region)"
            }
            if let code { metadata["code"] = "\(code)" }
            context.logger.debug("request", metadata: metadata)
        }
        return response
    }

    static func errorResponse(_ error: AWSError) -> Response {
        let status = HTTPResponse.Status(code: error.status)
        return Response(
            status: status,
            headers: .reply(contentType: AWSJSONCoding.contentType),
            body: ResponseBody(byteBuffer: AWSJSONCoding.errorBody(error))
        )
    }

    /// HTTP-level refusals (unknown path, wrong method, body too large) in AWS's shape.
    static func map(_ status: HTTPResponse.Status, method: HTTPRequest.Method, maximumBodySize: Int) -> AWSError {
        switch status {
        case .notFound:
            AWSError(code: "UnknownOperationException", message: "No operation is served at this path", status: 404)
        case .methodNotAllowed:
            AWSError(
                code: "MethodNotAllowedException",
                message: "The method \(method.rawValue) is not allowed here; use POST",
                status: 405
            )
        case .contentTooLarge:
            .requestTooLarge(limit: maximumBodySize)
        default:
            AWSError(code: "BadRequest", message: "The request could not be served", status: status.code)
        }
    }
}

/// The three headers the JSON protocol reads, found in one pass over the request's fields. Each is what
/// `HTTPFields`' subscript answers (repeated fields joined with ", "), which builds a joined string for every
/// lookup even when a field occurs once.
struct ProtocolHeaders {
    var contentType: String?
    var authorization: String?
    var target: String?

    init(_ fields: HTTPFields) {
        for field in fields {
            switch field.name {
            case .contentType: Self.add(field.value, to: &contentType)
            case .authorization: Self.add(field.value, to: &authorization)
            case TargetField.name: Self.add(field.value, to: &target)
            default: continue
            }
        }
    }

    private static func add(_ value: String, to header: inout String?) {
        if let first = header { header = first + ", " + value } else { header = value }
    }

    /// Whether the Content-Type starts with `prefix` (given in lower case), letter case aside: a media type's type,
    /// subtype and parameter names ignore case (RFC 9110, 8.3.1).
    func contentType(startsWith prefix: String) -> Bool {
        guard let contentType else { return false }
        var given = contentType.utf8.makeIterator()
        for expected in prefix.utf8 {
            guard let byte = given.next() else { return false }
            let folded = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
            guard folded == expected else { return false }
        }
        return true
    }
}

/// The scope the handler of `POST /` resolved for the request the middleware is answering (a task-local: the handler
/// runs in the middleware's task).
final class ResolvedScope: Sendable {
    @TaskLocal static var current: ResolvedScope?

    private let box = NIOLockedValueBox<(scope: Scope?, target: String?)>((nil, nil))

    var scope: Scope? {
        get { box.withLockedValue { $0.scope } }
        set { box.withLockedValue { $0.scope = newValue } }
    }

    /// The operation's table target: its `X-Amz-Target`, or for EC2's Query protocol the target of its `Action`.
    var target: String? {
        get { box.withLockedValue { $0.target } }
        set { box.withLockedValue { $0.target = newValue } }
    }
}

enum TargetField {
    // A literal, valid header token: this cannot fail, and is evaluated once, not per request.
    static let name = HTTPField.Name("X-Amz-Target")!
}

enum RequestIDField {
    // A literal, valid header token: this cannot fail, and is evaluated once, not per request.
    static let name = HTTPField.Name(RequestID.header)!
}

extension HTTPFields {
    /// A reply's header fields, with room for those added to them on the way out (its length, its request ID, the
    /// date): grown one at a time, the fields' storage was allocated three times a reply.
    static func reply(contentType: String) -> HTTPFields {
        var fields = HTTPFields()
        fields.reserveCapacity(4)
        fields[.contentType] = contentType
        return fields
    }
}
