import AWSJSONProtocol
import DirectConnectModel
import Foundation
import ServiceKit
import Storage

/// BGP peers, failover tests and router configurations of virtual interfaces (SPEC 7-9, reference §§3.2, 3.8, 3.9).
extension DirectConnectService {
    // MARK: BGP peers

    /// One peer per address family on an interface (reference §3.2); an IPv6 peer's addresses, and an IPv4 peer's on
    /// a private or transit interface when none are given, are assigned. The new peer reads `pending` (`verifying`
    /// on a public interface) until the settle time passes.
    package func createBGPPeer(_ input: CreateBGPPeerRequest, in scope: Scope) async throws -> CreateBGPPeerResponse {
        try Self.requireMembers(input)
        let id = try Self.required(input.virtualInterfaceId, "virtualInterfaceId")
        guard let new = input.newBGPPeer else { throw AWSError.client("Missing required parameter newBGPPeer") }
        let family = try Rules.family(new.addressFamily)
        let asn = try Rules.asn(asn: new.asn, asnLong: new.asnLong)
        let authKey = try Rules.authKey(new.authKey)
        let now = clock.now
        let availableAt = settled(from: now, .bgpPeer)
        return try await transaction(.write) { transaction in
            var held = try await ownInterface(id, in: transaction, scope, at: now)
            let kind = Rules.Kind(rawValue: held.record.type) ?? .private
            // A public interface's new peer: a private ASN, or a public one its allow list already holds (the
            // interface's, or another peer's) (reference §3.2).
            if kind == .public, !Rules.isPrivateASN(asn), asn != held.record.asn,
                !held.record.peers.contains(where: { $0.asn == asn })
            {
                throw AWSError.client(
                    "ASN \(asn) is not valid for a BGP peer of public virtual interface \(id): use a private ASN or "
                        + "one already on its allow list"
                )
            }
            let addresses = try Rules.addresses(
                amazon: new.amazonAddress,
                customer: new.customerAddress,
                family: family,
                kind: kind
            )
            switch Rules.state(held.record, at: now) {
            case .available?, .down?, .pending?, .verifying?: break
            case let state:
                throw AWSError.client(
                    "Virtual interface \(id) is \(state?.rawValue ?? "deleted"): a BGP peer cannot be added now"
                )
            }
            if Rules.peersHeld(held.record).contains(where: { $0.addressFamily == family.rawValue }) {
                throw AWSError.client(
                    "Virtual interface \(id) already has a BGP peer of address family \(family.rawValue): you cannot "
                        + "create multiple BGP sessions for the same IP addressing family on the same virtual interface"
                )
            }
            held.record.peers = Rules.livePeers(held.record, at: now)
            held.record.peers.append(
                try await newPeer(
                    of: held.record,
                    asn: asn,
                    authKey: authKey,
                    family: family,
                    amazonAddress: addresses?.amazon,
                    customerAddress: addresses?.customer,
                    in: transaction,
                    held.holder,
                    at: now,
                    availableAt: availableAt
                )
            )
            try await transaction.save(held.record, in: held.holder)
            return CreateBGPPeerResponse(virtualInterface: try await interface(held, in: transaction, at: now))
        }
    }

    /// The peer named by `bgpPeerId`, or by its ASN and customer address (Terraform's form); never the last one.
    package func deleteBGPPeer(_ input: DeleteBGPPeerRequest, in scope: Scope) async throws -> DeleteBGPPeerResponse {
        try Self.requireMembers(input)
        let id = try Self.required(input.virtualInterfaceId, "virtualInterfaceId")
        let peerId = Self.given(input.bgpPeerId)
        let asn = input.asnLong ?? input.asn
        let customerAddress = Self.given(input.customerAddress)
        guard peerId != nil || (asn != nil && customerAddress != nil) else {
            throw AWSError.client("Name the BGP peer to delete: give its bgpPeerId, or its asn and customerAddress")
        }
        let now = clock.now
        let deletedAt = settled(from: now, .bgpPeer)
        return try await transaction(.write) { transaction in
            var held = try await ownInterface(id, in: transaction, scope, at: now)
            // A deleted interface is shown for a while, never changed (SPEC 10).
            guard held.record.deletedAt == nil else {
                throw AWSError.client(
                    "Virtual interface \(id) is \(Rules.state(held.record, at: now)?.rawValue ?? "deleted"): a BGP peer "
                        + "cannot be deleted now"
                )
            }
            held.record.peers = Rules.livePeers(held.record, at: now)
            let shown = held
            guard
                let index = held.record.peers.firstIndex(where: { peer in
                    peer.deletedAt == nil
                        && (peerId.map { peer.id == $0 }
                            ?? (peer.asn == asn && peer.customerAddress == customerAddress))
                })
            else {
                throw AWSError.client(
                    "BGP peer \(Identifiers.quoted(peerId ?? customerAddress ?? "")) does not exist on virtual "
                        + "interface \(id)"
                )
            }
            guard Rules.peersHeld(held.record).count > 1 else {
                throw AWSError.client("The last BGP Peer on a Virtual Interface cannot be deleted")
            }
            let peer = held.record.peers[index]
            if deletedAt > now {
                held.record.peers[index].deletedAt = deletedAt
            } else {
                held.record.peers.remove(at: index)
            }
            try await transaction.save(held.record, in: held.holder)
            return DeleteBGPPeerResponse(
                virtualInterface: try await interface(shown, in: transaction, at: now, deletingPeer: peer.id)
            )
        }
    }

    // MARK: Failover tests

    /// Takes the chosen peers (every one when none is named) down for `testDurationInMinutes` (1-4,320, 180 by
    /// default), and until they are back up (the failover test's settle time); the interface reads `testing`
    /// meanwhile. Only its owner may test it, one test at a time.
    package func startBgpFailoverTest(
        _ input: StartBgpFailoverTestRequest,
        in scope: Scope
    ) async throws -> StartBgpFailoverTestResponse {
        try Self.requireMembers(input)
        let id = try Self.required(input.virtualInterfaceId, "virtualInterfaceId")
        let minutes = input.testDurationInMinutes ?? Rules.defaultTestMinutes
        guard (1...Rules.longestTestMinutes).contains(minutes) else {
            throw AWSError.client(
                "testDurationInMinutes \(minutes) is not valid: it must be between 1 and \(Rules.longestTestMinutes)"
            )
        }
        let named = input.bgpPeers ?? []
        let now = clock.now
        return try await transaction(.write) { transaction in
            var held = try await ownInterface(id, in: transaction, scope, at: now)
            // The test's own clock, not the state: an interface that is down reads `down` while tested (SPEC 8).
            guard !Rules.isTesting(held.record, at: now) else {
                throw AWSError.client("A failover test is already running on virtual interface \(id)")
            }
            // The peers of the last test not back up yet (the failover test's settle time), whatever it reads.
            guard !Rules.isHeldByTest(held.record, at: now) else {
                throw AWSError.client(
                    "Virtual interface \(id) is testing: the BGP peers of its last failover test are not back up yet"
                )
            }
            let state = Rules.state(held.record, at: now)
            guard state == .available || state == .down else {
                throw AWSError.client(
                    "Virtual interface \(id) is \(state?.rawValue ?? "deleted"): only an available virtual interface "
                        + "can be tested"
                )
            }
            let peers = Rules.livePeers(held.record, at: now).filter { $0.deletedAt == nil }.map(\.id)
            for peer in named where !peers.contains(peer) {
                throw AWSError.client("BGP peer \(Identifiers.quoted(peer)) does not exist on virtual interface \(id)")
            }
            let chosen = (named.isEmpty ? peers : Array(Set(named))).sorted()
            let endsAt = now.addingTimeInterval(TimeInterval(minutes) * 60)
            held.record.testEndsAt = endsAt
            held.record.testRestoredAt = endsAt.addingTimeInterval(settleTimes.seconds(.failoverTest))
            held.record.testPeers = chosen
            try await transaction.save(held.record, in: held.holder)
            let test = FailoverTestRecord(
                id: try await transaction.unusedID(for: FailoverTestRecord.self, in: scope, RandomUUID.make),
                virtualInterfaceId: id,
                bgpPeers: chosen,
                durationMinutes: minutes,
                startTime: now,
                endsAt: endsAt
            )
            try await transaction.save(test, in: scope)
            return StartBgpFailoverTestResponse(virtualInterfaceTest: Self.test(test, owner: scope.account, at: now))
        }
    }

    /// Ends the running test: `cancelled`, the peers and the interface back up once the failover test's settle time
    /// has passed.
    package func stopBgpFailoverTest(
        _ input: StopBgpFailoverTestRequest,
        in scope: Scope
    ) async throws -> StopBgpFailoverTestResponse {
        try Self.requireMembers(input)
        let id = try Self.required(input.virtualInterfaceId, "virtualInterfaceId")
        let now = clock.now
        return try await transaction(.write) { transaction in
            var held = try await ownInterface(id, in: transaction, scope, at: now)
            guard Rules.isTesting(held.record, at: now),
                let test = try await cancelRunningTests(of: id, in: scope, transaction, at: now).first
            else {
                throw AWSError.client("No failover test is running on virtual interface \(id)")
            }
            held.record.testEndsAt = now
            held.record.testRestoredAt = now.addingTimeInterval(settleTimes.seconds(.failoverTest))
            try await transaction.save(held.record, in: held.holder)
            return StopBgpFailoverTestResponse(virtualInterfaceTest: Self.test(test, owner: scope.account, at: now))
        }
    }

    /// Ends the interface's running test (one at most, which StartBgpFailoverTest sees to) as `cancelled` at `now`,
    /// in its owner's scope; the tests it ended.
    func cancelRunningTests(
        of id: String,
        in owner: Scope,
        _ transaction: any StoreTransaction,
        at now: Date
    ) async throws -> [FailoverTestRecord] {
        var cancelled: [FailoverTestRecord] = []
        for var test in try await transaction.records(
            FailoverTestRecord.self,
            in: owner,
            matching: RecordMatch(.first, id),
            page: .all
        ) where Self.testStatus(test, at: now) == Self.testRunning {
            test.stoppedAt = now
            try await transaction.save(test, in: owner)
            cancelled.append(test)
        }
        return cancelled
    }

    /// The caller's tests, newest first (our choice), filtered by test, interface, peers (a test that named every
    /// one given) and status; 365 days of history are kept, as the service keeps them.
    package func listVirtualInterfaceTestHistory(
        _ input: ListVirtualInterfaceTestHistoryRequest,
        in scope: Scope
    ) async throws -> ListVirtualInterfaceTestHistoryResponse {
        let list = "virtualInterfaceTestHistory"
        let request = try pages.request(list: list, maxResults: input.maxResults, nextToken: input.nextToken, in: scope)
        let testId = Self.given(input.testId)
        let interfaceId = Self.given(input.virtualInterfaceId)
        let status = Self.given(input.status)
        let peers = Set(input.bgpPeers ?? [])
        let now = clock.now
        return try await transaction(.read) { transaction in
            let match = interfaceId.map { RecordMatch(.first, $0) }
            let tests = try await transaction.records(FailoverTestRecord.self, in: scope, matching: match, page: .all)
                .filter { test in
                    now.timeIntervalSince(test.startTime) < Self.testHistoryKept
                        && testId.map { test.id == $0 } ?? true
                        && status.map { Self.testStatus(test, at: now) == $0 } ?? true
                        && peers.isSubset(of: test.bgpPeers)
                }
            let (page, token) = try pages.page(of: tests, request: request, list: list, in: scope, id: \.id)
            return ListVirtualInterfaceTestHistoryResponse(
                virtualInterfaceTestHistory: page.map { Self.test($0, owner: scope.account, at: now) },
                nextToken: token
            )
        }
    }

    /// How long test history is kept.
    static let testHistoryKept: TimeInterval = 365 * 24 * 3600
    /// The status of a running test (reference §2's suggestion, lower case as the service spells the others).
    static let testRunning = "in progress"

    /// `in progress` until it ends, then `completed`, or `cancelled` when stopped before.
    package static func testStatus(_ test: FailoverTestRecord, at now: Date) -> String {
        if let stoppedAt = test.stoppedAt, stoppedAt < test.endsAt { return "cancelled" }
        return now < test.endsAt ? testRunning : "completed"
    }

    static func test(_ test: FailoverTestRecord, owner: String, at now: Date) -> VirtualInterfaceTestHistory {
        let status = testStatus(test, at: now)
        return VirtualInterfaceTestHistory(
            testId: test.id,
            virtualInterfaceId: test.virtualInterfaceId,
            bgpPeers: test.bgpPeers,
            status: status,
            ownerAccount: owner,
            testDurationInMinutes: test.durationMinutes,
            startTime: test.startTime,
            endTime: status == testRunning ? nil : min(test.stoppedAt ?? test.endsAt, test.endsAt)
        )
    }

    // MARK: Router configuration

    /// The configuration of one of the nine router types for an interface, with the MACsec section of SPEC 9 for
    /// the two types that have one when its connection or LAG has keys (the CKN shown, the CAK never). Without a
    /// router type, the interface's `customerRouterConfig` and no router (reference §3.8's suggestion). The account
    /// that accepted a hosted interface may not download it (reference §3.8).
    package func describeRouterConfiguration(
        _ input: DescribeRouterConfigurationRequest,
        in scope: Scope
    ) async throws -> DescribeRouterConfigurationResponse {
        try Self.requireMembers(input)
        let id = try Self.required(input.virtualInterfaceId, "virtualInterfaceId")
        let model = try Self.given(input.routerTypeIdentifier).map { identifier in
            guard let found = RouterConfiguration.model(identifier) else {
                throw AWSError.client("Router type identifier \(Identifiers.quoted(identifier)) is not valid")
            }
            return found
        }
        let now = clock.now
        return try await transaction(.read) { transaction in
            guard let held = try await visibleInterface(id, in: transaction, scope, at: now) else {
                throw Self.interfaceNotFound(id)
            }
            guard held.holder == scope else {
                throw AWSError.client(
                    "The router configuration of virtual interface \(id) is not available to the account that "
                        + "accepted it"
                )
            }
            // The configuration only: the interface's state does not enter it.
            let shown = try interface(held, at: now, carrierDown: false)
            guard let model else {
                return DescribeRouterConfigurationResponse(
                    customerRouterConfig: shown.customerRouterConfig,
                    virtualInterfaceId: id,
                    virtualInterfaceName: held.record.name
                )
            }
            let carrier = try? await carrier(held.record.connectionId, in: transaction, scope, at: now)
            let ckn = carrier.flatMap { carrier in
                carrier.port.macSecCapable
                    ? Keychain.active(carrier.keys, at: now).max { $0.startOn < $1.startOn }?.ckn : nil
            }
            let peers = try Rules.livePeers(held.record, at: now).map { peer in
                RouterPeering(
                    addressFamily: peer.addressFamily,
                    amazonAddress: peer.amazonAddress,
                    customerAddress: peer.customerAddress,
                    asn: peer.asn,
                    authKey: try authKey(of: peer, interfaceId: id)
                )
            }
            return DescribeRouterConfigurationResponse(
                customerRouterConfig: RouterConfiguration.text(
                    Self.routerInterface(held.record, peers: peers, macSecCKN: ckn),
                    for: model
                ),
                router: RouterType(
                    vendor: model.vendor,
                    platform: model.platform,
                    software: model.software,
                    xsltTemplateName: model.xsltTemplateName,
                    xsltTemplateNameForMacSec: model.xsltTemplateNameForMacSec,
                    routerTypeIdentifier: model.identifier
                ),
                virtualInterfaceId: id,
                virtualInterfaceName: held.record.name
            )
        }
    }
}
