import AWSJSONProtocol

/// Secrets Manager's own error codes.
extension AWSError {
    package static let secretNotFound = AWSError(
        code: "ResourceNotFoundException",
        message: "Secrets Manager can't find the specified secret.",
        status: 400
    )

    package static func secretValueNotFound(_ detail: String) -> AWSError {
        AWSError(
            code: "ResourceNotFoundException",
            message: "Secrets Manager can't find the specified secret value for \(detail).",
            status: 400
        )
    }

    package static func invalidParameter(_ message: String) -> AWSError {
        AWSError(code: "InvalidParameterException", message: message, status: 400)
    }

    package static func invalidRequest(_ message: String) -> AWSError {
        AWSError(code: "InvalidRequestException", message: message, status: 400)
    }

    package static func resourceExists(_ message: String) -> AWSError {
        AWSError(code: "ResourceExistsException", message: message, status: 400)
    }

    package static func accessDenied(_ message: String) -> AWSError {
        AWSError(code: "AccessDeniedException", message: message, status: 400)
    }

    package static let invalidNextToken = AWSError(
        code: "InvalidNextTokenException",
        message: "The NextToken value is invalid.",
        status: 400
    )

    package static let markedForDeletion = AWSError.invalidRequest(
        "You can't perform this operation on the secret because it was marked for deletion."
    )

    /// A secret Direct Connect manages is read-only everywhere else.
    package static func managedByDirectConnect(_ operation: String) -> AWSError {
        .accessDenied(
            "The secret is managed by Direct Connect (OwningService directconnect); \(operation) is not allowed on it."
        )
    }

    package static let secretsServerFailure = AWSError(
        code: "InternalServiceError",
        message: "An error occurred on the server side.",
        status: 500
    )
}
