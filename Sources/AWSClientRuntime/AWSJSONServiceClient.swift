/// A client of one JSON 1.1 service: its protocol constants and the caller its generated methods go through. The
/// two ways to make one (an explicit configuration, or the AWS CLI's resolution) are written once, here.
public protocol AWSJSONServiceClient: Sendable {
    /// The service's protocol constants, from the generated model.
    static var service: AWSServiceDescription { get }
    /// The JSON 1.1 caller every generated method goes through.
    var json: AWSJSONClient { get }
    /// A client around a caller made for `service`.
    init(json: AWSJSONClient)
}

extension AWSJSONServiceClient {
    /// A client with an explicit configuration and, for tests, an explicit transport.
    public init(configuration: AWSClientConfiguration, transport: any HTTPTransport = AsyncHTTPClientTransport()) {
        self.init(json: AWSJSONClient(service: Self.service, configuration: configuration, transport: transport))
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
