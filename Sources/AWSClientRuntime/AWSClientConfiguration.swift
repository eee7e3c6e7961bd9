@_exported import AWSSigV4

/// Where and as whom a client calls: region, endpoint, credentials, retries and timeout.
///
/// ``resolve(service:profile:region:endpointURL:environment:)`` reads the same settings, in the same order, as
/// the AWS CLI and SDKs, so a client configured for dxlocal by `AWS_ENDPOINT_URL` works unchanged against AWS
/// once the variable is gone.
public struct AWSClientConfiguration: Sendable {
    public var region: String
    /// The endpoint URL, e.g. `http://127.0.0.1:4587` or `https://directconnect.us-east-1.amazonaws.com`.
    public var endpoint: String
    public var credentials: SigV4.SigningCredentials
    public var retry: RetryPolicy
    /// How long one attempt may take before it counts as a transport failure.
    public var timeout: Duration

    public init(
        region: String,
        endpoint: String,
        credentials: SigV4.SigningCredentials,
        retry: RetryPolicy = RetryPolicy(),
        timeout: Duration = .seconds(60)
    ) {
        self.region = region
        self.endpoint = endpoint
        self.credentials = credentials
        self.retry = retry
        self.timeout = timeout
    }

    /// Resolves every setting the way the AWS CLI does.
    ///
    /// - Profile: `profile`, else `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`, else `default`; a named profile that
    ///   neither file has is an error.
    /// - Region: `region`, else `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the profile's `region`.
    /// - Endpoint: `endpointURL`, else (unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true) the service's
    ///   `AWS_ENDPOINT_URL_<ID>`, `AWS_ENDPOINT_URL`, the profile's `services` block for the service, the profile's
    ///   `endpoint_url`; else the public AWS endpoint of the region.
    /// - Credentials: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` unless a profile was passed
    ///   explicitly, then the profile in the credentials file, then in the config file.
    /// - Attempts: `AWS_MAX_ATTEMPTS`, else the profile's `max_attempts`, else 3.
    ///
    /// Refused in botocore's order and words: the profile, the region, partial credentials, the attempts, the
    /// endpoint (`Invalid endpoint: URL`), and last no credentials at all.
    public static func resolve(
        service: AWSServiceDescription,
        profile explicitProfile: String? = nil,
        region explicitRegion: String? = nil,
        endpointURL explicitEndpoint: String? = nil,
        environment: AWSEnvironment = .process
    ) throws(AWSClientError) -> AWSClientConfiguration {
        let configFile = environment.configFile
        let credentialsFile = environment.credentialsFile
        let named = explicitProfile ?? environment["AWS_PROFILE"] ?? environment["AWS_DEFAULT_PROFILE"]
        let profileName = named ?? "default"
        let configProfile = configFile.configProfile(profileName)
        let credentialsProfile = credentialsFile.credentialsProfile(profileName)
        if named != nil, configProfile == nil, credentialsProfile == nil {
            throw .configuration("The config profile (\(profileName)) could not be found")
        }

        guard
            let region = explicitRegion ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"]
                ?? configProfile?.values["region"]
        else {
            throw .noRegion
        }
        guard isHostLabel(region) else {
            throw .configuration("Provided region_name '\(region)' doesn't match a supported format.")
        }
        // As botocore's session: after the region's check, partial credentials are refused; none at all, which
        // botocore reports only when it signs, is reported here after every other setting, so that a caller that
        // checks its input before the call (the CLI's `VerbClient`, as the AWS CLI) can tell it apart and defer it.
        let credentials = try resolveCredentials(
            explicitProfile: explicitProfile != nil,
            credentialsProfile: credentialsProfile,
            configProfile: configProfile,
            environment: environment
        )

        let endpoint =
            explicitEndpoint
            ?? configuredEndpoint(
                service: service,
                profile: configProfile,
                configFile: configFile,
                environment: environment
            )
            ?? service.defaultEndpoint(region: region)

        var retry = RetryPolicy()
        if let text = environment["AWS_MAX_ATTEMPTS"] ?? configProfile?.values["max_attempts"] {
            guard let attempts = Int(text), attempts >= 1 else {
                throw .configuration("max_attempts must be a positive integer, not \(text)")
            }
            retry.maxAttempts = attempts
        }
        // As botocore's `create_client`: the endpoint after the attempts and before the input is ever looked at.
        try Endpoint.check(endpoint)
        guard let credentials else { throw .noCredentials }
        return AWSClientConfiguration(region: region, endpoint: endpoint, credentials: credentials, retry: retry)
    }

    /// Whether a region can name a host, as botocore requires of it (`validate_region_name`): at most 63 letters,
    /// digits and hyphens, not all digits, no hyphen at either end (its pattern takes the empty string too).
    static func isHostLabel(_ region: String) -> Bool {
        let characters = region.unicodeScalars
        guard !characters.isEmpty else { return true }
        return characters.count <= 63
            && characters.allSatisfy { $0.isASCIIAlphanumeric || $0 == "-" }
            && !characters.allSatisfy { ("0"..."9").contains($0) }
            && characters.first != "-" && characters.last != "-"
    }

    private static func configuredEndpoint(
        service: AWSServiceDescription,
        profile: AWSConfigFile.Section?,
        configFile: AWSConfigFile,
        environment: AWSEnvironment
    ) -> String? {
        let ignore =
            (environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]
            ?? profile?.values[
                "ignore_configured_endpoint_urls"
            ])?.lowercased() == "true"
        if ignore { return nil }
        if let url = environment[service.endpointVariable] ?? environment["AWS_ENDPOINT_URL"] { return url }
        if let servicesName = profile?.values["services"],
            let url = configFile.sections["services \(servicesName)"]?.nested[service.configKey]?["endpoint_url"]
        {
            return url
        }
        return profile?.values["endpoint_url"]
    }

    /// The first credentials found, or none; a key without its secret is refused with botocore's
    /// `PartialCredentialsError`, naming where it was found as botocore's providers name themselves.
    private static func resolveCredentials(
        explicitProfile: Bool,
        credentialsProfile: AWSConfigFile.Section?,
        configProfile: AWSConfigFile.Section?,
        environment: AWSEnvironment
    ) throws(AWSClientError) -> SigV4.SigningCredentials? {
        if !explicitProfile, let key = environment["AWS_ACCESS_KEY_ID"] {
            guard let secret = environment["AWS_SECRET_ACCESS_KEY"] else {
                throw .partialCredentials(in: "env", missing: "AWS_SECRET_ACCESS_KEY")
            }
            return SigV4.SigningCredentials(
                accessKeyId: key,
                secretAccessKey: secret,
                sessionToken: environment["AWS_SESSION_TOKEN"]
            )
        }
        let sections = [(credentialsProfile, "shared-credentials-file"), (configProfile, "config-file")]
        for case (let section?, let provider) in sections {
            guard let key = section.values["aws_access_key_id"] else { continue }
            guard let secret = section.values["aws_secret_access_key"] else {
                throw .partialCredentials(in: provider, missing: "aws_secret_access_key")
            }
            return SigV4.SigningCredentials(
                accessKeyId: key,
                secretAccessKey: secret,
                sessionToken: section.values["aws_session_token"]
            )
        }
        return nil
    }
}
