import AWSClientRuntime
import AWSJSONProtocol
import ArgumentParser
import DXServer
import DirectConnectClient
import Foundation

/// `dxlocal router ...`: the simulated customer router of a MACsec port (SPEC 12), through the operator's interface
/// (`/_dxlocal/mka/customer/{id}`) of the server at the endpoint.
struct RouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "router",
        abstract: "Configure the simulated customer router at the far end of a MACsec port.",
        subcommands: [RouterSet.self, RouterShow.self, RouterClear.self]
    )
}

/// What the router commands share: the endpoint, the port, and printing the server's answer.
protocol RouterVerb: AsyncParsableCommand {
    var options: ClientOptions { get }
    var connectionId: String { get }
    static var method: String { get }
    static var title: String { get }
    func body(io: CommandIO) throws -> [UInt8]
}

extension RouterVerb {
    func body(io: CommandIO) throws -> [UInt8] { [] }

    func run() async throws {
        let io = CommandIO.current
        let payload = try body(io: io)
        let response: HTTPExchange.Response
        do throws(AWSClientError) {
            let client = try options.client(io: io)
            let path = "/_dxlocal/mka/customer/" + Self.escaped(connectionId)
            response = try await client.json.request(method: Self.method, path: path, body: payload)
        } catch {
            switch error.kind {
            case .service:
                io.writeError("\nAn error occurred (\(error.code)) when calling \(Self.title): \(error.message)")
                throw ExitCode(254)
            case .configuration, .transport, .invalidResponse:
                io.writeError(error.reportWithoutAnswer)
                throw ExitCode(255)
            }
        }
        // The server's bytes, laid out: never parsed into values and written again.
        io.write(try options.output.render(RawJSON(bytes: response.body), title: Self.title))
    }

    static func escaped(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~")))
            ?? id
    }
}

struct RouterSet: RouterVerb {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Give the customer router its keys (and optionally its key server priority and cipher suites).",
        discussion: """
            Keys come from --keys-file (a file, or - for standard input): one key a line, its CKN and CAK separated by \
            white space; blank lines and lines starting with # are skipped. Or give --ckn and --cak once per key, \
            each CAK as file://PATH or - (standard input). The CAKs are sealed at rest and never printed; the answer \
            shows the CKNs.
            """
    )
    static let method = "PUT"
    static let title = "SetCustomerRouter"

    @OptionGroup var options: ClientOptions
    @Option(help: "The dxcon- ID of the port (a dedicated connection or a LAG's member).") var connectionId: String
    @Option(help: "A file of 'CKN CAK' lines, or - for standard input.") var keysFile: String?
    @Option(help: "A CKN (with --cak), repeatable.") var ckn: [String] = []
    @Option(help: "The CAK of the --ckn at the same position: file://PATH, - for standard input, or the value.")
    var cak: [String] = []
    @Option(help: "0 to 255; the lowest becomes key server (default: 16).") var keyServerPriority: Int?
    @Option(help: "A cipher suite the router offers, repeatable (default: every suite the AWS device offers).")
    var cipherSuite: [String] = []
    @Flag(help: "Configure the router with no key at all (its peers expire after MKA's life time).") var noKeys = false

    func validate() throws {
        guard ckn.count == cak.count else { throw ValidationError("Give one --cak for each --ckn.") }
        let sources = [keysFile != nil, !ckn.isEmpty, noKeys].filter { $0 }.count
        guard sources == 1 else { throw ValidationError("Give exactly one of --keys-file, --ckn/--cak or --no-keys.") }
    }

    func body(io: CommandIO) throws -> [UInt8] {
        // The operator interface's own shapes (generated from scripts/operator.json), as the server reads them.
        var keys: [MKACustomerKey] = []
        if let keysFile {
            let text = try SecretArgument.resolve(
                keysFile == "-" ? "-" : "file://" + keysFile,
                name: "the keys",
                io: io
            )
            // `\r\n` is one Character, and a newline: files written on Windows read the same.
            for (number, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
                .enumerated()
            {
                let fields = line.split(whereSeparator: \.isWhitespace)
                if fields.isEmpty || fields[0].hasPrefix("#") { continue }
                guard fields.count == 2 else {
                    throw ValidationError("Line \(number + 1) of the keys must hold a CKN and a CAK")
                }
                keys.append(MKACustomerKey(ckn: String(fields[0]), cak: String(fields[1])))
            }
            // A router without keys takes a must_encrypt port down: only --no-keys asks for that.
            guard !keys.isEmpty else {
                throw ValidationError("The keys hold no 'CKN CAK' line; to configure no key at all, pass --no-keys.")
            }
        } else {
            for (ckn, cak) in zip(ckn, cak) {
                let value = try SecretArgument.resolve(cak, name: "the CAK of \(ckn)", io: io)
                keys.append(MKACustomerKey(ckn: ckn, cak: value))
            }
        }
        return AWSJSONWriter.bytes(
            MKACustomerConfiguration(
                keys: keys,
                keyServerPriority: keyServerPriority,
                cipherSuites: cipherSuite.isEmpty ? nil : cipherSuite
            )
        )
    }
}

struct RouterShow: RouterVerb {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the customer router's configuration (its CKNs, never its CAKs)."
    )
    static let method = "GET"
    static let title = "ShowCustomerRouter"

    @OptionGroup var options: ClientOptions
    @Option(help: "The dxcon- ID of the port.") var connectionId: String
}

struct RouterClear: RouterVerb {
    static let configuration = CommandConfiguration(
        commandName: "clear",
        abstract: "Remove the customer router's configuration: the port's customer is --customer-router's again."
    )
    static let method = "DELETE"
    static let title = "ClearCustomerRouter"

    @OptionGroup var options: ClientOptions
    @Option(help: "The dxcon- ID of the port.") var connectionId: String
}
