import AWSJSONProtocol
import DirectConnect
import DirectConnectModel
import Foundation
import SecretsManager
import ServiceKit
import Storage
import Testing

/// The wire shape, not Swift Testing's `Tag`: these tests use no test tags.
typealias Tag = DirectConnectModel.Tag

/// A service over a fresh reference store (`InMemoryStore`), a clock that moves only when told to, and the helpers the
/// suites share. The rules are tested here without a database; the storage contract suite and the conformance suites
/// hold the real backends to the same behaviour.
///
/// Every test runs its body through `Fixture.run`, which closes the store afterwards.
struct Fixture: Sendable {
    static let account = "111122223333"
    static let scope = Scope(account: account, region: "us-east-1")
    static let otherAccount = Scope(account: "444455556666", region: "us-east-1")
    static let otherRegion = Scope(account: account, region: "us-west-1")
    /// 2027-01-15T08:00:00Z, the clock's start.
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    let store: InMemoryStore
    let clock: ManualClock
    let service: DirectConnectService
    let secretsManager: SecretsManagerService
    let sealer: SecretSealer
    var scope: Scope { Self.scope }

    static func run(
        settleTime: TimeInterval = 0,
        mka: MKASettings = MKASettings(),
        _ body: (Fixture) async throws -> Void
    ) async throws {
        let store = InMemoryStore()
        let clock = ManualClock(start)
        let sealer = try #require(SecretSealer(keyData: Data(repeating: 7, count: 32)))
        let fixture = Fixture(
            store: store,
            clock: clock,
            service: DirectConnectService(
                store: store,
                clock: clock,
                settleTimes: SettleTimes(settleTime),
                sealer: sealer,
                mka: mka
            ),
            secretsManager: SecretsManagerService(store: store, clock: clock, sealer: sealer),
            sealer: sealer
        )
        do {
            try await body(fixture)
        } catch {
            try await store.close()
            throw error
        }
        try await store.close()
    }

    // MARK: Key material

    /// A CKN of 64 lower-case hexadecimal characters, distinct per `n`.
    static func ckn(_ n: Int) -> String { "c0" + String(format: "%062llx", n) }
    /// A CAK of 64 lower-case hexadecimal characters, distinct per `n` and from every CKN.
    static func cak(_ n: Int) -> String { "ca" + String(format: "%062llx", n) }

    // MARK: Creating resources

    /// A dedicated connection; MACsec-capable by default (EqDC2 offers MACsec on 10G).
    @discardableResult
    func createConnection(
        macSec: Bool = true,
        location: String = "EqDC2",
        bandwidth: String = "10Gbps",
        name: String = "conn",
        tags: [Tag]? = nil,
        in scope: Scope = Fixture.scope
    ) async throws -> Connection {
        try await service.createConnection(
            CreateConnectionRequest(
                location: location,
                bandwidth: bandwidth,
                connectionName: name,
                tags: tags,
                requestMACSec: macSec
            ),
            in: scope
        )
    }

    /// The ID of a new dedicated connection.
    func connectionId(
        macSec: Bool = true,
        location: String = "EqDC2",
        in scope: Scope = Fixture.scope
    ) async throws -> String {
        try #require(await createConnection(macSec: macSec, location: location, in: scope).connectionId)
    }

    @discardableResult
    func createLag(
        macSec: Bool = true,
        members: Int = 2,
        connectionId: String? = nil,
        location: String = "EqDC2",
        in scope: Scope = Fixture.scope
    ) async throws -> Lag {
        try await service.createLag(
            CreateLagRequest(
                numberOfConnections: members,
                location: location,
                connectionsBandwidth: "10Gbps",
                lagName: "lag",
                connectionId: connectionId,
                requestMACSec: macSec
            ),
            in: scope
        )
    }

    /// A new LAG's ID and its members' IDs.
    func lagIds(macSec: Bool = true, members: Int = 2) async throws -> (lag: String, members: [String]) {
        let lag = try await createLag(macSec: macSec, members: members)
        let lagId = try #require(lag.lagId)
        let memberIds = (lag.connections ?? []).compactMap(\.connectionId)
        try #require(memberIds.count == members)
        return (lagId, memberIds)
    }

    // MARK: Keys

    @discardableResult
    func associate(
        _ id: String,
        ckn: String? = nil,
        cak: String? = nil,
        secretARN: String? = nil,
        in scope: Scope = Fixture.scope
    ) async throws -> AssociateMacSecKeyResponse {
        try await service.associateMacSecKey(
            AssociateMacSecKeyRequest(connectionId: id, secretARN: secretARN, ckn: ckn, cak: cak),
            in: scope
        )
    }

    /// Associates the `n`th CKN/CAK pair and returns the new key's secret ARN (the last key of the response).
    @discardableResult
    func associateKey(_ n: Int, on id: String, in scope: Scope = Fixture.scope) async throws -> String {
        let response = try await associate(id, ckn: Self.ckn(n), cak: Self.cak(n), in: scope)
        let last = try #require(response.macSecKeys?.last)
        try #require(last.ckn == Self.ckn(n))
        return try #require(last.secretARN)
    }

    @discardableResult
    func disassociate(
        _ id: String,
        secretARN: String?,
        in scope: Scope = Fixture.scope
    ) async throws
        -> DisassociateMacSecKeyResponse
    {
        try await service.disassociateMacSecKey(
            DisassociateMacSecKeyRequest(connectionId: id, secretARN: secretARN),
            in: scope
        )
    }

    // MARK: Reading state

    func connection(_ id: String, in scope: Scope = Fixture.scope) async throws -> Connection {
        let described = try await service.describeConnections(DescribeConnectionsRequest(connectionId: id), in: scope)
        let connections = try #require(described.connections)
        try #require(connections.count == 1)
        return connections[0]
    }

    func lag(_ id: String, in scope: Scope = Fixture.scope) async throws -> Lag {
        let described = try await service.describeLags(DescribeLagsRequest(lagId: id), in: scope)
        let lags = try #require(described.lags)
        try #require(lags.count == 1)
        return lags[0]
    }

    /// The keys a connection or a LAG reports now.
    func keys(of id: String, in scope: Scope = Fixture.scope) async throws -> [MacSecKey] {
        if id.hasPrefix("dxlag-") {
            return try await lag(id, in: scope).macSecKeys ?? []
        }
        return try await connection(id, in: scope).macSecKeys ?? []
    }

    func secrets(in scope: Scope = Fixture.scope) async throws -> [SecretRecord] {
        try await store.transaction(.read) { transaction in
            try await transaction.secrets(in: scope, page: .all)
        }
    }

    /// Everything a caller in `scope` can observe, to prove that a refused call changed nothing.
    struct Snapshot: Equatable, Sendable {
        var connections: [Connection]
        var lags: [Lag]
        var gateways: [DirectConnectGateway]
        var secrets: [SecretRecord]
        /// Stored as they are: associations (in the account's global scope) and transit gateway attachments.
        var associations: [AssociationRecord]
        var transitGatewayAttachments: [TransitGatewayAttachmentRecord]
        var virtualInterfaces: [VirtualInterface]
        /// Stored as they are, in the account's global scope.
        var gatewayAttachments: [AttachmentRecord]
        var failoverTests: [VirtualInterfaceTestHistory]
        /// Stored as they are: the records of other accounts linked into the scope (hosted connections, ...), and
        /// the account's customer metadata.
        var links: [LinkRecord]
        var customer: [CustomerRecord]
    }

    func snapshot(of scope: Scope = Fixture.scope) async throws -> Snapshot {
        Snapshot(
            connections: try await service.describeConnections(DescribeConnectionsRequest(), in: scope).connections
                ?? [],
            lags: try await service.describeLags(DescribeLagsRequest(), in: scope).lags ?? [],
            gateways: try await service.describeDirectConnectGateways(.init(), in: scope).directConnectGateways ?? [],
            secrets: try await secrets(in: scope),
            associations: try await store.transaction(.read) { transaction in
                try await transaction.records(
                    AssociationRecord.self,
                    in: .global(account: scope.account),
                    matching: nil,
                    page: .all
                )
            },
            transitGatewayAttachments: try await store.transaction(.read) { transaction in
                try await transaction.records(TransitGatewayAttachmentRecord.self, in: scope, matching: nil, page: .all)
            },
            virtualInterfaces: try await service.describeVirtualInterfaces(.init(), in: scope).virtualInterfaces ?? [],
            gatewayAttachments: try await store.transaction(.read) { transaction in
                try await transaction.records(
                    AttachmentRecord.self,
                    in: .global(account: scope.account),
                    matching: nil,
                    page: .all
                )
            },
            failoverTests: try await service.listVirtualInterfaceTestHistory(.init(), in: scope)
                .virtualInterfaceTestHistory ?? [],
            links: try await store.transaction(.read) { transaction in
                try await transaction.records(LinkRecord.self, in: scope, matching: nil, page: .all)
            },
            customer: try await store.transaction(.read) { transaction in
                try await transaction.records(
                    CustomerRecord.self,
                    in: .global(account: scope.account),
                    matching: nil,
                    page: .all
                )
            }
        )
    }

    /// Expects `body` to fail with `code` and a message containing every fragment, and the observable state of
    /// `scopes` to be the same afterwards as before. Returns the error for further checks.
    @discardableResult
    func expectRefusal<R>(
        _ code: String = "DirectConnectClientException",
        mentioning fragments: [String],
        scopes: [Scope] = [Fixture.scope],
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> R
    ) async throws -> AWSError? {
        var before: [Snapshot] = []
        for scope in scopes { before.append(try await snapshot(of: scope)) }
        let error = await expectError(code, mentioning: fragments, sourceLocation: sourceLocation, body)
        var after: [Snapshot] = []
        for scope in scopes { after.append(try await snapshot(of: scope)) }
        #expect(before == after, "a refused call changed state", sourceLocation: sourceLocation)
        return error
    }
}

/// Expects `body` to throw an `AWSError` with `code` (status 400 for client faults) whose message contains
/// every fragment. AWSError compares by code only, so the message is checked explicitly.
@discardableResult
func expectError<R>(
    _ code: String = "DirectConnectClientException",
    mentioning fragments: [String],
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> R
) async -> AWSError? {
    let error = await #expect(throws: AWSError.self, sourceLocation: sourceLocation) {
        _ = try await body()
    }
    guard let error else { return nil }
    #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    #expect(error.status == 400, "\(error)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(
            error.message.contains(fragment),
            "message \"\(error.message)\" lacks \"\(fragment)\"",
            sourceLocation: sourceLocation
        )
    }
    return error
}

/// Matches `text` against a whole-string regular expression.
func matches(_ text: String?, _ pattern: String) -> Bool {
    guard let text else { return false }
    return text.range(of: "^" + pattern + "$", options: .regularExpression) != nil
}

extension NSRegularExpression {
    /// Escapes a literal for use inside a pattern.
    static func literal(_ text: String) -> String { escapedPattern(for: text) }
}
