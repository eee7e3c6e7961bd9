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
public struct DirectConnectClient: Sendable {
    /// The service's protocol constants, from the generated model.
    public static let service = AWSServiceDescription(
        serviceId: DirectConnectMetadata.serviceId,
        signingName: DirectConnectMetadata.signingName,
        endpointPrefix: DirectConnectMetadata.endpointPrefix,
        targetPrefix: DirectConnectMetadata.targetPrefix
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
