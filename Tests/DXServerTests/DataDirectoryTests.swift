import DXServer
import Foundation
import Logging
import Storage
import StorageTestSupport
import Testing

/// One server a data directory: the SQLite store holds its records in memory, so a second server must not write
/// the same database.
@Suite struct DataDirectoryTests {
    @Test func aSecondStoreOnTheSameDirectoryIsRefusedUntilTheFirstCloses() async throws {
        try await withTemporaryDirectory("dxlocal-lock") { directory in
            var configuration = DXServerConfiguration()
            configuration.storage = .directory(directory.path)
            let logger = Logger(label: "test")
            let first = try await DXServer.openStore(configuration, logger: logger)
            await #expect(throws: (any Error).self) { _ = try await DXServer.openStore(configuration, logger: logger) }
            try await first.close()
            let second = try await DXServer.openStore(configuration, logger: logger)
            try await second.close()
        }
    }
}
