import AWSJSONProtocol
import ArgumentParser
import DirectConnectClient
import DirectConnectModel
import Foundation

/// `dxlocal directconnect VERB`: the AWS CLI's verbs and option names for every Direct Connect operation; those of
/// MACsec work written by hand, the others generated from the model (`Generated/DirectConnectVerbs.swift`).
struct DirectConnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "directconnect",
        abstract: "Call Direct Connect (dxlocal or AWS) as `aws directconnect` does.",
        subcommands: [
            AssociateMacSecKey.self, DisassociateMacSecKey.self, DescribeConnections.self, DescribeLags.self,
            DescribeLocations.self, CreateConnection.self, CreateLag.self, UpdateConnection.self, UpdateLag.self,
            DeleteConnection.self, DeleteLag.self,
        ] + GeneratedDirectConnectVerbs.all
    )
}

/// `--tags` as the AWS CLI takes it: shorthand items `key=K,value=V` or one JSON list.
enum TagArgument {
    static func parse(_ items: [String]) throws -> [Tag]? {
        guard !items.isEmpty else { return nil }
        if items.count == 1, items[0].hasPrefix("[") {
            struct WireTag: Decodable {
                var key: String?
                var value: String?
            }
            guard let tags = try? JSONDecoder().decode([WireTag].self, from: Data(items[0].utf8)) else {
                throw ValidationError("--tags: not a JSON list of {\"key\": ..., \"value\": ...}")
            }
            return tags.map { Tag(key: $0.key, value: $0.value) }
        }
        return try items.map { item in
            var tag = Tag()
            for field in item.split(separator: ",") {
                let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw ValidationError("--tags: expected key=K,value=V, got \(item)") }
                switch parts[0] {
                case "key": tag.key = String(parts[1])
                case "value": tag.value = String(parts[1])
                default: throw ValidationError("--tags: unknown field \(parts[0]) in \(item)")
                }
            }
            return tag
        }
    }
}

struct AssociateMacSecKey: ClientVerb {
    static let configuration = CommandConfiguration(
        commandName: "associate-mac-sec-key",
        abstract: "Associate a CKN/CAK pair, or a managed secret, with a connection or LAG.",
        discussion: "Pass the CAK as file://PATH or - (standard input) to keep it out of shell history."
    )
    static let operation = "AssociateMacSecKey"

    @OptionGroup var options: ClientOptions
    @Option(help: "The dxcon- or dxlag- ID.") var connectionId: String
    @Option(help: "A managed secret's ARN (instead of --ckn/--cak).") var secretArn: String?
    @Option(help: "The CKN: 64 hexadecimal characters.") var ckn: String?
    @Option(help: "The CAK: 64 hexadecimal characters, file://PATH, or - for standard input.") var cak: String?

    func call(_ client: DirectConnectClient, io: CommandIO) async throws -> any AWSJSONValue {
        let cakValue = try cak.map { try SecretArgument.resolve($0, name: "the CAK", io: io) }
        return try await client.associateMacSecKey(
            .init(connectionId: connectionId, secretARN: secretArn, ckn: ckn, cak: cakValue)
        )
    }
}

struct DisassociateMacSecKey: ClientVerb {
    static let configuration = CommandConfiguration(
        commandName: "disassociate-mac-sec-key",
        abstract: "Remove a key (named by its secret ARN) from a connection or LAG."
    )
    static let operation = "DisassociateMacSecKey"

    @OptionGroup var options: ClientOptions
    @Option var connectionId: String
    @Option var secretArn: String

    func call(_ client: DirectConnectClient, io: CommandIO) async throws -> any AWSJSONValue {
        try await client.disassociateMacSecKey(.init(connectionId: connectionId, secretARN: secretArn))
    }
}

struct DescribeConnections: ClientVerb {
    static let configuration = CommandConfiguration(
        commandName: "describe-connections",
        abstract: "Describe one connection, or all of them."
    )
    static let operation = "DescribeConnections"

    @OptionGroup var options: ClientOptions
    @Option var connectionId: String?
    @Option var maxResults: Int?
    @Option var nextToken: String?

    func call(_ client: DirectConnectClient, io: CommandIO) async throws -> any AWSJSONValue {
        try await client.describeConnections(
            .init(connectionId: connectionId, maxResults: maxResults, nextToken: nextToken)
        )
    }
}

struct DescribeLags: ClientVerb {
    static let configuration = CommandConfiguration(
        commandName: "describe-lags",
        abstract: "Describe one LAG, or all of them."
    )
    static let operation = "DescribeLags"

    @OptionGroup var options: ClientOptions
    @Option var lagId: String?
    @Option var maxResults: Int?
    @Option var nextToken: String?

    func call(_ client: DirectConnectClient, io: CommandIO) async throws -> any AWSJSONValue {
        try await client.describeLags(.init(lagId: lagId, maxResults: maxResults, nextToken: nextToken))
    }
}

struct DescribeLocations: ClientVerb {
    static let configuration = CommandConfiguration(
        commandName: "describe-locations",
        abstract: "List the locations of the region, with their port and MACsec speeds."
    )
    static let operation = "DescribeLocations"

    @OptionGroup var options: ClientOptions

    func call(_ client: DirectConnectClient, io: CommandIO) async throws -> any AWSJSONValue {
        try await client.describeLocations()
    }
}

struct CreateConnection: ClientVerb {
    static let configuration = CommandConfiguration(
        commandName: "create-connection",
        abstract: "Create a dedicated connection."
    )
    static let operation = "CreateConnection"

    @OptionGroup var options: ClientOptions
    @Option var location: String
    @Option var bandwidth: String
    @Option var connectionName: String
    @Option var lagId: String?
    @Option(parsing: .upToNextOption, help: "key=K,value=V ... or a JSON list.") var tags: [String] = []
    @Option var providerName: String?
    @Flag(inversion: .prefixedNo, help: "Ask for a MACsec-capable port.") var requestMacSec: Bool?

    func call(_ client: DirectConnectClient, io: CommandIO) async throws -> any AWSJSONValue {
        try await client.createConnection(
            .init(
                location: location,
                bandwidth: bandwidth,
                connectionName: connectionName,
                lagId: lagId,
                tags: try TagArgument.parse(tags),
                providerName: providerName,
                requestMACSec: requestMacSec
            )
        )
    }
}

struct CreateLag: ClientVerb {
    static let configuration = CommandConfiguration(commandName: "create-lag", abstract: "Create a LAG.")
    static let operation = "CreateLag"

    @OptionGroup var options: ClientOptions
    @Option var numberOfConnections: Int
    @Option var location: String
    @Option var connectionsBandwidth: String
    @Option var lagName: String
    @Option(help: "An existing connection to move into the LAG.") var connectionId: String?
    @Option(parsing: .upToNextOption, help: "key=K,value=V ... or a JSON list.") var tags: [String] = []
    @Option(parsing: .upToNextOption, help: "Tags of the new member connections.") var childConnectionTags: [String] =
        []
    @Option var providerName: String?
    @Flag(inversion: .prefixedNo, help: "Ask for MACsec-capable ports.") var requestMacSec: Bool?

    func call(_ client: DirectConnectClient, io: CommandIO) async throws -> any AWSJSONValue {
        try await client.createLag(
            .init(
                numberOfConnections: numberOfConnections,
                location: location,
                connectionsBandwidth: connectionsBandwidth,
                lagName: lagName,
                connectionId: connectionId,
                tags: try TagArgument.parse(tags),
                childConnectionTags: try TagArgument.parse(childConnectionTags),
                providerName: providerName,
                requestMACSec: requestMacSec
            )
        )
    }
}

struct UpdateConnection: ClientVerb {
    static let configuration = CommandConfiguration(
        commandName: "update-connection",
        abstract: "Rename a connection or change its encryption mode."
    )
    static let operation = "UpdateConnection"

    @OptionGroup var options: ClientOptions
    @Option var connectionId: String
    @Option var connectionName: String?
    @Option(help: "no_encrypt, should_encrypt or must_encrypt.") var encryptionMode: String?

    func call(_ client: DirectConnectClient, io: CommandIO) async throws -> any AWSJSONValue {
        try await client.updateConnection(
            .init(connectionId: connectionId, connectionName: connectionName, encryptionMode: encryptionMode)
        )
    }
}

struct UpdateLag: ClientVerb {
    static let configuration = CommandConfiguration(
        commandName: "update-lag",
        abstract: "Rename a LAG, set its minimum links or change its encryption mode."
    )
    static let operation = "UpdateLag"

    @OptionGroup var options: ClientOptions
    @Option var lagId: String
    @Option var lagName: String?
    @Option var minimumLinks: Int?
    @Option(help: "no_encrypt, should_encrypt or must_encrypt.") var encryptionMode: String?

    func call(_ client: DirectConnectClient, io: CommandIO) async throws -> any AWSJSONValue {
        try await client.updateLag(
            .init(lagId: lagId, lagName: lagName, minimumLinks: minimumLinks, encryptionMode: encryptionMode)
        )
    }
}

struct DeleteConnection: ClientVerb {
    static let configuration = CommandConfiguration(
        commandName: "delete-connection",
        abstract: "Delete a connection (its keys go; their secrets stay)."
    )
    static let operation = "DeleteConnection"

    @OptionGroup var options: ClientOptions
    @Option var connectionId: String

    func call(_ client: DirectConnectClient, io: CommandIO) async throws -> any AWSJSONValue {
        try await client.deleteConnection(.init(connectionId: connectionId))
    }
}

struct DeleteLag: ClientVerb {
    static let configuration = CommandConfiguration(
        commandName: "delete-lag",
        abstract: "Delete a LAG and its member connections."
    )
    static let operation = "DeleteLag"

    @OptionGroup var options: ClientOptions
    @Option var lagId: String

    func call(_ client: DirectConnectClient, io: CommandIO) async throws -> any AWSJSONValue {
        try await client.deleteLag(.init(lagId: lagId))
    }
}
