import AWSJSONProtocol
import DirectConnectModel
import Foundation
import SecretsManager
import ServiceKit
import Storage

/// The Direct Connect rules of SPEC.md over a store: each operation validates, then changes the store in one
/// transaction, so a failed check leaves nothing behind.
package struct DirectConnectService: Sendable {
    package let store: any Store
    package let clock: any ServiceClock
    /// How long transitions (requested/pending -> available, associating -> associated, ...) take, by kind.
    package let settleTimes: SettleTimes
    /// The secrets Direct Connect manages (its MACsec keys), through Secrets Manager's narrow interface.
    package let secrets: ManagedSecrets
    package let catalogue: LocationCatalogue
    let transactions: ServiceTransactions
    /// Seals and opens what the service keeps secret outside Secrets Manager (BGP auth keys).
    let sealer: SecretSealer
    /// Opaque page tokens under the same key ring as the secrets.
    let pages: PageToken
    /// `--ec2 external` (SPEC 9): the VPN and transit gateways named by Direct Connect calls live in another
    /// emulator, so any well-formed ID is taken, unchecked.
    package let ec2External: Bool
    /// SPEC 12: the customer router of unconfigured ports and the MKA clock's scale.
    package let mka: MKASettings
    /// The links this instance replayed, kept to continue from (`MKAReplays`).
    let replays = MKAReplays()

    package init(
        store: any Store,
        clock: any ServiceClock = SystemClock(),
        settleTimes: SettleTimes = SettleTimes(),
        sealer: SecretSealer,
        catalogue: LocationCatalogue = .builtIn,
        ec2External: Bool = false,
        mka: MKASettings = MKASettings()
    ) {
        self.ec2External = ec2External
        self.mka = mka
        self.store = store
        self.clock = clock
        self.settleTimes = settleTimes
        self.secrets = ManagedSecrets(owner: "directconnect", sealer: sealer)
        self.pages = PageToken(sealer: sealer)
        self.sealer = sealer
        self.catalogue = catalogue
        self.transactions = ServiceTransactions(store: store, serverError: Self.serverError)
    }

    /// The answer to every fault of the server (SPEC 1): a store failure or anything unexpected.
    package static let serverError = AWSError.server("An internal error occurred; the request was not applied")

    /// Runs `body` in one store transaction, turning store failures into the service's server error.
    func transaction<T: Sendable>(
        _ mode: TransactionMode,
        _ body: @escaping @Sendable (any StoreTransaction) async throws -> T
    ) async throws -> T {
        try await transactions.run(mode, body)
    }

    /// Fails with the service's client error when a required member is unset.
    static func requireMembers(_ shape: some AWSShape) throws {
        if let missing = shape.missingRequiredMembers.first {
            throw AWSError.client("Missing required parameter \(missing)")
        }
    }

    /// A required string member, present and not empty.
    static func required(_ value: String?, _ member: String) throws -> String {
        guard let value, !value.isEmpty else {
            throw AWSError.client("Missing required parameter \(member): it must not be empty")
        }
        return value
    }

    /// A member given and not empty, or `nil` (filters that an empty string leaves unset).
    static func given(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// The instant a transition of `kind` begun now completes. Without a settle time it has always completed, so a
    /// reader whose clock lags the writer's (another request, another instance) never sees a transitional state.
    func settled(from now: Date, _ kind: SettleTimes.Kind) -> Date {
        let seconds = settleTimes.seconds(kind)
        return seconds > 0 ? now.addingTimeInterval(seconds) : .distantPast
    }
}
