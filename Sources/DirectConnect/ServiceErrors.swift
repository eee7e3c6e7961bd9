import AWSJSONProtocol

/// The Direct Connect errors of the model; every client fault is one code, told apart by its message.
extension AWSError {
    package static func client(_ message: String) -> AWSError {
        AWSError(code: "DirectConnectClientException", message: message, status: 400)
    }

    package static func server(_ message: String) -> AWSError {
        AWSError(code: "DirectConnectServerException", message: message, status: 500)
    }

    package static func duplicateTagKeys(_ message: String) -> AWSError {
        AWSError(code: "DuplicateTagKeysException", message: message, status: 400)
    }

    package static func tooManyTags(_ message: String) -> AWSError {
        AWSError(code: "TooManyTagsException", message: message, status: 400)
    }

    /// The message Terraform's provider matches to learn that a connection or LAG is gone.
    package static func notFound(_ id: String) -> AWSError {
        if id.hasPrefix(Identifiers.lagPrefix) {
            return .client("Could not find Lag with ID \(Identifiers.quoted(id))")
        }
        return connectionNotFound(id)
    }

    /// That no connection has the ID, whatever its prefix.
    package static func connectionNotFound(_ id: String) -> AWSError {
        .client("Could not find Connection with ID \(Identifiers.quoted(id))")
    }
}
