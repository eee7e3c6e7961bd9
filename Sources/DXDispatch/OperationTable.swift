import AWSJSONProtocol
import Foundation
import NIOCore
import NIOFoundationCompat
import Storage

/// Maps `X-Amz-Target` values to handlers that decode the input shape, run the operation and encode the output.
package struct OperationTable: Sendable {
    package typealias Handler = @Sendable (ByteBuffer, Scope) async throws -> ByteBuffer

    private var handlers: [String: Handler] = [:]
    /// Every operation of every model served here, implemented or not, by full target.
    private var known: Set<String> = []

    package init() {}

    /// Declares the operations of a model; those never registered answer `NotImplemented`.
    package mutating func declare(prefix: String, operations: some Sequence<String>) {
        for operation in operations { known.insert("\(prefix).\(operation)") }
    }

    package mutating func register<Operation: AWSOperation>(
        _ operation: Operation.Type,
        prefix: String,
        _ body: @escaping @Sendable (Operation.Input, Scope) async throws -> Operation.Output
    ) {
        let target = "\(prefix).\(Operation.name)"
        known.insert(target)
        handlers[target] = { buffer, scope in
            let input = try AWSJSONCoding.decode(Operation.Input.self, from: buffer.readableBytesView)
            let output = try await body(input, scope)
            return ByteBuffer(data: try AWSJSONCoding.encode(output))
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
