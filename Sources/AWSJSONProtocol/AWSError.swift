/// An error as the JSON 1.1 protocol puts it on the wire: an opaque code, a message and an HTTP status.
///
/// Two errors are equal when their codes are; the message is for people. A message must never carry key
/// material: callers build it from IDs and names only.
public struct AWSError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The `__type` of the error body, e.g. `DirectConnectClientException`.
    public var code: String
    public var message: String
    /// The HTTP status code of the reply.
    public var status: Int

    public init(code: String, message: String, status: Int) {
        self.code = code
        self.message = message
        self.status = status
    }

    public var description: String { "\(code) (\(status)): \(message)" }

    public static func == (lhs: AWSError, rhs: AWSError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension AWSError {
    /// The body is not JSON, or a member has the wrong type.
    public static func serialization(_ message: String) -> AWSError {
        AWSError(code: "SerializationException", message: message, status: 400)
    }

    /// `X-Amz-Target` names no operation of any service served here.
    public static func unknownOperation(_ target: String) -> AWSError {
        AWSError(code: "UnknownOperationException", message: "Unknown operation \(target)", status: 400)
    }

    /// An operation of the model that this server does not serve yet.
    public static func notImplemented(_ operation: String) -> AWSError {
        AWSError(
            code: "NotImplemented",
            message: "The operation \(operation) is not implemented by dxlocal yet",
            status: 501
        )
    }

    /// The request body is larger than the server accepts.
    public static func requestTooLarge(limit: Int) -> AWSError {
        AWSError(
            code: "RequestEntityTooLargeException",
            message: "Request body is larger than the limit of \(limit) bytes",
            status: 413
        )
    }

    /// Something unexpected; the details stay in the server log under the request ID.
    public static let internalFailure = AWSError(
        code: "InternalFailure",
        message: "The request processing has failed because of an unknown error, exception or failure",
        status: 500
    )
}
