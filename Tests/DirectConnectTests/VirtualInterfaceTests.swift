import AWSJSONProtocol
import DirectConnect
import DirectConnectModel
import Foundation
import Logging
import SecretsManager
import ServiceKit
import Storage
import Testing

/// SPEC 7 and 8, reference §§2, 3.1, 3.2, 3.9: virtual interfaces, their BGP peers and failover tests.
@Suite struct VirtualInterfaceTests {
    typealias Rules = VirtualInterfaceRules
    static let start = Fixture.start

    // MARK: Pure rules

    static func record(
        confirmedAt: Date? = Fixture.start,
        settlesAt: Date = Fixture.start.addingTimeInterval(5)
    ) -> VirtualInterfaceRecord {
        VirtualInterfaceRecord(
            id: "dxvif-aaaaaaaa",
            type: "private",
            name: "v",
            connectionId: "dxcon-aaaaaaaa",
            ownerAccount: Fixture.account,
            location: "EqDC2",
            awsDeviceV2: "d",
            awsLogicalDeviceId: "d",
            vlan: 1,
            asn: 65000,
            amazonSideAsn: 64512,
            mtu: 1500,
            siteLinkEnabled: false,
            routeFilterPrefixes: [],
            peers: [],
            createdAt: Fixture.start,
            confirmedAt: confirmedAt,
            settlesAt: settlesAt,
            verifying: false,
            testPeers: [],
            rejected: false,
            tags: []
        )
    }

    static func at(_ seconds: TimeInterval) -> Date { start.addingTimeInterval(seconds) }

    @Test func theStateFollowsTheStoredInstants() {
        var record = Self.record()
        #expect(Rules.state(record, at: Self.at(0)) == .pending)
        #expect(Rules.state(record, at: Self.at(5)) == .available)
        record.verifying = true
        #expect(Rules.state(record, at: Self.at(2.4)) == .verifying)
        #expect(Rules.state(record, at: Self.at(2.5)) == .pending)
        #expect(Rules.state(record, at: Self.at(4.9)) == .pending)
        record.testEndsAt = Self.at(65)
        #expect(Rules.state(record, at: Self.at(64)) == .testing)
        #expect(Rules.state(record, at: Self.at(65)) == .available)
        // Its peers back up 30 s after the test's end (the failover test's settle time): `testing` until then, while
        // the test itself no longer runs.
        record.testRestoredAt = Self.at(95)
        #expect(Rules.state(record, at: Self.at(94)) == .testing)
        #expect(!Rules.isTesting(record, at: Self.at(65)) && Rules.isHeldByTest(record, at: Self.at(65)))
        #expect(Rules.state(record, at: Self.at(95)) == .available)
        record.testRestoredAt = nil
        // A carrier down for MKA holds a settled interface down, as a port-down does; a settling one settles first.
        #expect(Rules.state(record, at: Self.at(64), carrierDown: true) == .down)
        #expect(Rules.state(record, at: Self.at(65), carrierDown: true) == .down)
        #expect(Rules.state(record, at: Self.at(4.9), carrierDown: true) == .pending)
        record.deletedAt = Self.at(100)
        #expect(Rules.state(record, at: Self.at(99)) == .deleting)
        #expect(Rules.state(record, at: Self.at(99), carrierDown: true) == .deleting)
        #expect(Rules.state(record, at: Self.at(100)) == .deleted)
        #expect(Rules.state(record, at: Self.at(100 + 15 * 60 - 1)) == .deleted)
        #expect(Rules.state(record, at: Self.at(100 + 15 * 60)) == nil)
        #expect(Rules.isHeld(record, at: Self.at(99)))
        #expect(!Rules.isHeld(record, at: Self.at(100)))
        record.rejected = true
        #expect(Rules.state(record, at: Self.at(0)) == .rejected)
        #expect(Rules.state(Self.record(confirmedAt: nil), at: Self.at(1_000)) == .confirming)
    }

    @Test func peersAreUpOnlyWhileTheInterfaceIsAvailableAndNotUnderTest() {
        let peer = BGPPeerRecord(
            id: "dxpeer-aaaaaaaa",
            asn: 65000,
            sealedAuthKey: Data(),
            masterKeyId: "k",
            addressFamily: "ipv4",
            amazonAddress: "a",
            customerAddress: "c",
            createdAt: Self.start,
            availableAt: Self.at(3)
        )
        var record = Self.record()
        record.peers = [peer]
        #expect(Rules.peerState(peer, kind: .private, interfaceState: .pending, at: Self.at(1)) == .pending)
        #expect(Rules.peerState(peer, kind: .public, interfaceState: .verifying, at: Self.at(1)) == .verifying)
        #expect(Rules.peerState(peer, kind: .private, interfaceState: .pending, at: Self.at(3)) == .available)
        #expect(Rules.peerState(peer, kind: .private, interfaceState: .deleted, at: Self.at(3)) == .deleted)
        #expect(
            Rules.bgpStatus(peer, peerState: .available, record: record, interfaceState: .pending, at: Self.at(4))
                == .down
        )
        #expect(
            Rules.bgpStatus(peer, peerState: .available, record: record, interfaceState: .available, at: Self.at(5))
                == .up
        )
        record.testPeers = [peer.id]
        #expect(
            Rules.bgpStatus(peer, peerState: .available, record: record, interfaceState: .testing, at: Self.at(5))
                == .down
        )
        record.testPeers = ["dxpeer-other000"]
        #expect(
            Rules.bgpStatus(peer, peerState: .available, record: record, interfaceState: .testing, at: Self.at(5))
                == .up
        )
    }

    @Test func aMoveClashesOnAnyAddressAnotherInterfaceHolds() throws {
        func interface(
            _ id: String,
            _ peers: [(amazon: String, customer: String, deleted: Bool)]
        ) -> VirtualInterfaceRecord {
            var record = Self.record()
            record.id = id
            record.peers = peers.enumerated().map { index, addresses in
                BGPPeerRecord(
                    id: "dxpeer-\(index)",
                    asn: 65000,
                    sealedAuthKey: Data(),
                    masterKeyId: "k",
                    addressFamily: addresses.amazon.contains(":") ? "ipv6" : "ipv4",
                    amazonAddress: addresses.amazon,
                    customerAddress: addresses.customer,
                    createdAt: Self.start,
                    availableAt: Self.start,
                    deletedAt: addresses.deleted ? Self.start : nil
                )
            }
            return record
        }
        let moving = interface(
            "dxvif-moving00",
            [("10.0.0.1/30", "10.0.0.2/30", false), ("2001:DB8::1/125", "2001:db8::2/125", false)]
        )
        let free = interface("dxvif-free0000", [("10.0.1.1/30", "10.0.1.2/30", false)])
        #expect(Rules.addressInUse(by: moving, among: [free, moving]) == nil)
        // Amazon's address of one is the customer's of another, whatever the prefix length.
        let crossed = interface("dxvif-crossed0", [("10.0.0.2/29", "10.0.0.3/29", false)])
        #expect(Rules.addressInUse(by: moving, among: [free, crossed])?.address == "10.0.0.2")
        #expect(Rules.addressInUse(by: moving, among: [crossed])?.interfaceId == "dxvif-crossed0")
        // Automatic addresses (IPv6, and IPv4's link-local ones) never clash: each account's pool hands them out.
        let six = interface("dxvif-six00000", [("2001:db8::1/125", "2001:db8::9/125", false)])
        #expect(Rules.addressInUse(by: moving, among: [six]) == nil)
        let automatic = interface("dxvif-auto0000", [("169.254.21.229/30", "169.254.21.230/30", false)])
        #expect(
            Rules.addressInUse(
                by: automatic,
                among: [automatic, interface("dxvif-other000", [("169.254.21.229/30", "169.254.21.230/30", false)])]
            ) == nil
        )
        // A peer being deleted holds nothing.
        let leaving = interface("dxvif-leaving0", [("10.0.0.1/30", "10.0.0.2/30", true)])
        #expect(Rules.addressInUse(by: moving, among: [leaving]) == nil)
    }

    @Test func automaticIPv4PeeringsCoverEveryBlockOnceInLinkLocalSpace() throws {
        var seen = Set<String>()
        for issued in 0..<(254 * 64) {
            let (amazon, customer) = try #require(Rules.ipv4Peering(issued))
            let octets = amazon.split(separator: "/")[0].split(separator: ".").compactMap { Int($0) }
            #expect(octets.count == 4 && octets[0] == 169 && octets[1] == 254 && (1...254).contains(octets[2]))
            #expect(octets[3] % 4 == 1 && amazon.hasSuffix("/30") && customer.hasSuffix("/30"))
            #expect(customer == "169.254.\(octets[2]).\(octets[3] + 1)/30")
            seen.insert(amazon)
        }
        #expect(seen.count == 254 * 64)
        #expect(Rules.ipv4Peering(254 * 64) == nil)
        #expect(Rules.ipv4Peering(-1) == nil)
    }

    @Test func automaticIPv6PeeringsAreDistinctSlash125s() throws {
        var seen = Set<String>()
        for issued in 0..<5_000 {
            let (amazon, customer) = try #require(Rules.ipv6Peering(issued))
            #expect(amazon.hasPrefix("2001:db8:1100:2f0:0:1:") && amazon.hasSuffix("/125"))
            #expect(customer.hasSuffix("/125") && amazon != customer)
            #expect(seen.insert(amazon).inserted)
        }
    }

    @Test func requestValuesFollowTheModelsRanges() throws {
        #expect(try Rules.asn(asn: 65000, asnLong: 4_200_000_000) == 4_200_000_000)
        #expect(try Rules.asn(asn: 65000, asnLong: nil) == 65000)
        #expect(Rules.shortASN(4_200_000_000) == 0)
        #expect(throws: AWSError.self) { try Rules.asn(asn: 2_147_483_647, asnLong: nil) }
        #expect(throws: AWSError.self) { try Rules.asn(asn: nil, asnLong: 4_294_967_295) }
        #expect(throws: AWSError.self) { try Rules.asn(asn: nil, asnLong: nil) }
        #expect(try Rules.mtu(9001, kind: .private) == 9001)
        #expect(throws: AWSError.self) { try Rules.mtu(9001, kind: .transit) }
        #expect(throws: AWSError.self) { try Rules.mtu(9001, kind: .public) }
        #expect(try Rules.addresses(amazon: nil, customer: nil, family: .ipv4, kind: .private) == nil)
        #expect(throws: AWSError.self) {
            try Rules.addresses(amazon: nil, customer: nil, family: .ipv4, kind: .public)
        }
        #expect(throws: AWSError.self) {
            try Rules.addresses(amazon: "2001:db8::1/125", customer: nil, family: .ipv6, kind: .private)
        }
        #expect(throws: AWSError.self) {
            try Rules.addresses(amazon: "10.0.0.1/30", customer: "10.0.0.1/30", family: .ipv4, kind: .private)
        }
        #expect(throws: AWSError.self) { try Rules.routeFilterPrefixes([]) }
        #expect(throws: AWSError.self) { try Rules.routeFilterPrefixes([RouteFilterPrefix(cidr: "2001:db8::/65")]) }
        #expect(try Rules.routeFilterPrefixes([RouteFilterPrefix(cidr: "2001:db8::/64")]) == ["2001:db8::/64"])
        #expect(matches(Rules.newAuthKey(), "0x[A-Za-z0-9._]{22}"))
        #expect(matches(Rules.newInterfaceId(), "dxvif-[a-z0-9]{8}"))
        #expect(matches(Rules.newPeerId(), "dxpeer-[a-z0-9]{8}"))
    }

    // MARK: The operations

    func gateway(_ f: Fixture, in scope: Scope = Fixture.scope) async throws -> String {
        let created = try await f.service.createDirectConnectGateway(
            CreateDirectConnectGatewayRequest(directConnectGatewayName: "gw", amazonSideAsn: 64999),
            in: scope
        )
        return try #require(created.directConnectGateway?.directConnectGatewayId)
    }

    func createPrivate(
        _ f: Fixture,
        on connection: String,
        gateway: String,
        vlan: Int = 100,
        authKey: String? = nil,
        in scope: Scope = Fixture.scope
    ) async throws -> VirtualInterface {
        try await f.service.createPrivateVirtualInterface(
            CreatePrivateVirtualInterfaceRequest(
                connectionId: connection,
                newPrivateVirtualInterface: NewPrivateVirtualInterface(
                    virtualInterfaceName: "vif",
                    vlan: vlan,
                    asn: 65000,
                    authKey: authKey,
                    directConnectGatewayId: gateway
                )
            ),
            in: scope
        )
    }

    func interface(_ f: Fixture, _ id: String, in scope: Scope = Fixture.scope) async throws -> VirtualInterface? {
        try await f.service.describeVirtualInterfaces(.init(virtualInterfaceId: id), in: scope).virtualInterfaces?.first
    }

    @Test func anInterfaceSettlesIsDeletedAndIsGoneAfterFifteenMinutes() async throws {
        try await Fixture.run(settleTime: 5) { f in
            let connection = try await f.connectionId()
            f.clock.advance(by: 5)
            let gatewayId = try await gateway(f)
            f.clock.advance(by: 5)
            let created = try await createPrivate(f, on: connection, gateway: gatewayId)
            let id = try #require(created.virtualInterfaceId)
            #expect(created.virtualInterfaceState == .pending)
            #expect(created.bgpPeers?.map(\.bgpPeerState) == [.pending])
            #expect(created.amazonSideAsn == 64999)
            f.clock.advance(by: 5)
            let settled = try #require(try await interface(f, id))
            #expect(settled.virtualInterfaceState == .available)
            #expect(settled.bgpPeers?.map(\.bgpStatus) == [.up])
            let deleted = try await f.service.deleteVirtualInterface(.init(virtualInterfaceId: id), in: f.scope)
            #expect(deleted.virtualInterfaceState == .deleting)
            #expect(try await interface(f, id)?.virtualInterfaceState == .deleting)
            f.clock.advance(by: 5)
            #expect(try await interface(f, id)?.virtualInterfaceState == .deleted)
            f.clock.advance(by: 15 * 60)
            #expect(try await interface(f, id) == nil)
        }
    }

    @Test func refusalsChangeNothing() async throws {
        try await Fixture.run { f in
            let connection = try await f.connectionId()
            let gatewayId = try await gateway(f)
            let created = try await createPrivate(f, on: connection, gateway: gatewayId, vlan: 7)
            let id = try #require(created.virtualInterfaceId)
            try await f.expectRefusal(mentioning: ["Vlan 7 is already in use"]) {
                try await createPrivate(f, on: connection, gateway: gatewayId, vlan: 7)
            }
            try await f.expectRefusal(mentioning: ["The last BGP Peer on a Virtual Interface cannot be deleted"]) {
                try await f.service.deleteBGPPeer(
                    DeleteBGPPeerRequest(virtualInterfaceId: id, bgpPeerId: created.bgpPeers?.first?.bgpPeerId),
                    in: f.scope
                )
            }
            try await f.expectRefusal(mentioning: ["until its Virtual Interfaces are deleted"]) {
                try await f.service.deleteConnection(DeleteConnectionRequest(connectionId: connection), in: f.scope)
            }
            try await f.expectRefusal(mentioning: ["Cannot allocate VirtualInterface for the connection owner."]) {
                try await f.service.allocatePrivateVirtualInterface(
                    AllocatePrivateVirtualInterfaceRequest(
                        connectionId: connection,
                        ownerAccount: Fixture.account,
                        newPrivateVirtualInterfaceAllocation: .init(virtualInterfaceName: "h", vlan: 8, asn: 1)
                    ),
                    in: f.scope
                )
            }
            try await f.expectRefusal(mentioning: ["does not exist"], scopes: [Fixture.scope, Fixture.otherAccount]) {
                try await f.service.startBgpFailoverTest(.init(virtualInterfaceId: id), in: Fixture.otherAccount)
            }
        }
    }

    @Test func aFailoverTestCompletesByTheClock() async throws {
        try await Fixture.run { f in
            let connection = try await f.connectionId()
            let created = try await createPrivate(f, on: connection, gateway: try await gateway(f))
            let id = try #require(created.virtualInterfaceId)
            let started = try await f.service.startBgpFailoverTest(
                .init(virtualInterfaceId: id, testDurationInMinutes: 2),
                in: f.scope
            )
            #expect(started.virtualInterfaceTest?.status == "in progress")
            #expect(started.virtualInterfaceTest?.endTime == nil)
            f.clock.advance(by: 119)
            #expect(try await interface(f, id)?.virtualInterfaceState == .testing)
            #expect(try await interface(f, id)?.bgpPeers?.map(\.bgpStatus) == [.down])
            f.clock.advance(by: 1)
            #expect(try await interface(f, id)?.virtualInterfaceState == .available)
            let history = try await f.service.listVirtualInterfaceTestHistory(.init(), in: f.scope)
            let test = try #require(history.virtualInterfaceTestHistory?.first)
            #expect(test.status == "completed")
            #expect(test.endTime == Self.start.addingTimeInterval(120))
            await expectError(mentioning: ["No failover test is running"]) {
                try await f.service.stopBgpFailoverTest(.init(virtualInterfaceId: id), in: f.scope)
            }
        }
    }

    @Test func authKeysAreSealedAtRestAndSurviveAMasterKeyRotation() async throws {
        try await Fixture.run { f in
            let connection = try await f.connectionId()
            let key = "user-given-auth-key-0123"
            let created = try await createPrivate(f, on: connection, gateway: try await gateway(f), authKey: key)
            let id = try #require(created.virtualInterfaceId)
            #expect(created.authKey == key)
            let stored = try #require(
                try await f.store.transaction(.read) { transaction in
                    try await transaction.record(VirtualInterfaceRecord.self, id: id, in: Fixture.scope)
                }
            )
            #expect(!RecordDocument.encode(stored).contains(key))
            let newKey = SecretSealer.generateKeyData()
            let ring = try SecretSealer(keys: [newKey, Data(repeating: 7, count: 32)])
            let count = try await MasterKeyRotation(store: f.store, sealer: ring).run(logger: .init(label: "test"))
            #expect(count >= 1)
            let newOnly = try SecretSealer(keys: [newKey])
            let rotated = DirectConnectService(store: f.store, clock: f.clock, sealer: newOnly)
            let shown = try await rotated.describeVirtualInterfaces(.init(virtualInterfaceId: id), in: f.scope)
            #expect(shown.virtualInterfaces?.first?.authKey == key)
        }
    }
}
