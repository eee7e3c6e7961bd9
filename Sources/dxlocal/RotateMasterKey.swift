import ArgumentParser
import DXServer
import Foundation
import Logging

/// `dxlocal rotate-master-key`: re-seals every secret value under a new master key while servers keep serving.
struct RotateMasterKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-encrypt every stored secret value under a new master key, without downtime for readers.",
        discussion: """
            With the generated key ring (<data-dir>/master.key) a new key is generated and published first, so \
            running servers seal with it and can open what is re-sealed; once nothing is left under an old key, \
            the old keys are removed from the ring.
            With DXLOCAL_MASTER_KEY ("new,old" in base64) every value is re-sealed under the first key; restart \
            servers with the same variable beforehand, and drop the old key from it afterwards.
            """
    )

    @Option(help: "The data directory of the store. [env: DXLOCAL_DATA_DIR] (default: ./dxlocal-data)")
    var dataDir: String?

    @Option(
        help:
            "A PostgreSQL URL: rotate the shared store's secrets (needs DXLOCAL_MASTER_KEY=new,old). [env: DXLOCAL_DATABASE]"
    )
    var database: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let directory = dataDir ?? environment["DXLOCAL_DATA_DIR"] ?? "dxlocal-data"
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "dxlocal.rotate")
        let report = try await MasterKeyRotationCommand.run(
            directory: directory,
            database: database ?? environment["DXLOCAL_DATABASE"],
            configuredKeys: environment["DXLOCAL_MASTER_KEY"],
            logger: logger
        )
        print(report)
    }
}
