import AWSClientRuntime
import Foundation

/// Where client commands read and write, and what they resolve configuration from. Commands use
/// ``current``; tests bind their own to capture output and supply stdin, environment and transport.
struct CommandIO: Sendable {
    var write: @Sendable (String) -> Void
    var writeError: @Sendable (String) -> Void
    var readStandardInput: @Sendable () -> String
    var environment: AWSEnvironment
    var transport: any HTTPTransport

    @TaskLocal static var current = CommandIO(
        write: { text in FileHandle.standardOutput.write(Data((text + "\n").utf8)) },
        writeError: { text in FileHandle.standardError.write(Data((text + "\n").utf8)) },
        readStandardInput: {
            String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        },
        environment: .process,
        transport: AsyncHTTPClientTransport()
    )
}
