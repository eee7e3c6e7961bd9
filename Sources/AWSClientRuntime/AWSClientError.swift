/// Why a call failed: the service's answer, or a failure before one arrived.
///
/// A service error keeps the code, the message and the request ID the service sent, so a caller can match on
/// the code as boto3 users match on `Error.Code`. Equality is by kind and code, as for the server's errors.
public struct AWSClientError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where the failure arose.
    public enum Kind: String, Hashable, Sendable {
        /// The service answered with an error body.
        case service
        /// No answer: the connection failed or timed out.
        case transport
        /// The client could not be set up: no region, no credentials, an unusable endpoint.
        case configuration
        /// An answer arrived but was not one the model allows.
        case invalidResponse
    }

    public var kind: Kind
    /// The service's error code (`DirectConnectClientException`, `ThrottlingException`, ...), or a client-side
    /// code for the other kinds (`TransportFailure`, `ConfigurationError`, `NoRegionError`, `NoCredentialsError`,
    /// `PartialCredentialsError`, `InvalidResponse`).
    public var code: String
    public var message: String
    /// The `x-amzn-RequestId` of the answer, when there was one.
    public var requestID: String?
    /// The HTTP status of the answer, when there was one.
    public var statusCode: Int?
    /// When the call's last allowed attempt failed (whatever the failure, as in botocore's standard retry mode): how
    /// many retries it made (botocore's `RetryAttempts` with `MaxAttemptsReached`, which the AWS CLI prints as
    /// "reached max retries: N").
    public var retriesExhausted: Int?

    public init(kind: Kind, code: String, message: String, requestID: String? = nil, statusCode: Int? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.requestID = requestID
        self.statusCode = statusCode
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let statusCode { text += " (HTTP \(statusCode))" }
        if let requestID { text += " [request \(requestID)]" }
        return text
    }

    public static func == (lhs: AWSClientError, rhs: AWSClientError) -> Bool {
        lhs.kind == rhs.kind && lhs.code == rhs.code
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(code)
    }

    package static func configuration(_ message: String) -> AWSClientError {
        AWSClientError(kind: .configuration, code: "ConfigurationError", message: message)
    }

    /// No credentials anywhere: botocore's `NoCredentialsError`, with its words.
    public static let noCredentials = AWSClientError(
        kind: .configuration,
        code: "NoCredentialsError",
        message: "Unable to locate credentials"
    )

    /// No region anywhere (`AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`): botocore's
    /// `NoRegionError`, with its words.
    public static let noRegion = AWSClientError(
        kind: .configuration,
        code: "NoRegionError",
        message: "You must specify a region."
    )

    /// An access key without its secret: botocore's `PartialCredentialsError`, with its words.
    static func partialCredentials(in provider: String, missing name: String) -> AWSClientError {
        AWSClientError(
            kind: .configuration,
            code: "PartialCredentialsError",
            message: "Partial credentials found in \(provider), missing: \(name)"
        )
    }

    static func transport(_ message: String) -> AWSClientError {
        AWSClientError(kind: .transport, code: "TransportFailure", message: message)
    }

    static func invalidResponse(_ message: String, requestID: String?, statusCode: Int) -> AWSClientError {
        AWSClientError(
            kind: .invalidResponse,
            code: "InvalidResponse",
            message: message,
            requestID: requestID,
            statusCode: statusCode
        )
    }
}
