@_exported import AWSClientRuntime
import AWSJSONProtocol
@_exported import DirectConnectModel

/// An async client of AWS Direct Connect: every operation of the model as a method taking and returning the
/// generated shapes. It talks to dxlocal or to AWS alike; only the endpoint differs.
///
/// ```swift
/// let client = try DirectConnectClient()  // AWS_ENDPOINT_URL, AWS_REGION, credentials, profiles
/// let keys = try await client.associateMacSecKey(.init(connectionId: id, ckn: ckn, cak: cak))
/// ```
public struct DirectConnectClient: AWSJSONServiceClient {
    public static let service = AWSServiceDescription(
        serviceId: DirectConnectMetadata.serviceId,
        signingName: DirectConnectMetadata.signingName,
        endpointPrefix: DirectConnectMetadata.endpointPrefix,
        targetPrefix: DirectConnectMetadata.targetPrefix
    )

    public let json: AWSJSONClient

    public init(json: AWSJSONClient) {
        self.json = json
    }
}
