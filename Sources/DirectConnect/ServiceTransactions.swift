import AWSJSONProtocol
import Logging
import Storage

/// One store transaction for a service, with store failures turned into that service's server error.
struct ServiceTransactions: Sendable {
    let store: any Store
    let logger: Logger
    let serverError: AWSError

    func run<T: Sendable>(
        _ mode: TransactionMode,
        _ body: @escaping @Sendable (any StoreTransaction) async throws -> T
    ) async throws -> T {
        do {
            return try await store.transaction(mode, body)
        } catch let error as StoreError {
            logger.error("store failure", metadata: ["error": "\(error)"])
            throw serverError
        }
    }
}
