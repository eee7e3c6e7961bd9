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
        try DirectConnectClient(
            profile: profile,
            region: region,
            endpointURL: endpointURL,
            environment: io.environment,
            transport: io.transport
        )
    }
}

/// A command that makes one call and prints its result, with the AWS CLI's error report and exit status.
protocol ClientVerb: AsyncParsableCommand {
    var options: ClientOptions { get }
    /// The operation name, the table's title and the error report's subject.
    static var operation: String { get }
    func call(_ client: DirectConnectClient, io: CommandIO) async throws -> any AWSJSONValue
}

extension ClientVerb {
    func run() async throws {
        let io = CommandIO.current
        do {
            let result = try await call(try options.client(io: io), io: io)
            // An empty answer (TagResource's) prints nothing, as the AWS CLI prints nothing for it.
            guard AWSJSONWriter.bytes(result) != Array("{}".utf8) else { return }
            io.write(try options.output.render(result, title: Self.operation))
        } catch let error as AWSClientError {
            throw report(error, io: io)
        } catch let refusal as ParameterModel.Refusal {
            // As the AWS CLI prints botocore's report (exit 64, as every argument refused here).
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
            io.writeError("\n\(error.message)")
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
