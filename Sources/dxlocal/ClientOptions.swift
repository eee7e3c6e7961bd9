import AWSClientRuntime
import AWSJSONProtocol
import ArgumentParser
import DirectConnectClient
import Foundation

/// The global options of the AWS CLI that client commands take too.
struct ClientOptions: ParsableArguments {
    @Option(help: "The endpoint to call, e.g. http://127.0.0.1:4587 (else AWS_ENDPOINT_URL..., else AWS).")
    var endpointURL: String?

    @Option(help: "The region (else AWS_REGION, AWS_DEFAULT_REGION, the profile's region).")
    var region: String?

    @Option(help: "A profile of ~/.aws/config and ~/.aws/credentials (else AWS_PROFILE, else default).")
    var profile: String?

    @Option(help: "json (default) or table.")
    var output: OutputFormat = .json

    func client(io: CommandIO) throws(AWSClientError) -> DirectConnectClient {
        try checkEndpointURL()
        return try DirectConnectClient(
            profile: profile,
            region: region,
            endpointURL: endpointURL,
            environment: io.environment,
            transport: io.transport
        )
    }
}

extension ClientOptions {
    /// The AWS CLI's check of `--endpoint-url` as it reads its global options, before anything of the command: a
    /// URL without a scheme (Python's `urlparse`: `127.0.0.1:4566` has none, `localhost:4566` has one, which botocore
    /// then refuses as an invalid endpoint).
    func checkEndpointURL() throws(AWSClientError) {
        guard let endpointURL, try PythonURL(endpointURL).scheme.isEmpty else { return }
        throw .configuration(
            "Bad value for --endpoint-url \"\(endpointURL)\": scheme is missing.  Must be of the form "
                + "http://<hostname>/ or https://<hostname>/"
        )
    }
}

/// The client a verb calls through, made before the verb reads its input; what making it refused is reported where
/// the AWS CLI reports it: a setting (the profile, the region, partial credentials, attempts) once the arguments'
/// JSON is read and before the input is checked (`VerbInput.decode`), no credentials at all only when the call is
/// made (botocore looks for them when it signs), so a bad input is reported first.
struct VerbClient {
    private let made: Result<DirectConnectClient, AWSClientError>

    init(_ options: ClientOptions, io: CommandIO) {
        made = Result { () throws(AWSClientError) in try options.client(io: io) }
    }

    /// Throws what making the client refused, unless it found no credentials.
    func checkSettings() throws(AWSClientError) {
        if case .failure(let error) = made, error != .noCredentials { throw error }
    }

    /// The client, for the call.
    func get() throws(AWSClientError) -> DirectConnectClient {
        try made.get()
    }
}

extension AWSClientError {
    /// The failure as the AWS CLI prints it when no call was answered: on a line of its own after a blank one, and
    /// missing credentials or region with the AWS CLI's advice (on the first line).
    var reportWithoutAnswer: String {
        switch self {
        case .noCredentials: "\(message). You can configure credentials by running \"aws configure\"."
        case .noRegion: "\(message) You can also configure your region by running \"aws configure\"."
        default: "\n\(message)"
        }
    }
}

/// A command that makes one call and prints its result, with the AWS CLI's error report and exit status.
protocol ClientVerb: AsyncParsableCommand {
    var options: ClientOptions { get }
    /// The operation name, the table's title and the error report's subject.
    static var operation: String { get }
    func call(_ client: VerbClient, io: CommandIO) async throws -> any AWSJSONValue
}

extension ClientVerb {
    func run() async throws {
        let io = CommandIO.current
        do {
            try options.checkEndpointURL()
            let result = try await call(VerbClient(options, io: io), io: io)
            // An empty answer (TagResource's) prints nothing, as the AWS CLI prints nothing for it.
            guard AWSJSONWriter.bytes(result) != Array("{}".utf8) else { return }
            io.write(try options.output.render(result, title: Self.operation))
        } catch let error as AWSClientError {
            throw report(error, io: io)
        } catch let refusal as ParameterModel.Refusal {
            // As the AWS CLI prints botocore's report (exit 64, as every argument refused here).
            io.writeError("\n\(refusal)")
            throw ExitCode.validationFailure
        } catch let refusal as VerbInput.ParamError {
            io.writeError("\n\(refusal)")
            throw ExitCode.validationFailure
        }
    }

    /// Prints the failure as the AWS CLI does and gives its exit status: 254 for a service error, 255 otherwise.
    func report(_ error: AWSClientError, io: CommandIO) -> ExitCode {
        switch error.kind {
        case .service:
            let retries = error.retriesExhausted.map { " (reached max retries: \($0))" } ?? ""
            io.writeError(
                "\nAn error occurred (\(error.code)) when calling the \(Self.operation) operation\(retries): "
                    + error.message
            )
            return ExitCode(254)
        case .configuration, .transport, .invalidResponse:
            io.writeError(error.reportWithoutAnswer)
            return ExitCode(255)
        }
    }
}

/// Reads a secret argument without it passing through the shell's history: `file://PATH` reads a file and `-`
/// reads standard input (both trimmed of surrounding whitespace); anything else is the value itself. (A verb's
/// structure given as `file://PATH` is read through it too.)
enum SecretArgument {
    static func resolve(_ argument: String, name: String, io: CommandIO) throws -> String {
        if argument == "-" {
            return io.readStandardInput().trimmingWhitespaceAndNewlines()
        }
        if argument.hasPrefix("file://") {
            let path = String(argument.dropFirst("file://".count))
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("Cannot read \(name) from \(path)")
            }
            return String(decoding: data, as: UTF8.self).trimmingWhitespaceAndNewlines()
        }
        return argument
    }
}

extension String {
    func trimmingWhitespaceAndNewlines() -> String {
        trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
