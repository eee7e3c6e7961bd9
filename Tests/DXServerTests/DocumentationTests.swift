import DXDispatch
import DXServer
import DirectConnect
import DirectConnectModel
import Foundation
import ServiceKit
import StorageSQLite
import StorageTestSupport
import Testing

/// The README's operation table tells the truth about what is served.
@Suite struct DocumentationTests {
    @Test func readmeOperationTableMatchesTheServedOperations() async throws {
        let readme = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        var documented: [String: Bool] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 2, DirectConnectOperation(rawValue: cells[0]) != nil else { continue }
            documented[cells[0]] = cells[1] == "implemented"
        }
        #expect(documented.count == DirectConnectOperation.allCases.count)

        let store = try await SQLiteStore.running(.memory)
        let sealer = try #require(SecretSealer(keyData: SecretSealer.generateKeyData()))
        let table = OperationTable.serving(store: store, sealer: sealer)
        let served = Set(
            table.implementedTargets.filter { $0.hasPrefix(DirectConnectMetadata.targetPrefix + ".") }
                .map { String($0.dropFirst(DirectConnectMetadata.targetPrefix.count + 1)) }
        )
        for operation in DirectConnectOperation.allCases {
            #expect(documented[operation.rawValue] == served.contains(operation.rawValue), "\(operation.rawValue)")
        }
        try await store.close()
    }
}
