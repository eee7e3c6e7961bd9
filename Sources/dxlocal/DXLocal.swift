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
}
