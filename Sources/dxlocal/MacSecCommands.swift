import AWSJSONProtocol
import ArgumentParser
import DirectConnectClient
import Foundation
import SystemPackage

/// `dxlocal macsec ...`: the MACsec tasks that take several calls.
struct MacSecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "macsec",
        abstract: "Generate MACsec keys and rotate them in one step.",
        subcommands: [GenerateKey.self, Rotate.self]
    )
}

struct GenerateKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-key",
        abstract: "Print a new CKN/CAK pair from a secure random source (64 hex characters each).",
        discussion: "With --cak-file the CAK goes to a new file readable by you only, and is not printed."
    )

    @Option(help: "Write the CAK to this new file (mode 0600) instead of printing it.") var cakFile: String?
    @Option(help: "json (default) or table.") var output: OutputFormat = .json

    struct Printed: AWSJSONValue {
        var ckn: String
        var cak: String?
        var cakFile: String?

        func writeJSON(to writer: inout AWSJSONWriter) {
            writer.beginObject()
            writer.member("\"ckn\":", ckn)
            writer.member("\"cak\":", cak)
            writer.member("\"cakFile\":", cakFile)
            writer.endObject()
        }
    }

    func run() async throws {
        let io = CommandIO.current
        let pair = MacSecKeyPair.generate()
        var printed = Printed(ckn: pair.ckn, cak: pair.cak)
        if let cakFile {
            try writeNewSecretFile(cakFile, pair.cak)
            printed = Printed(ckn: pair.ckn, cakFile: cakFile)
        }
        io.write(try output.render(printed, title: "GenerateKey"))
    }
}

/// Writes `secret` to a file that must not exist yet, created readable by its owner only: never over another file
/// (it may hold the only copy of a CAK in use), never readable by others for a moment.
func writeNewSecretFile(_ path: String, _ secret: String) throws {
    let file: FileDescriptor
    do {
        file = try FileDescriptor.open(
            FilePath(path),
            .writeOnly,
            options: [.create, .exclusiveCreate],
            permissions: [.ownerReadWrite]
        )
    } catch Errno.fileExists {
        throw ValidationError("\(path) exists already: give the CAK a new file")
    } catch {
        throw ValidationError("Cannot create \(path): \(error)")
    }
    do {
        _ = try file.closeAfter { try file.writeAll(Array(secret.utf8)) }
    } catch {
        throw ValidationError("Cannot write \(path): \(error)")
    }
}

struct Rotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Associate a new key, wait until it is associated, then disassociate the previous keys.",
        discussion: """
            Without --ckn/--cak or --secret-arn a new pair is generated, and its CAK written to the new file \
            --cak-file names (your router needs it; the managed secret cannot be read back). A full keychain or a \
            target that is not available is refused before anything changes; if a later step fails, the keychain \
            (and a must_encrypt mode) is put back as it was found. Progress goes to standard error, the report to \
            standard output.
            """
    )

    @OptionGroup var options: ClientOptions
    @Option(help: "The dxcon- or dxlag- ID.") var connectionId: String
    @Option(help: "The new CKN (with --cak).") var ckn: String?
    @Option(help: "The new CAK: 64 hex characters, file://PATH, or - for standard input.") var cak: String?
    @Option(help: "A managed secret to associate instead of a pair.") var secretArn: String?
    @Option(help: "With neither --ckn/--cak nor --secret-arn: the new file (mode 0600) the generated CAK goes to.")
    var cakFile: String?
    @Option(help: "Seconds to wait for the new key to be associated.") var timeout: Double = 600
    @Option(help: "Seconds between reads while waiting.") var pollInterval: Double = 5

    func validate() throws {
        if secretArn != nil, ckn != nil || cak != nil {
            throw ValidationError("Pass either --secret-arn or --ckn with --cak, not both.")
        }
        if (ckn == nil) != (cak == nil) {
            throw ValidationError("--ckn and --cak go together.")
        }
        if secretArn == nil, ckn == nil, cakFile == nil {
            throw ValidationError(
                "A generated CAK must reach your router: pass --cak-file PATH (or --ckn with --cak, or --secret-arn)."
            )
        }
        if cakFile != nil, secretArn != nil || ckn != nil {
            throw ValidationError("--cak-file is for a generated pair: not with --ckn/--cak or --secret-arn.")
        }
        guard timeout >= 0, timeout <= 86_400, pollInterval >= 0.001, pollInterval <= 3_600 else {
            throw ValidationError("--timeout must be 0 to 86400 seconds and --poll-interval 0.001 to 3600.")
        }
    }

    func run() async throws {
        let io = CommandIO.current
        let newKey: MacSecRotation.NewKey
        if let secretArn {
            newKey = .secretARN(secretArn)
        } else if let ckn, let cak {
            let cakValue = try SecretArgument.resolve(cak, name: "the CAK", io: io)
            do {
                newKey = .pair(try MacSecKeyPair(ckn: ckn, cak: cakValue))
            } catch {
                throw ValidationError(error.description)
            }
        } else {
            let pair = MacSecKeyPair.generate()
            // Written before anything changes on the service: a file that cannot be made stops the rotation.
            if let cakFile { try writeNewSecretFile(cakFile, pair.cak) }
            newKey = .pair(pair)
        }
        // A key that is in use nowhere leaves no file behind (the same command may then be run again).
        let removeUnusedKeyFile = {
            if let cakFile = self.cakFile { try? FileManager.default.removeItem(atPath: cakFile) }
        }
        let client: DirectConnectClient
        do throws(AWSClientError) {
            client = try options.client(io: io)
        } catch {
            removeUnusedKeyFile()
            io.writeError(error.reportWithoutAnswer)
            throw ExitCode(255)
        }
        let report: MacSecRotation.Report
        do throws(MacSecRotation.Failure) {
            report = try await client.rotateMacSecKey(
                connectionId: connectionId,
                to: newKey,
                options: MacSecRotation.Options(
                    timeout: .milliseconds(Int64(timeout * 1000)),
                    pollInterval: .milliseconds(Int64(pollInterval * 1000)),
                    progress: { io.writeError($0) }
                )
            )
        } catch {
            // Restored, the keychain holds no new key; otherwise the file may hold a key in use, and stays.
            if error.keychainRestored { removeUnusedKeyFile() }
            io.writeError("\nRotation of \(connectionId) failed (\(error.reason.rawValue)): \(error.description)")
            throw ExitCode(error.keychainRestored ? 1 : 2)
        }
        io.write(try options.output.render(report, title: "RotateMacSecKey"))
    }
}
