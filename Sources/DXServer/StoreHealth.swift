import Hummingbird
import Storage

/// What `GET /_dxlocal/health` says of the store (SPEC 11): its backend, and whether it answers a read.
package struct StoreHealth: Sendable {
    package enum Backend: String, Sendable {
        case sqlite
        case postgres
    }

    package let store: any Store
    package let backend: Backend

    package init(store: any Store, backend: Backend) {
        self.store = store
        self.backend = backend
    }

    /// Whether the store answers a read (the PostgreSQL store asks its database; the SQLite store its tables).
    func isAvailable() async -> Bool {
        do {
            _ = try await store.transaction(.read) { transaction in
                try await transaction.record(ConnectionRecord.self, id: "dxcon-health", in: Self.probeScope)
            }
            return true
        } catch {
            return false
        }
    }

    /// A scope no caller has (no region is called that).
    static let probeScope = Scope(account: "000000000000", region: "dxlocal-health")

    /// The status and body of the health check; a router made without a store (some tests) reports no store.
    static func report(_ health: StoreHealth?) async -> (status: HTTPResponse.Status, body: String) {
        let version = #""version":"\#(DXServer.version)""#
        guard let health else { return (.ok, #"{"status":"ok",\#(version)}"#) }
        let available = await health.isAvailable()
        let status = available ? "ok" : "unavailable"
        return (
            available ? .ok : .serviceUnavailable,
            #"{"status":"\#(status)",\#(version),"store":{"backend":"\#(health.backend.rawValue)","status":"\#(status)"}}"#
        )
    }
}
