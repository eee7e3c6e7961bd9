@_exported import AWSClientRuntime
import AWSJSONProtocol
@_exported import SecretsManagerModel

/// An async client of AWS Secrets Manager, for the secrets Direct Connect keeps its MACsec keys in. Every
/// operation of the model is a method; dxlocal serves the ones its README lists.
public struct SecretsManagerClient: AWSJSONServiceClient {
    public static let service = AWSServiceDescription(
        serviceId: SecretsManagerMetadata.serviceId,
        signingName: SecretsManagerMetadata.signingName,
        endpointPrefix: SecretsManagerMetadata.endpointPrefix,
        targetPrefix: SecretsManagerMetadata.targetPrefix
    )

    public let json: AWSJSONClient

    public init(json: AWSJSONClient) {
        self.json = json
    }
}
