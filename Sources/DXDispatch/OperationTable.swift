import AWSJSONProtocol
import Foundation
import NIOCore
import NIOFoundationCompat
import Storage

/// Maps `X-Amz-Target` values to handlers that decode the input shape, run the operation and encode the output.
package struct OperationTable: Sendable {
    /// Decodes a request body, runs the operation and answers the body of its reply.
    package typealias Handler = @Sendable (ByteBuffer, Scope) async throws -> OperationReply

    private var handlers: [String: Handler] = [:]
    /// Every operation of every model served here, implemented or not, by full target.
    private var known: Set<String> = []
    /// Each service's answer to a fault of the server, by target prefix.
    private var serverErrors: [String: AWSError] = [:]

    package init() {}

    /// Declares the operations of a model; those never registered answer `NotImplemented`. An operation of
    /// `prefix` that fails unexpectedly answers `serverError` (SPEC 1: `DirectConnectServerException`).
    package mutating func declare(prefix: String, operations: some Sequence<String>, serverError: AWSError) {
        for operation in operations { known.insert("\(prefix).\(operation)") }
        serverErrors[prefix] = serverError
    }

    /// Registers an operation. Its body answers the output shape, or anything that writes the same JSON (an
    /// answer rendered from a cache).
    package mutating func register<Operation: AWSOperation, Output: AWSJSONValue & Sendable>(
        _ operation: Operation.Type,
        prefix: String,
        _ body: @escaping @Sendable (Operation.Input, Scope) async throws -> Output
    ) {
        let target = "\(prefix).\(Operation.name)"
        known.insert(target)
        // Fixed at start-up, never on a request: a service registers its operations after declaring them, so
        // that none of them could answer a fault with another service's error or a generic one.
        guard let serverError = serverErrors[prefix] else {
            preconditionFailure("\(prefix) is registered before it is declared (OperationTable.declare)")
        }
        handlers[target] = { buffer, scope in
            let input = try AWSJSONCoding.decode(Operation.Input.self, from: buffer.readableBytesView)
            do {
                return OperationReply(try await body(input, scope))
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

    package var implementedTargets: [String] { handlers.keys.sorted() }

    /// The handler for a target, or the wire error for one that has none.
    package func handler(for target: String?) throws(AWSError) -> Handler {
        guard let target, !target.isEmpty else { throw AWSError.unknownOperation("(no X-Amz-Target header)") }
        if let handler = handlers[target] { return handler }
        if known.contains(target), let parsed = AWSTarget(target) {
            throw AWSError.notImplemented(String(parsed.operation))
        }
        throw AWSError.unknownOperation(target)
    }
}

/// The JSON body of a successful reply: written whole, in chunks (`AWSJSONWriter`), or, when it can be long, to be
/// sent chunk by chunk as it is written (`AWSJSONStreamable`). Its length is known first either way, so the server
/// keeps `Content-Length`; how the chunks reach the wire is the server's business.
package enum OperationReply: Sendable {
    case chunks([ByteBuffer])
    case streamed(any AWSJSONStreamable)

    package init(_ output: some AWSJSONValue) {
        if let streamed = output as? any AWSJSONStreamable, streamed.jsonByteCount > AWSJSONWriter.chunkSize {
            self = .streamed(streamed)
        } else {
            self = .chunks(AWSJSONCoding.encode(output))
        }
    }

    /// The whole body in one buffer (tests, the fuzz target).
    package func collected() async throws -> ByteBuffer {
        switch self {
        case .chunks(let chunks):
            if chunks.count == 1 { return chunks[0] }
            var whole = ByteBuffer()
            for var chunk in chunks { whole.writeBuffer(&chunk) }
            return whole
        case .streamed(let output):
            var whole = ByteBuffer()
            whole.reserveCapacity(output.jsonByteCount)
            try await output.writeJSON(inChunksOf: AWSJSONWriter.chunkSize) { chunk in
                var chunk = chunk
                whole.writeBuffer(&chunk)
            }
            return whole
        }
    }
}
