import AWSJSONProtocol
import AWSQueryProtocol
import Foundation
import NIOCore
import NIOFoundationCompat
import ServiceKit
import Storage

/// Maps `X-Amz-Target` values to handlers that decode the input shape, run the operation and encode the output.
package struct OperationTable: Sendable {
    /// Decodes a request body, runs the operation and answers the body of its reply.
    package typealias Handler = @Sendable (ByteBuffer, Scope) async throws -> OperationReply
    /// Runs a Query-protocol operation (EC2's) on the request's parameters, parsed once by whoever read its `Action`.
    package typealias QueryHandler = @Sendable (QueryParameters, Scope) async throws -> OperationReply

    private var handlers: [String: Handler] = [:]
    /// Every operation of every model served here, implemented or not, by full target.
    private var known: Set<String> = []
    /// The same of the services that speak the Query protocol (EC2), kept apart: no `X-Amz-Target` reaches them.
    private var queryHandlers: [String: QueryHandler] = [:]
    private var knownActions: Set<String> = []
    /// Each service's answer to a fault of the server, by target prefix.
    private var serverErrors: [String: AWSError] = [:]
    /// Each service's signing name (`directconnect`), by target prefix, and the other way round.
    private var signingNames: [String: String] = [:]
    private var prefixes: [String: String] = [:]

    package init() {}

    /// Declares the operations of a model, whose service signs as `signingName`; those never registered answer
    /// `NotImplemented`. An operation of `prefix` that fails unexpectedly answers `serverError` (SPEC 1:
    /// `DirectConnectServerException`). A service that speaks the Query protocol (`query`) is found by its requests'
    /// `Action` (`handler(forAction:of:)`), and no `X-Amz-Target` reaches it.
    package mutating func declare(
        prefix: String,
        signingName: String,
        operations: some Sequence<String>,
        serverError: AWSError,
        query: Bool = false
    ) {
        for operation in operations {
            if query { knownActions.insert("\(prefix).\(operation)") } else { known.insert("\(prefix).\(operation)") }
        }
        serverErrors[prefix] = serverError
        signingNames[prefix] = signingName
        prefixes[signingName] = prefix
    }

    /// The signing name of the service whose target prefix is `prefix`, if one is declared.
    package func signingName(ofPrefix prefix: Substring) -> String? {
        signingNames[String(prefix)]
    }

    /// The signing names of the services declared here, sorted.
    package var signingNamesServed: [String] { prefixes.keys.sorted() }

    /// Whether the model of the service signing as `signingName` has `operation`; `nil` when no such service is
    /// declared.
    package func declares(operation: String, of signingName: String) -> Bool? {
        guard let prefix = prefixes[signingName] else { return nil }
        let target = "\(prefix).\(operation)"
        return known.contains(target) || knownActions.contains(target)
    }

    /// Registers an operation.
    package mutating func register<Operation: AWSOperation, Output: AWSJSONValue & Sendable>(
        _ operation: Operation.Type,
        prefix: String,
        _ body: @escaping @Sendable (Operation.Input, Scope) async throws -> Output
    ) {
        add(Operation.name, prefix: prefix) { buffer, scope, _ in
            let input = try AWSJSONCoding.decode(Operation.Input.self, from: buffer.readableBytesView)
            return OperationReply(try await body(input, scope))
        }
    }

    /// Registers a read whose replies `cache` keeps for as long as they stay the same (`ResponseCache`).
    package mutating func register<Operation: AWSOperation, Output: AWSJSONValue & Sendable>(
        _ operation: Operation.Type,
        prefix: String,
        cachedIn cache: ResponseCache,
        _ body: @escaping @Sendable (Operation.Input, Scope) async throws -> Lasting<Output>
    ) {
        add(Operation.name, prefix: prefix) { buffer, scope, target in
            try await cache.reply(target: target, scope: scope, body: buffer) {
                let input = try AWSJSONCoding.decode(Operation.Input.self, from: buffer.readableBytesView)
                let answer = try await body(input, scope)
                return (OperationReply(answer.output), answer.window)
            }
        }
    }

    /// Installs a JSON operation's handler.
    mutating func add(
        _ name: String,
        prefix: String,
        _ run: @escaping @Sendable (ByteBuffer, Scope, String) async throws -> OperationReply
    ) {
        let target = "\(prefix).\(name)"
        known.insert(target)
        handlers[target] = guarded(target, prefix: prefix, run)
    }

    /// Installs a Query-protocol operation's handler.
    mutating func addQuery(
        _ name: String,
        prefix: String,
        _ run: @escaping @Sendable (QueryParameters, Scope, String) async throws -> OperationReply
    ) {
        let target = "\(prefix).\(name)"
        knownActions.insert(target)
        queryHandlers[target] = guarded(target, prefix: prefix, run)
    }

    /// An operation's handler that answers every error that is not the service's own or a fault already classified
    /// as a fault of the server.
    private func guarded<Input>(
        _ target: String,
        prefix: String,
        _ run: @escaping @Sendable (Input, Scope, String) async throws -> OperationReply
    ) -> @Sendable (Input, Scope) async throws -> OperationReply {
        // Fixed at start-up, never on a request: a service registers its operations after declaring them, so
        // that none of them could answer a fault with another service's error or a generic one.
        guard let serverError = serverErrors[prefix] else {
            preconditionFailure("\(prefix) is registered before it is declared (OperationTable.declare)")
        }
        return { input, scope in
            do {
                return try await run(input, scope, target)
            } catch let error as AWSError {
                throw error
            } catch let fault as ServerFault {
                throw fault
            } catch {
                // The type only: an error's description could carry what the request sent.
                throw ServerFault(reply: serverError, cause: "unexpected \(String(reflecting: type(of: error)))")
            }
        }
    }

    /// Every operation served, as `prefix.Operation`: the JSON services' targets and the Query services' actions.
    package var implementedTargets: [String] { (Array(handlers.keys) + queryHandlers.keys).sorted() }

    /// The handler for a target, or the wire error for one that has none.
    package func handler(for target: String?) throws(AWSError) -> Handler {
        guard let target, !target.isEmpty else { throw AWSError.unknownOperation("(no X-Amz-Target header)") }
        if let handler = handlers[target] { return handler }
        if known.contains(target), let parsed = AWSTarget(target) {
            throw AWSError.notImplemented(String(parsed.operation))
        }
        throw AWSError.unknownOperation(target)
    }

    /// The handler of a Query-protocol request's `Action` for the service of `prefix`, with its table target; an
    /// action the model does not have is EC2's `InvalidAction`.
    package func handler(
        forAction action: String,
        of prefix: String
    ) throws(AWSError) -> (QueryHandler, target: String) {
        let target = "\(prefix).\(action)"
        if let handler = queryHandlers[target] { return (handler, target) }
        if knownActions.contains(target) { throw AWSError.notImplemented(action) }
        throw AWSError(
            code: "InvalidAction",
            message: "The action \(action.prefix(128)) is not valid for this web service.",
            status: 400
        )
    }
}

/// The JSON body of a successful reply, in the chunks `AWSJSONWriter` wrote it in (a long listing is never one large
/// allocation); its length is known first, so the server keeps `Content-Length`.
package struct OperationReply: Sendable {
    package let chunks: [ByteBuffer]
    package let byteCount: Int
    /// Answered from the response cache: nothing was built for it, so sending it leaves no memory to hand back.
    package private(set) var isKeptReply = false

    package init(_ output: some AWSJSONValue) {
        self.init(chunks: AWSJSONCoding.encode(output))
    }

    package init(chunks: [ByteBuffer]) {
        self.chunks = chunks
        byteCount = chunks.reduce(0) { $0 + $1.readableBytes }
    }

    /// The same reply, answered again from where the response cache keeps it.
    func keptReply() -> OperationReply {
        var reply = self
        reply.isKeptReply = true
        return reply
    }

    /// The whole body in one buffer (tests, the fuzz target).
    package func collected() -> ByteBuffer {
        if chunks.count == 1 { return chunks[0] }
        var whole = ByteBuffer()
        whole.reserveCapacity(byteCount)
        for var chunk in chunks { whole.writeBuffer(&chunk) }
        return whole
    }
}
