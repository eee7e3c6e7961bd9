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

    func call(_ client: VerbClient, io: CommandIO) async throws -> any AWSJSONValue {
        var input = VerbInput()
        input.string("connectionId", connectionId)
        input.string("secretARN", secretArn)
        input.string("ckn", ckn)
        input.string("cak", try cak.map { try SecretArgument.resolve($0, name: "the CAK", io: io) })
        let request = try input.decode(AssociateMacSecKeyRequest.self, operation: Self.operation, client: client)
        return try await client.get().associateMacSecKey(request)
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

    func call(_ client: VerbClient, io: CommandIO) async throws -> any AWSJSONValue {
        var input = VerbInput()
        input.string("connectionId", connectionId)
        input.string("secretARN", secretArn)
        let request = try input.decode(DisassociateMacSecKeyRequest.self, operation: Self.operation, client: client)
        return try await client.get().disassociateMacSecKey(request)
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
    @Option(parsing: .unconditional) var maxResults: Int?
    @Option var nextToken: String?

    func call(_ client: VerbClient, io: CommandIO) async throws -> any AWSJSONValue {
        var input = VerbInput()
        input.string("connectionId", connectionId)
        input.int("maxResults", maxResults)
        input.string("nextToken", nextToken)
        let request = try input.decode(DescribeConnectionsRequest.self, operation: Self.operation, client: client)
        return try await client.get().describeConnections(request)
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
    @Option(parsing: .unconditional) var maxResults: Int?
    @Option var nextToken: String?

    func call(_ client: VerbClient, io: CommandIO) async throws -> any AWSJSONValue {
        var input = VerbInput()
        input.string("lagId", lagId)
        input.int("maxResults", maxResults)
        input.string("nextToken", nextToken)
        let request = try input.decode(DescribeLagsRequest.self, operation: Self.operation, client: client)
        return try await client.get().describeLags(request)
    }
}

struct DescribeLocations: ClientVerb {
    static let configuration = CommandConfiguration(
        commandName: "describe-locations",
        abstract: "List the locations of the region, with their port and MACsec speeds."
    )
    static let operation = "DescribeLocations"

    @OptionGroup var options: ClientOptions

    func call(_ client: VerbClient, io: CommandIO) async throws -> any AWSJSONValue {
        try await client.get().describeLocations()
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

    func call(_ client: VerbClient, io: CommandIO) async throws -> any AWSJSONValue {
        var input = VerbInput()
        input.string("location", location)
        input.string("bandwidth", bandwidth)
        input.string("connectionName", connectionName)
        input.string("lagId", lagId)
        try input.structures("tags", tags, option: "--tags")
        input.string("providerName", providerName)
        input.bool("requestMACSec", requestMacSec)
        let request = try input.decode(CreateConnectionRequest.self, operation: Self.operation, client: client)
        return try await client.get().createConnection(request)
    }
}

struct CreateLag: ClientVerb {
    static let configuration = CommandConfiguration(commandName: "create-lag", abstract: "Create a LAG.")
    static let operation = "CreateLag"

    @OptionGroup var options: ClientOptions
    @Option(parsing: .unconditional) var numberOfConnections: Int
    @Option var location: String
    @Option var connectionsBandwidth: String
    @Option var lagName: String
    @Option(help: "An existing connection to move into the LAG.") var connectionId: String?
    @Option(parsing: .upToNextOption, help: "key=K,value=V ... or a JSON list.") var tags: [String] = []
    @Option(parsing: .upToNextOption, help: "Tags of the new member connections.") var childConnectionTags: [String] =
        []
    @Option var providerName: String?
    @Flag(inversion: .prefixedNo, help: "Ask for MACsec-capable ports.") var requestMacSec: Bool?

    func call(_ client: VerbClient, io: CommandIO) async throws -> any AWSJSONValue {
        var input = VerbInput()
        input.int("numberOfConnections", numberOfConnections)
        input.string("location", location)
        input.string("connectionsBandwidth", connectionsBandwidth)
        input.string("lagName", lagName)
        input.string("connectionId", connectionId)
        try input.structures("tags", tags, option: "--tags")
        try input.structures("childConnectionTags", childConnectionTags, option: "--child-connection-tags")
        input.string("providerName", providerName)
        input.bool("requestMACSec", requestMacSec)
        let request = try input.decode(CreateLagRequest.self, operation: Self.operation, client: client)
        return try await client.get().createLag(request)
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

    func call(_ client: VerbClient, io: CommandIO) async throws -> any AWSJSONValue {
        var input = VerbInput()
        input.string("connectionId", connectionId)
        input.string("connectionName", connectionName)
        input.string("encryptionMode", encryptionMode)
        let request = try input.decode(UpdateConnectionRequest.self, operation: Self.operation, client: client)
        return try await client.get().updateConnection(request)
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
    @Option(parsing: .unconditional) var minimumLinks: Int?
    @Option(help: "no_encrypt, should_encrypt or must_encrypt.") var encryptionMode: String?

    func call(_ client: VerbClient, io: CommandIO) async throws -> any AWSJSONValue {
        var input = VerbInput()
        input.string("lagId", lagId)
        input.string("lagName", lagName)
        input.int("minimumLinks", minimumLinks)
        input.string("encryptionMode", encryptionMode)
        let request = try input.decode(UpdateLagRequest.self, operation: Self.operation, client: client)
        return try await client.get().updateLag(request)
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

    func call(_ client: VerbClient, io: CommandIO) async throws -> any AWSJSONValue {
        var input = VerbInput()
        input.string("connectionId", connectionId)
        let request = try input.decode(DeleteConnectionRequest.self, operation: Self.operation, client: client)
        return try await client.get().deleteConnection(request)
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

    func call(_ client: VerbClient, io: CommandIO) async throws -> any AWSJSONValue {
        var input = VerbInput()
        input.string("lagId", lagId)
        let request = try input.decode(DeleteLagRequest.self, operation: Self.operation, client: client)
        return try await client.get().deleteLag(request)
    }
}
