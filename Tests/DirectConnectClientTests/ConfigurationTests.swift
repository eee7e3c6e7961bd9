import AWSClientRuntime
import AWSSigV4
import DirectConnectClient
import SecretsManagerClient
import Testing

/// Settings resolve in the order and from the places the AWS CLI uses.
@Suite struct ConfigurationTests {
    static let config = """
        [default]
        region = eu-west-1
        aws_access_key_id = CONFIGDEFAULT
        aws_secret_access_key = config-default-secret

        [profile local]
        region = us-west-2
        services = dxlocal
        max_attempts = 5

        [profile plain]
        endpoint_url = http://profile.example:1234

        [profile nothing]
        output = json

        [services dxlocal]
        direct_connect =
          endpoint_url = http://127.0.0.1:4587
        secrets_manager =
          endpoint_url = http://127.0.0.1:4588
        """

    static let credentials = """
        # comment
        [default]
        aws_access_key_id = FILEDEFAULT
        aws_secret_access_key = file-default-secret

        [local]
        aws_access_key_id = 111122223333
        aws_secret_access_key = local-secret
        aws_session_token = local-token
        """

    static func environment(_ variables: [String: String] = [:]) -> AWSEnvironment {
        AWSEnvironment(variables: variables, homeDirectory: "/home/test") { path in
            switch path {
            case "/home/test/.aws/config": config
            case "/home/test/.aws/credentials": credentials
            case "/elsewhere/config":
                "[profile other]\nregion = ap-south-1\naws_access_key_id = OTHER\naws_secret_access_key = s\n"
            default: nil
            }
        }
    }

    static func resolve(
        _ variables: [String: String] = [:],
        profile: String? = nil,
        region: String? = nil,
        endpoint: String? = nil,
        service: AWSServiceDescription = DirectConnectClient.service
    ) throws -> AWSClientConfiguration {
        try AWSClientConfiguration.resolve(
            service: service,
            profile: profile,
            region: region,
            endpointURL: endpoint,
            environment: environment(variables)
        )
    }

    @Test func theDefaultProfileGivesRegionCredentialsAndTheAWSEndpoint() throws {
        let resolved = try Self.resolve()
        #expect(resolved.region == "eu-west-1")
        #expect(resolved.endpoint == "https://directconnect.eu-west-1.amazonaws.com")
        // The credentials file wins over the config file.
        #expect(resolved.credentials.accessKeyId == "FILEDEFAULT")
        #expect(resolved.retry.maxAttempts == 3)
    }

    @Test func environmentVariablesWinOverTheProfile() throws {
        let resolved = try Self.resolve([
            "AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token",
            "AWS_REGION": "us-east-2", "AWS_DEFAULT_REGION": "ca-central-1", "AWS_ENDPOINT_URL": "http://localhost:9",
            "AWS_MAX_ATTEMPTS": "7",
        ])
        #expect(resolved.region == "us-east-2")
        #expect(resolved.endpoint == "http://localhost:9")
        #expect(resolved.credentials.accessKeyId == "ENVKEY")
        #expect(resolved.credentials.sessionToken == "env-token")
        #expect(resolved.retry.maxAttempts == 7)
        #expect(try Self.resolve(["AWS_DEFAULT_REGION": "ca-central-1"]).region == "ca-central-1")
    }

    @Test func theServiceSpecificEndpointVariableWinsOverTheGeneralOne() throws {
        let variables = [
            "AWS_ENDPOINT_URL": "http://general:1", "AWS_ENDPOINT_URL_DIRECT_CONNECT": "http://dx:2",
            "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://sm:3",
        ]
        #expect(try Self.resolve(variables).endpoint == "http://dx:2")
        #expect(try Self.resolve(variables, service: SecretsManagerClient.service).endpoint == "http://sm:3")
        #expect(try Self.resolve(variables, endpoint: "http://flag:4").endpoint == "http://flag:4")
        let ignored = try Self.resolve(variables.merging(["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"]) { $1 })
        #expect(ignored.endpoint == "https://directconnect.eu-west-1.amazonaws.com")
    }

    @Test func aNamedProfileReadsItsServicesSectionAndItsCredentials() throws {
        let resolved = try Self.resolve(["AWS_PROFILE": "local"])
        #expect(resolved.region == "us-west-2")
        #expect(resolved.endpoint == "http://127.0.0.1:4587")
        #expect(resolved.credentials.accessKeyId == "111122223333")
        #expect(resolved.credentials.sessionToken == "local-token")
        #expect(resolved.retry.maxAttempts == 5)
        let secrets = try Self.resolve(["AWS_PROFILE": "local"], service: SecretsManagerClient.service)
        #expect(secrets.endpoint == "http://127.0.0.1:4588")
        let plain = try Self.resolve(
            ["AWS_PROFILE": "plain", "AWS_ACCESS_KEY_ID": "K", "AWS_SECRET_ACCESS_KEY": "s"],
            region: "us-east-1"
        )
        #expect(plain.endpoint == "http://profile.example:1234")
    }

    @Test func anExplicitProfileIgnoresEnvironmentCredentials() throws {
        let variables = ["AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "env-secret"]
        #expect(try Self.resolve(variables, profile: "local").credentials.accessKeyId == "111122223333")
        // AWS_PROFILE names the profile but does not outrank the environment's keys.
        let named = try Self.resolve(variables.merging(["AWS_PROFILE": "local"]) { $1 })
        #expect(named.credentials.accessKeyId == "ENVKEY")
    }

    @Test func anotherConfigFileIsReadFromAWSConfigFile() throws {
        let resolved = try Self.resolve(["AWS_CONFIG_FILE": "/elsewhere/config", "AWS_PROFILE": "other"])
        #expect(resolved.region == "ap-south-1")
        #expect(resolved.credentials.accessKeyId == "OTHER")
    }

    @Test func missingSettingsAreConfigurationErrors() throws {
        let unknown = #expect(throws: AWSClientError.self) { try Self.resolve(profile: "missing") }
        #expect(unknown?.kind == .configuration)
        #expect(unknown?.message.contains("(missing) could not be found") == true)
        let noRegion = #expect(throws: AWSClientError.self) { try Self.resolve(profile: "plain") }
        #expect(noRegion == .noRegion && noRegion?.message == "You must specify a region.")
        let noKeys = #expect(throws: AWSClientError.self) {
            try Self.resolve(profile: "nothing", region: "us-east-1")
        }
        #expect(noKeys == .noCredentials && noKeys?.message == "Unable to locate credentials")
        let halfKeys = #expect(throws: AWSClientError.self) {
            try Self.resolve(["AWS_ACCESS_KEY_ID": "K"])
        }
        #expect(halfKeys?.kind == .configuration && halfKeys?.code == "PartialCredentialsError")
        #expect(halfKeys?.message == "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY")
        #expect(throws: AWSClientError.self) { try Self.resolve(["AWS_MAX_ATTEMPTS": "zero"]) }
    }

    /// botocore's order, which decides what a user with several problems is told: the profile, the region, partial
    /// credentials, the other settings, and missing credentials last (botocore looks for them only to sign).
    @Test func settingsAreRefusedInBotocoresOrder() throws {
        let halfInFile = AWSEnvironment(variables: [:], homeDirectory: "/home/test") { path in
            path == "/home/test/.aws/credentials" ? "[default]\naws_access_key_id = K\n" : nil
        }
        let partial = #expect(throws: AWSClientError.self) {
            try AWSClientConfiguration.resolve(
                service: DirectConnectClient.service,
                region: "us-east-1",
                environment: halfInFile
            )
        }
        #expect(
            partial?.message == "Partial credentials found in shared-credentials-file, missing: aws_secret_access_key"
        )
        let regionFirst = #expect(throws: AWSClientError.self) {
            try Self.resolve(["AWS_ACCESS_KEY_ID": "K"], region: "us east")
        }
        #expect(regionFirst?.message == "Provided region_name 'us east' doesn't match a supported format.")
        let attemptsBeforeMissingKeys = #expect(throws: AWSClientError.self) {
            try Self.resolve(["AWS_MAX_ATTEMPTS": "zero"], profile: "nothing", region: "us-east-1")
        }
        #expect(attemptsBeforeMissingKeys?.message == "max_attempts must be a positive integer, not zero")
    }

    /// botocore's check of the endpoint when a client is made (`is_valid_endpoint_url`, Python's `urlsplit`): each
    /// text as the AWS CLI 1.45 printed it for the URL, after the region and before the input is looked at.
    @Test(arguments: [
        ("localhost:4566", "Invalid endpoint: localhost:4566"),
        ("http://", "Invalid endpoint: http://"),
        ("http:///x", "Invalid endpoint: http:///x"),
        ("http://a b/", "Invalid endpoint: http://a b/"),
        ("http://x\t/", "Invalid endpoint: http://x\t/"),
        ("http://exa_mple.com", "Invalid endpoint: http://exa_mple.com"),
        ("http://a.-b/", "Invalid endpoint: http://a.-b/"),
        ("http://a..b/", "Invalid endpoint: http://a..b/"),
        ("http://x%41/", "Invalid endpoint: http://x%41/"),
        ("http://é.com/", "Invalid endpoint: http://é.com/"),
        (
            "http://" + String(repeating: "a", count: 64) + "/",
            "Invalid endpoint: http://" + String(repeating: "a", count: 64) + "/"
        ),
        ("ftp://", "Invalid endpoint: ftp://"),
        ("http://[::1", "Invalid IPv6 URL"),
        ("http://x]/", "Invalid IPv6 URL"),
        ("http://[abc]/", "'abc' does not appear to be an IPv4 or IPv6 address"),
        ("http://[fe80::1%]/", "'fe80::1%' does not appear to be an IPv4 or IPv6 address"),
        ("http://[1.2.3.4]/", "An IPv4 address cannot be in brackets"),
        ("http://[vz.1]/", "IPvFuture address is invalid"),
    ])
    func anEndpointIsCheckedWhenTheClientIsMade(url: String, message: String) throws {
        let refused = #expect(throws: AWSClientError.self) { try Self.resolve(endpoint: url) }
        #expect(refused?.kind == .configuration && refused?.message == message)
        // After the region's check, before missing credentials.
        let region = #expect(throws: AWSClientError.self) { try Self.resolve(region: "us east", endpoint: url) }
        #expect(region?.message == "Provided region_name 'us east' doesn't match a supported format.")
        let noKeys = #expect(throws: AWSClientError.self) {
            try Self.resolve(["AWS_MAX_ATTEMPTS": "2"], profile: "nothing", region: "us-east-1", endpoint: url)
        }
        #expect(noKeys?.message == message)
    }

    /// What botocore takes when the client is made (the port and the scheme are read only when a request is made).
    @Test(arguments: [
        "http://[v1.x]/", "http://[::1]:1/", "http://[fe80::1%25eth0]/", "http://[fe80::1%eth0]/", "http://X.COM./",
        "http://1.2.3.4.5/", "http://u:p@h:1/", "http://h:99999", "ftp://x", " http://x/", "http://[::1]x/",
        "http://" + Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: ".") + "/",
    ])
    func anEndpointBotocoreTakesIsTaken(url: String) throws {
        #expect(try Self.resolve(endpoint: url).endpoint == url)
    }

    /// botocore's `validate_region_name`: a region is a host label, or the call is refused before it is made.
    @Test func aRegionMustBeAHostLabel() throws {
        for region in ["us-east-1", "local", "x", String(repeating: "a", count: 63), "eu-central-2a"] {
            #expect(try Self.resolve(region: region).region == region)
        }
        for region in ["us east 1", "us_east_1", "-us", "us-", "123", "ü-1", String(repeating: "a", count: 64)] {
            let refused = #expect(throws: AWSClientError.self) { try Self.resolve(region: region) }
            #expect(refused?.kind == .configuration)
            #expect(refused?.message == "Provided region_name '\(region)' doesn't match a supported format.")
        }
        // The pattern takes the empty string, and the AWS CLI sends `--region ""` as it is.
        #expect(try Self.resolve(region: "", endpoint: "http://127.0.0.1:1").region == "")
    }

    @Test func configFilesParseSectionsCommentsAndNestedBlocks() {
        let file = AWSConfigFile(
            parsing:
                "; top\n[default]\nkey = a = b\n  # indented comment\n[services x]\nblock =\n  inner = 1\nafter = 2\n"
        )
        #expect(file.sections["default"]?.values["key"] == "a = b")
        #expect(file.sections["services x"]?.nested["block"]?["inner"] == "1")
        #expect(file.sections["services x"]?.values["after"] == "2")
    }

    @Test func endpointEnvironmentNamesFollowTheServiceID() {
        #expect(DirectConnectClient.service.endpointVariable == "AWS_ENDPOINT_URL_DIRECT_CONNECT")
        #expect(DirectConnectClient.service.configKey == "direct_connect")
        #expect(SecretsManagerClient.service.endpointVariable == "AWS_ENDPOINT_URL_SECRETS_MANAGER")
    }
}
