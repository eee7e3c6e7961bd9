/// The protocol constants of one JSON 1.1 service, as its model gives them.
public struct AWSServiceDescription: Hashable, Sendable {
    /// The model's service ID (`Direct Connect`); it names the service-specific endpoint settings.
    public var serviceId: String
    /// The SigV4 signing name (`directconnect`).
    public var signingName: String
    /// The host name prefix of the public endpoint (`directconnect`).
    public var endpointPrefix: String
    /// The `X-Amz-Target` prefix (`OvertureService`).
    public var targetPrefix: String

    public init(serviceId: String, signingName: String, endpointPrefix: String, targetPrefix: String) {
        self.serviceId = serviceId
        self.signingName = signingName
        self.endpointPrefix = endpointPrefix
        self.targetPrefix = targetPrefix
    }

    /// `AWS_ENDPOINT_URL_<ID>`: the service ID upper-cased with spaces and dashes as underscores.
    public var endpointVariable: String {
        "AWS_ENDPOINT_URL_" + serviceId.uppercased().map { $0 == " " || $0 == "-" ? "_" : String($0) }.joined()
    }

    /// The key of the service's block in a `[services ...]` section: the ID lower-cased, spaces as underscores.
    public var configKey: String {
        serviceId.lowercased().map { $0 == " " || $0 == "-" ? "_" : String($0) }.joined()
    }

    /// The public AWS endpoint in a region (China regions use `amazonaws.com.cn`).
    public func defaultEndpoint(region: String) -> String {
        let domain = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return "https://\(endpointPrefix).\(region).\(domain)"
    }
}
