/// A fault of the server while it served a request: the error the service answers for it (its own server
/// exception), and what went wrong, which only the log sees, under the request ID.
///
/// `cause` is built from types and store errors only, never from request members: it must not carry key material.
public struct ServerFault: Error, Sendable, CustomStringConvertible {
    /// The service's server error, as the wire shows it.
    public var reply: AWSError
    /// What went wrong, for the log.
    public var cause: String

    public init(reply: AWSError, cause: String) {
        self.reply = reply
        self.cause = cause
    }

    public var description: String { "\(reply.code): \(cause)" }
}
