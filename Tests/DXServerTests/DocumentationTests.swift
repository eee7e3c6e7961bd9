import DXDispatch
import DXServer
import DirectConnect
import DirectConnectModel
import EC2Model
import Foundation
import ServiceKit
import StorageSQLite
import StorageTestSupport
import Testing

/// The README's operation tables tell the truth about what is served.
@Suite struct DocumentationTests {
    static func readme() throws -> String {
        let readme = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        return try String(contentsOf: readme, encoding: .utf8)
    }

    @Test func readmeOperationTableMatchesTheServedOperations() async throws {
        let text = try Self.readme()
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

    /// The EC2 table lists exactly the actions served, each `implemented`.
    @Test func readmeEC2TableMatchesTheServedActions() async throws {
        var documented: [String: String] = [:]
        let lines = try Self.readme().split(separator: "\n", omittingEmptySubsequences: false)
        let header = try #require(lines.firstIndex(of: "| EC2 action | Status |"))
        for line in lines[header...].prefix(while: { $0.hasPrefix("| ") }) {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 2, EC2Operation(rawValue: cells[0]) != nil else { continue }
            documented[cells[0]] = cells[1]
        }
        let store = try await SQLiteStore.running(.memory)
        let sealer = try #require(SecretSealer(keyData: SecretSealer.generateKeyData()))
        let table = OperationTable.serving(store: store, sealer: sealer)
        let prefix = OperationTable.ec2Prefix + "."
        let served = Set(
            table.implementedTargets.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
        )
        #expect(served.count == 23)
        #expect(Set(documented.keys) == served)
        #expect(documented.values.allSatisfy { $0 == "implemented" })
        try await store.close()
    }
}
