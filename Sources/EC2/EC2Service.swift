import AWSJSONProtocol
import AWSQueryProtocol
import EC2Model
import Foundation
import ServiceKit
import Storage

/// The EC2 slice of SPEC 9 over a store: VPCs, virtual private gateways and their attachments, transit gateways and
/// the attachments Direct Connect makes to them. Each operation validates, then changes the store in one
/// transaction; EC2's own error codes (`InvalidVpcID.NotFound`, `InvalidParameterValue`, ...).
package struct EC2Service: Sendable {
    package let store: any Store
    package let clock: any ServiceClock
    let transactions: ServiceTransactions
    let pages: PageToken

    package init(store: any Store, clock: any ServiceClock = SystemClock(), sealer: SecretSealer) {
        self.store = store
        self.clock = clock
        self.transactions = ServiceTransactions(store: store, serverError: Self.serverError)
        self.pages = PageToken(sealer: sealer)
    }

    /// EC2's answer to a fault of the server.
    package static let serverError = AWSError(
        code: "InternalError",
        message: "An internal error has occurred; the request was not applied",
        status: 500
    )

    func transaction<T: Sendable>(
        _ mode: TransactionMode,
        _ body: @escaping @Sendable (any StoreTransaction) async throws -> T
    ) async throws -> T {
        try await transactions.run(mode, body)
    }

    /// EC2's refusal of a request that lacks a required parameter.
    static func missingParameter(_ name: String) -> AWSError {
        AWSError(code: "MissingParameter", message: "The request must contain the parameter \(name)", status: 400)
    }

    /// Fails with EC2's `MissingParameter` when a required member is unset.
    static func requireMembers(_ shape: some AWSQueryShape) throws {
        if let missing = shape.missingRequiredMembers.first { throw missingParameter(missing) }
    }

    /// The ID of `kind` a request names as `id`, once every required member is there (`MissingParameter`) and the ID
    /// is well formed (`<Stem>.Malformed`). A request naming two IDs calls it for each, in the order they are checked.
    static func namedID(_ input: some AWSQueryShape, _ id: String?, of kind: EC2ResourceName) throws -> String {
        try requireMembers(input)
        let id = id ?? ""
        try kind.requireWellFormed([id])
        return id
    }

    /// `DryRun=true`: the checks passed, and nothing is done (EC2's `DryRunOperation`, HTTP 412).
    static func stopIfDryRun(_ dryRun: Bool?) throws {
        guard dryRun == true else { return }
        throw AWSError(
            code: "DryRunOperation",
            message: "Request would have succeeded, but DryRun flag is set.",
            status: 412
        )
    }
}
