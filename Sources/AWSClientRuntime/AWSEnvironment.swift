import Foundation

/// What configuration is resolved from: environment variables, the home directory and a way to read files.
/// Tests pass their own; ``process`` is the running process's.
public struct AWSEnvironment: Sendable {
    public var variables: [String: String]
    public var homeDirectory: String?
    public var readFile: @Sendable (String) -> String?

    public init(
        variables: [String: String],
        homeDirectory: String?,
        readFile: @escaping @Sendable (String) -> String? = AWSEnvironment.readFileFromDisk
    ) {
        self.variables = variables
        self.homeDirectory = homeDirectory
        self.readFile = readFile
    }

    /// The process's environment and home directory.
    public static var process: AWSEnvironment {
        let variables = ProcessInfo.processInfo.environment
        return AWSEnvironment(
            variables: variables,
            homeDirectory: variables["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
        )
    }

    @Sendable public static func readFileFromDisk(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// A variable's value, treating an empty value as unset (as the SDKs do).
    public subscript(_ name: String) -> String? {
        guard let value = variables[name], !value.isEmpty else { return nil }
        return value
    }

    /// Expands a leading `~` as the SDKs do for file paths.
    func expand(_ path: String) -> String {
        guard path.hasPrefix("~"), let homeDirectory else { return path }
        return homeDirectory + path.dropFirst()
    }

    /// The config file (`AWS_CONFIG_FILE`, else `~/.aws/config`); empty when absent.
    var configFile: AWSConfigFile {
        file(named: self["AWS_CONFIG_FILE"], default: ".aws/config")
    }

    /// The credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`); empty when absent.
    var credentialsFile: AWSConfigFile {
        file(named: self["AWS_SHARED_CREDENTIALS_FILE"], default: ".aws/credentials")
    }

    private func file(named configured: String?, default relative: String) -> AWSConfigFile {
        let path: String
        if let configured {
            path = expand(configured)
        } else if let homeDirectory {
            path = (homeDirectory as NSString).appendingPathComponent(relative)
        } else {
            return AWSConfigFile()
        }
        return readFile(path).map(AWSConfigFile.init(parsing:)) ?? AWSConfigFile()
    }
}
