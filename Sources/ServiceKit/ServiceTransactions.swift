import AWSJSONProtocol
import Storage

/// One store transaction for a service, with store failures turned into that service's server error; the
/// protocol middleware logs the failure under the request ID.
package struct ServiceTransactions: Sendable {
    let store: any Store
    let serverError: AWSError

    package init(store: any Store, serverError: AWSError) {
        self.store = store
        self.serverError = serverError
    }

    package func run<T: Sendable>(
        _ mode: TransactionMode,
        _ body: @escaping @Sendable (any StoreTransaction) async throws -> T
    ) async throws -> T {
        do {
            return try await store.transaction(mode, body)
        } catch let error as StoreError {
            throw ServerFault(reply: serverError, cause: "store failure: \(error)")
        }
    }
}
