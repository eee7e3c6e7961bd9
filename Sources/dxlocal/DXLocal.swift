import ArgumentParser
import DXServer

/// The `dxlocal` command: thin wrappers over the server and the client.
@main
struct DXLocal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dxlocal",
        abstract: "AWS Direct Connect (MACsec) and the Secrets Manager it needs, as a local service.",
        version: DXServer.version,
        subcommands: [
            Serve.self, RotateMasterKey.self, DirectConnectCommand.self, MacSecCommand.self, RouterCommand.self,
        ]
    )

    /// ArgumentParser's `main`, except that an argument refused while a command runs (a CAK file that exists, a
    /// required list left out) prints its message alone, where ArgumentParser would add the root command's usage,
    /// which says nothing about it (our choice). What parsing refuses keeps its usage.
    static func main() async {
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var command = command
                try command.run()
            }
        } catch let error as ValidationError {
            CommandIO.current.writeError("Error: \(error.message)")
            exit(withError: ExitCode.validationFailure)
        } catch {
            exit(withError: error)
        }
    }
}
