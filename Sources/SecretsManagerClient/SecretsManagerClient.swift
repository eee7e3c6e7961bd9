@_exported import AWSClientRuntime
import AWSJSONProtocol
@_exported import SecretsManagerModel

/// An async client of AWS Secrets Manager, for the secrets Direct Connect keeps its MACsec keys in. Every
/// operation of the model is a method; dxlocal serves the ones its README lists.
public struct SecretsManagerClient: Sendable {
    /// The service's protocol constants, from the generated model.
    public static let service = AWSServiceDescription(
        serviceId: SecretsManagerMetadata.serviceId,
        signingName: SecretsManagerMetadata.signingName,
        endpointPrefix: SecretsManagerMetadata.endpointPrefix,
        targetPrefix: SecretsManagerMetadata.targetPrefix
    )

    /// The JSON 1.1 caller every generated method goes through.
    public let json: AWSJSONClient

    /// A client with an explicit configuration and, for tests, an explicit transport.
    public init(configuration: AWSClientConfiguration, transport: any HTTPTransport = AsyncHTTPClientTransport()) {
        json = AWSJSONClient(service: Self.service, configuration: configuration, transport: transport)
    }

    /// A client configured as the AWS CLI would be (see `AWSClientConfiguration.resolve`).
    public init(
        profile: String? = nil,
        region: String? = nil,
        endpointURL: String? = nil,
        environment: AWSEnvironment = .process,
        transport: any HTTPTransport = AsyncHTTPClientTransport()
    ) throws(AWSClientError) {
        let configuration = try AWSClientConfiguration.resolve(
            service: Self.service,
            profile: profile,
            region: region,
            endpointURL: endpointURL,
            environment: environment
        )
        self.init(configuration: configuration, transport: transport)
    }
}
