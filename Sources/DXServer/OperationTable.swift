import AWSJSONProtocol
import Foundation
import Hummingbird
import NIOCore
import NIOFoundationCompat
import Storage

/// Maps `X-Amz-Target` values to handlers that decode the input shape, run the operation and encode the output.
package struct OperationTable: Sendable {
    /// Decodes a request body, runs the operation and answers the body of its reply.
    package typealias Handler = @Sendable (ByteBuffer, Scope) async throws -> ResponseBody

    private var handlers: [String: Handler] = [:]
    /// Every operation of every model served here, implemented or not, by full target.
    private var known: Set<String> = []

    package init() {}

    /// Declares the operations of a model; those never registered answer `NotImplemented`.
    package mutating func declare(prefix: String, operations: some Sequence<String>) {
        for operation in operations { known.insert("\(prefix).\(operation)") }
    }

    /// Registers an operation. Its body answers the output shape, or anything that writes the same JSON (an
    /// answer rendered from a cache).
    package mutating func register<Operation: AWSOperation, Output: AWSJSONValue>(
        _ operation: Operation.Type,
        prefix: String,
        _ body: @escaping @Sendable (Operation.Input, Scope) async throws -> Output
    ) {
        let target = "\(prefix).\(Operation.name)"
        known.insert(target)
        handlers[target] = { buffer, scope in
            let input = try AWSJSONCoding.decode(Operation.Input.self, from: buffer.readableBytesView)
            return Self.responseBody(try await body(input, scope))
        }
    }

    /// The JSON of an output: written whole, in chunks (`AWSJSONWriter`), or, when it can be long, sent chunk by
    /// chunk as it is written (`AWSJSONStreamable`), with its length known first either way.
    static func responseBody(_ output: some AWSJSONValue) -> ResponseBody {
        if let streamed = output as? any AWSJSONStreamable, streamed.jsonByteCount > AWSJSONWriter.chunkSize {
            let length = streamed.jsonByteCount
            return ResponseBody(contentLength: length) { writer in
                try await streamed.writeJSON(inChunksOf: AWSJSONWriter.chunkSize) { try await writer.write($0) }
                try await writer.finish(nil)
                MemoryTrimmer.replySent(bytes: length)
            }
        }
        let chunks = AWSJSONCoding.encode(output)
        return chunks.count == 1 ? ResponseBody(byteBuffer: chunks[0]) : ResponseBody(contentsOf: chunks)
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
