import AWSJSONProtocol
import DirectConnect
import DirectConnectModel
import Foundation
import MKA
import ServiceKit
import Storage
import Testing

/// SPEC 12 over the reference store: a port's customer router, the link replayed from the records (the same on every
/// instance), and what the port then shows.
@Suite struct MKAPortTests {
    static func configure(
        _ f: Fixture,
        _ id: String,
        keys: [Int],
        wrongCAK: Bool = false
    ) async throws {
        _ = try await f.service.configureCustomerRouter(
            id,
            keys: keys.map { (Fixture.ckn($0), wrongCAK ? Fixture.cak($0 + 100) : Fixture.cak($0)) },
            keyServerPriority: nil,
            cipherSuites: nil
        )
    }

    static func status(_ f: Fixture, _ id: String) async throws -> (ConnectionState?, String?) {
        let connection = try await f.connection(id)
        return (connection.connectionState, connection.portEncryptionStatus)
    }

    /// Two instances over one store (each its own replay cache) show the same link at the same instant, whether
    /// they read it before or not: a replay is a function of the records.
    @Test func everyInstanceShowsTheSameLink() async throws {
        try await Fixture.run(mka: MKASettings(timeScale: 10)) { f in
            let id = try await f.connectionId()
            try await f.associateKey(1, on: id)
            try await Self.configure(f, id, keys: [1])
            let reader = try await f.service.observeMKA(id)
            f.clock.advance(by: 95)
            try await Self.configure(f, id, keys: [1, 2])
            try await f.associateKey(2, on: id)
            f.clock.advance(by: 300)
            let other = DirectConnectService(store: f.store, clock: f.clock, sealer: f.sealer, mka: f.service.mka)
            let continued = try await f.service.observeMKA(id)
            let fresh = try await other.observeMKA(id)
            #expect(reader.secured && continued.secured)
            for side in MKALink.Side.allCases {
                #expect(continued.link?.participants(side) == fresh.link?.participants(side))
            }
            #expect(continued.link?.inUse(.device)?.configuration.ckn == MKAKeys.bytes(hex: Fixture.ckn(2)))
        }
    }

    /// The history is sealed: the stored record holds the CKNs in the clear and no CAK in any form.
    @Test func theCustomersCAKsAreSealed() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            try await Self.configure(f, id, keys: [1, 2])
            let record = try #require(
                try await f.store.transaction(.read) { transaction in
                    try await transaction.record(MKACustomerRecord.self, id: id, in: Fixture.scope)
                }
            )
            #expect(record.ckns == [Fixture.ckn(1), Fixture.ckn(2)])
            let stored = Data(AWSJSONWriter.bytes(record))
            for n in [1, 2] {
                let cak = try #require(MKAKeys.bytes(hex: Fixture.cak(n)))
                #expect(stored.range(of: Data(Fixture.cak(n).utf8)) == nil)
                #expect(stored.range(of: Data(cak)) == nil)
                #expect(record.sealedHistory.range(of: Data(cak)) == nil)
            }
        }
    }

    /// A refused configuration changes nothing, and its message names the member without echoing a CAK.
    @Test func aBadConfigurationChangesNothing() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            try await f.associateKey(1, on: id)
            try await Self.configure(f, id, keys: [1])
            await #expect(throws: (any Error).self) {
                _ = try await f.service.configureCustomerRouter(
                    id,
                    keys: [(Fixture.ckn(2), Fixture.cak(2)), (Fixture.ckn(3), "ab")],
                    keyServerPriority: nil,
                    cipherSuites: nil
                )
            }
            #expect(try await f.service.customerRouter(id).record.ckns == [Fixture.ckn(1)])
            #expect(try await Self.status(f, id) == (.available, "Encryption Up"))
        }
    }

    /// With `--customer-router none` an unconfigured port never encrypts, and `must_encrypt` takes it down; a LAG
    /// whose members are down for it goes down below its minimum links.
    @Test func withNoCustomerRouterNothingEncrypts() async throws {
        try await Fixture.run(mka: MKASettings(customerRouter: .none)) { f in
            let (lag, members) = try await f.lagIds(members: 2)
            try await f.associateKey(1, on: lag)
            _ = try await f.service.updateLag(
                UpdateLagRequest(lagId: lag, minimumLinks: 1, encryptionMode: "must_encrypt"),
                in: Fixture.scope
            )
            #expect(try await f.lag(lag).lagState == .down)
            #expect(try await Self.status(f, members[0]) == (.down, "Encryption Down"))
            try await Self.configure(f, members[0], keys: [1])
            #expect(try await Self.status(f, members[0]) == (.available, "Encryption Up"))
            #expect(try await f.lag(lag).lagState == .available)
            try await Self.configure(f, members[0], keys: [1], wrongCAK: true)
            #expect(try await f.lag(lag).lagState == .down)
        }
    }

    /// What a `must_encrypt` port that MKA has not secured carries goes down with it: its interfaces read `down`
    /// and their BGP sessions too, in every answer that shows them, until MKA secures the port (for a LAG, enough
    /// of its members for its minimum links); an interface on a port that encrypts is not touched.
    @Test func interfacesOnAPortThatIsDownForMKAAreDown() async throws {
        try await Fixture.run(mka: MKASettings(customerRouter: .none)) { f in
            let gateway = try #require(
                try await f.service.createDirectConnectGateway(
                    CreateDirectConnectGatewayRequest(directConnectGatewayName: "gw", amazonSideAsn: 64999),
                    in: Fixture.scope
                ).directConnectGateway?.directConnectGatewayId
            )
            func create(on carrier: String, vlan: Int) async throws -> VirtualInterface {
                try await f.service.createPrivateVirtualInterface(
                    CreatePrivateVirtualInterfaceRequest(
                        connectionId: carrier,
                        newPrivateVirtualInterface: NewPrivateVirtualInterface(
                            virtualInterfaceName: "vif",
                            vlan: vlan,
                            asn: 65000,
                            directConnectGatewayId: gateway
                        )
                    ),
                    in: Fixture.scope
                )
            }
            func shown(_ id: String) async throws -> (VirtualInterfaceState?, [BGPStatus?]?) {
                let found = try await f.service.describeVirtualInterfaces(.init(virtualInterfaceId: id), in: f.scope)
                let listed = try await f.service.describeVirtualInterfaces(.init(), in: f.scope).virtualInterfaces?
                    .first { $0.virtualInterfaceId == id }
                let vif = try #require(found.virtualInterfaces?.first)
                #expect(listed?.virtualInterfaceState == vif.virtualInterfaceState)
                return (vif.virtualInterfaceState, vif.bgpPeers?.map(\.bgpStatus))
            }
            // A connection: should_encrypt leaves it up (nothing encrypts, nothing goes down), must_encrypt does not.
            let port = try await f.connectionId()
            try await f.associateKey(1, on: port)
            let onPort = try #require(try await create(on: port, vlan: 10).virtualInterfaceId)
            #expect(try await shown(onPort) == (.available, [.up]))
            _ = try await f.service.updateConnection(
                UpdateConnectionRequest(connectionId: port, encryptionMode: "must_encrypt"),
                in: Fixture.scope
            )
            #expect(try await Self.status(f, port) == (.down, "Encryption Down"))
            #expect(try await shown(onPort) == (.down, [.down]))
            let late = try await create(on: port, vlan: 11)
            #expect(late.virtualInterfaceState == .down)
            let peered = try await f.service.createBGPPeer(
                CreateBGPPeerRequest(
                    virtualInterfaceId: onPort,
                    newBGPPeer: NewBGPPeer(asn: 65001, addressFamily: .ipv6)
                ),
                in: Fixture.scope
            )
            #expect(peered.virtualInterface?.virtualInterfaceState == .down)
            try await Self.configure(f, port, keys: [1])
            #expect(try await shown(onPort) == (.available, [.up, .up]))
            #expect(try await shown(try #require(late.virtualInterfaceId)) == (.available, [.up]))
            try await Self.configure(f, port, keys: [1], wrongCAK: true)
            #expect(try await shown(onPort) == (.down, [.down, .down]))

            // A LAG: down once fewer members than its minimum links are secured, and its interfaces with it.
            let (lag, members) = try await f.lagIds(members: 2)
            try await f.associateKey(2, on: lag)
            let onLag = try #require(try await create(on: lag, vlan: 12).virtualInterfaceId)
            _ = try await f.service.updateLag(
                UpdateLagRequest(lagId: lag, minimumLinks: 1, encryptionMode: "must_encrypt"),
                in: Fixture.scope
            )
            #expect(try await shown(onLag) == (.down, [.down]))
            // An interface stored on a member (made before it joined the LAG, by an earlier version) follows the
            // LAG's mode and keys, not the member's own.
            var legacy = VirtualInterfaceTests.record(settlesAt: f.clock.now)
            legacy.connectionId = members[0]
            let stored = legacy
            try await f.store.transaction(.write) { try await $0.save(stored, in: Fixture.scope) }
            #expect(try await shown(legacy.id).0 == .down)
            try await Self.configure(f, members[1], keys: [2])
            #expect(try await f.lag(lag).lagState == .available)
            #expect(try await shown(onLag) == (.available, [.up]))
            try await Self.configure(f, members[0], keys: [2])
            #expect(try await shown(legacy.id).0 == .available)
        }
    }

    /// A port's customer router goes with the port: a deleted connection, a deleted LAG's members.
    @Test func aDeletedPortTakesItsCustomerRouterWithIt() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let (lag, members) = try await f.lagIds(members: 2)
            for port in [id] + members { try await Self.configure(f, port, keys: [1]) }
            _ = try await f.service.deleteConnection(DeleteConnectionRequest(connectionId: id), in: Fixture.scope)
            _ = try await f.service.deleteLag(DeleteLagRequest(lagId: lag), in: Fixture.scope)
            let left = try await f.store.transaction(.read) { transaction in
                try await transaction.records(MKACustomerRecord.self, in: Fixture.scope, matching: nil, page: .all)
            }
            #expect(left.isEmpty)
        }
    }
}
