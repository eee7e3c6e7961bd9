// What the test targets share: a store whose write loop runs beside the test that holds it, and temporary
// directories that go when the test ends (TemporaryDirectory.swift).
import StorageSQLite

extension SQLiteStore {
    /// Opens a store and runs its write loop in a task of its own until the store is closed (the server's service
    /// group does this in dxlocal; a test holds the store across calls, so its loop cannot be scoped to one).
    package static func running(_ location: Location) async throws -> SQLiteStore {
        let store = try await open(location)
        Task { await store.run() }
        return store
    }
}
