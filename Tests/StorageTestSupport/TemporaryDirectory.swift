import Foundation

/// Runs `body` with a new directory under the system's temporary directory (`prefix-UUID`), and removes it with
/// what it holds afterwards, also when `body` throws, so that a test run leaves no databases or key rings behind.
package func withTemporaryDirectory<Result>(
    _ prefix: String,
    _ body: (URL) async throws -> Result
) async throws -> Result {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory)
}

/// `withTemporaryDirectory` for a store: `body` gets the path of a database file, `db`, in a directory of its own.
package func withTemporaryDatabase<Result>(_ body: (String) async throws -> Result) async throws -> Result {
    try await withTemporaryDirectory("dxlocal-store") { try await body($0.appendingPathComponent("db").path) }
}
