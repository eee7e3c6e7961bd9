import AWSJSONProtocol
import DirectConnect
import DirectConnectModel
import Foundation
import ServiceKit
import Storage
import Testing

/// SPEC 7 and 9, reference §§2, 3.6, 3.7, 3.10: hosted connections from a partner's interconnect or LAG to a
/// customer, letters of authorization and customer metadata.
@Suite struct HostedConnectionTests {
    typealias Rules = HostedConnectionRules
    /// The partner allocates from its account; the customer is `Fixture.scope`.
    static let partner = Fixture.otherAccount
    static let customer = Fixture.scope

    // MARK: Pure rules

    @Test func bandwidthsFollowThePartnerTypeAndTheParent() throws {
        #expect(Rules.megabits("50Mbps") == 50)
        #expect(Rules.megabits("25Gbps") == 25_000)
        #expect(Rules.megabits("100Gbps") == 100_000)
        #expect(Rules.megabits("7Mbps") == nil)
        #expect(Rules.megabits("Gbps") == nil)
        try Rules.checkBandwidth("500Mbps", partnerType: .v1, parentId: "p", parentBandwidth: "10Gbps")
        #expect(throws: AWSError.self) {
            try Rules.checkBandwidth("1Gbps", partnerType: .v1, parentId: "p", parentBandwidth: "10Gbps")
        }
        try Rules.checkBandwidth("10Gbps", partnerType: .v2, parentId: "p", parentBandwidth: "10Gbps")
        #expect(throws: AWSError.self) {
            try Rules.checkBandwidth("500Mbps", partnerType: .v2, parentId: "p", parentBandwidth: "10Gbps")
        }
        #expect(throws: AWSError.self) {
            try Rules.checkBandwidth("25Gbps", partnerType: .v2, parentId: "p", parentBandwidth: "100Gbps")
        }
        try Rules.checkBandwidth("25Gbps", partnerType: .nonPartner, parentId: "p", parentBandwidth: "100Gbps")
        #expect(throws: AWSError.self) {
            try Rules.checkBandwidth("25Gbps", partnerType: .nonPartner, parentId: "p", parentBandwidth: "10Gbps")
        }
        #expect(throws: AWSError.self) {
            try Rules.request(owner: "12345", bandwidth: "1Gbps", name: "n", vlan: 5, tags: [])
        }
        #expect(throws: AWSError.self) {
            try Rules.request(owner: "123456789012", bandwidth: "3Gbps", name: "n", vlan: 5, tags: [])
        }
        #expect(throws: AWSError.self) {
            try Rules.request(owner: "123456789012", bandwidth: "1Gbps", name: "n", vlan: 4095, tags: [])
        }
    }

    @Test func theStateIsOrderingUntilConfirmedThenThePorts() {
        let start = Fixture.start
        var record = ConnectionRecord(
            id: "dxcon-aaaaaaaa",
            kind: .connection,
            name: "h",
            port: PortRecord(
                location: "EqDC2",
                bandwidth: "1Gbps",
                awsDevice: "d",
                awsDeviceV2: "d",
                awsLogicalDeviceId: "d",
                macSecCapable: false,
                encryptionMode: .noEncrypt
            ),
            vlan: 5,
            state: SettlingState(transitional: .pending, settlesAt: .distantFuture),
            createdAt: start,
            tags: [],
            keys: [],
            hosted: HostedRecord(
                parentId: "dxcon-bbbbbbbb",
                partnerAccount: "1",
                partnerName: "p",
                parentMacSecCapable: true
            )
        )
        #expect(Rules.state(record, at: start.addingTimeInterval(1e6)) == .ordering)
        #expect(!Rules.carriesInterfaces(record))
        record.hosted?.confirmedAt = start
        record.state = SettlingState(transitional: .pending, settlesAt: start.addingTimeInterval(5))
        #expect(Rules.state(record, at: start.addingTimeInterval(4)) == .pending)
        #expect(Rules.state(record, at: start.addingTimeInterval(5)) == .available)
        #expect(Rules.carriesInterfaces(record))
    }

    // MARK: The operations

    func interconnect(_ f: Fixture, bandwidth: String = "10Gbps", in scope: Scope = Self.partner) async throws -> String
    {
        let created = try await f.service.createInterconnect(
            CreateInterconnectRequest(
                interconnectName: "nni",
                bandwidth: bandwidth,
                location: "EqDC2",
                providerName: "Example Networks"
            ),
            in: scope
        )
        return try #require(created.interconnectId)
    }

    func allocate(
        _ f: Fixture,
        on parent: String,
        vlan: Int = 101,
        bandwidth: String = "500Mbps",
        owner: String = Fixture.account
    ) async throws -> Connection {
        try await f.service.allocateHostedConnection(
            AllocateHostedConnectionRequest(
                connectionId: parent,
                ownerAccount: owner,
                bandwidth: bandwidth,
                connectionName: "hosted",
                vlan: vlan
            ),
            in: Self.partner
        )
    }

    func hosted(_ f: Fixture, on parent: String) async throws -> [Connection] {
        try await f.service.describeHostedConnections(.init(connectionId: parent), in: Self.partner).connections ?? []
    }

    func gateway(_ f: Fixture) async throws -> String {
        let created = try await f.service.createDirectConnectGateway(
            CreateDirectConnectGatewayRequest(directConnectGatewayName: "gw", amazonSideAsn: 64999),
            in: Self.customer
        )
        return try #require(created.directConnectGateway?.directConnectGatewayId)
    }

    func privateInterface(
        _ f: Fixture,
        on connection: String,
        vlan: Int,
        gateway: String
    ) async throws
        -> VirtualInterface
    {
        try await f.service.createPrivateVirtualInterface(
            CreatePrivateVirtualInterfaceRequest(
                connectionId: connection,
                newPrivateVirtualInterface: NewPrivateVirtualInterface(
                    virtualInterfaceName: "vif",
                    vlan: vlan,
                    asn: 65000,
                    directConnectGatewayId: gateway
                )
            ),
            in: Self.customer
        )
    }

    @Test func aHostedConnectionGoesFromAllocationToAWorkingInterfaceAndAway() async throws {
        try await Fixture.run(settleTime: 5) { f in
            let parent = try await interconnect(f)
            let allocated = try await allocate(f, on: parent)
            let id = try #require(allocated.connectionId)
            #expect(allocated.connectionState == .ordering)
            #expect(allocated.ownerAccount == Fixture.account)
            #expect(allocated.partnerName == "Example Networks")
            #expect(allocated.vlan == 101 && allocated.bandwidth == "500Mbps" && allocated.location == "EqDC2")
            #expect(allocated.macSecCapable == false && allocated.partnerInterconnectMacSecCapable == false)
            // The customer sees it among its connections, the partner on its interconnect; neither the other way.
            let mine = try await f.service.describeConnections(.init(), in: Self.customer).connections ?? []
            #expect(mine.map(\.connectionId) == [id])
            #expect(try await hosted(f, on: parent).map(\.connectionId) == [id])
            await expectError(mentioning: ["Could not find Connection with ID"]) {
                try await f.service.describeConnections(.init(connectionId: id), in: Self.partner)
            }
            await expectError(mentioning: ["\(Self.partner.account) DescribeHostedConnections failed for connection"]) {
                try await hosted(f, on: id)
            }
            let gatewayId = try await gateway(f)
            try await f.expectRefusal(mentioning: ["confirm the hosted connection"]) {
                try await privateInterface(f, on: id, vlan: 101, gateway: gatewayId)
            }
            let confirmed = try await f.service.confirmConnection(.init(connectionId: id), in: Self.customer)
            #expect(confirmed.connectionState == .pending)
            try await f.expectRefusal(mentioning: ["not ordering"]) {
                try await f.service.confirmConnection(.init(connectionId: id), in: Self.customer)
            }
            f.clock.advance(by: 5)
            #expect(try await f.connection(id).connectionState == .available)
            try await f.expectRefusal(mentioning: ["use 101"]) {
                try await privateInterface(f, on: id, vlan: 102, gateway: gatewayId)
            }
            let interface = try await privateInterface(f, on: id, vlan: 101, gateway: gatewayId)
            let interfaceId = try #require(interface.virtualInterfaceId)
            try await f.expectRefusal(mentioning: ["already has a virtual interface"]) {
                try await privateInterface(f, on: id, vlan: 101, gateway: gatewayId)
            }
            try await f.expectRefusal(
                mentioning: ["until its Virtual Interfaces are deleted"],
                scopes: [Self.customer, Self.partner]
            ) {
                try await f.service.deleteConnection(.init(connectionId: id), in: Self.partner)
            }
            try await f.expectRefusal(
                mentioning: ["until its hosted connections are deleted"],
                scopes: [Self.customer, Self.partner]
            ) {
                try await f.service.deleteInterconnect(.init(interconnectId: parent), in: Self.partner)
            }
            _ = try await f.service.deleteVirtualInterface(.init(virtualInterfaceId: interfaceId), in: Self.customer)
            f.clock.advance(by: 5)
            let deleted = try await f.service.deleteConnection(.init(connectionId: id), in: Self.partner)
            #expect(deleted.connectionState == .deleted && deleted.ownerAccount == Fixture.account)
            #expect(try await hosted(f, on: parent).isEmpty)
            #expect(try await f.service.describeConnections(.init(), in: Self.customer).connections?.isEmpty == true)
            _ = try await f.service.deleteInterconnect(.init(interconnectId: parent), in: Self.partner)
        }
    }

    @Test func refusalsChangeNothingOnEitherSide() async throws {
        try await Fixture.run { f in
            let parent = try await interconnect(f, bandwidth: "1Gbps")
            let id = try #require(try await allocate(f, on: parent, vlan: 7).connectionId)
            let both = [Self.customer, Self.partner]
            try await f.expectRefusal(mentioning: ["Vlan 7 is already in use"], scopes: both) {
                try await allocate(f, on: parent, vlan: 7)
            }
            try await f.expectRefusal(mentioning: ["more than the 1Gbps of \(parent)"], scopes: both) {
                try await allocate(f, on: parent, vlan: 8, bandwidth: "2Gbps")
            }
            try await f.service.seedCustomerMetadata(
                account: Self.partner.account,
                nniPartnerType: "v2",
                partnerName: nil,
                agreements: []
            )
            try await f.expectRefusal(mentioning: ["A v2 partner cannot allocate 500Mbps"], scopes: both) {
                try await allocate(f, on: parent, vlan: 8)
            }
            try await f.expectRefusal(mentioning: ["Could not find Connection with ID"], scopes: both) {
                try await allocate(f, on: "dxcon-zzzzzzzz", vlan: 8, bandwidth: "1Gbps")
            }
            let dedicated = try await f.connectionId(in: Self.partner)
            try await f.expectRefusal(mentioning: ["is not an interconnect"], scopes: both) {
                try await allocate(f, on: dedicated, vlan: 8, bandwidth: "1Gbps")
            }
            await expectError(mentioning: ["DescribeHostedConnections failed for connection"]) {
                try await hosted(f, on: dedicated)
            }
            await expectError(mentioning: ["Could not find Lag with ID"]) {
                try await hosted(f, on: "dxlag-zzzzzzzz")
            }
            let lag = try #require(try await f.createLag(macSec: false).lagId)
            try await f.expectRefusal(mentioning: ["is a hosted connection"], scopes: both) {
                try await f.service.associateConnectionWithLag(.init(connectionId: id, lagId: lag), in: Self.customer)
            }
            try await f.expectRefusal(mentioning: ["is not MACsec capable"], scopes: both) {
                try await f.service.updateConnection(
                    .init(connectionId: id, encryptionMode: "must_encrypt"),
                    in: Self.customer
                )
            }
            try await f.expectRefusal(mentioning: ["Could not find Connection with ID"], scopes: both) {
                try await f.service.confirmConnection(.init(connectionId: id), in: Self.partner)
            }
            // The customer refusing the order: `rejected`, and gone for both.
            let rejected = try await f.service.deleteConnection(.init(connectionId: id), in: Self.customer)
            #expect(rejected.connectionState == .rejected)
            #expect(try await hosted(f, on: parent).isEmpty)
        }
    }

    /// The partner's view of a parent gathers hosted connections from every account that holds one (its own among
    /// them), in ID order, and the VLANs they hold are taken whoever holds them.
    @Test func hostedConnectionsOfSeveralAccountsAreSeenTogetherOnTheirParent() async throws {
        try await Fixture.run { f in
            let parent = try await interconnect(f)
            let third = Scope(account: "777788889999", region: Self.partner.region)
            var owners: [String: String] = [:]
            for (vlan, owner) in [(101, Self.customer), (102, third), (103, Self.partner), (104, Self.customer)] {
                let id = try #require(try await allocate(f, on: parent, vlan: vlan, owner: owner.account).connectionId)
                owners[id] = owner.account
            }
            let listed = try await hosted(f, on: parent)
            #expect(listed.map(\.connectionId) == owners.keys.sorted())
            #expect(listed.map(\.ownerAccount) == owners.keys.sorted().map { owners[$0] })
            await expectError(mentioning: ["Vlan 102 is already in use"]) {
                try await allocate(f, on: parent, vlan: 102)
            }
            let thirds = try await f.service.describeConnections(.init(), in: third).connections ?? []
            let gone = try #require(thirds.first?.connectionId)
            #expect(thirds.count == 1 && owners[gone] == third.account)
            _ = try await f.service.deleteConnection(.init(connectionId: gone), in: third)
            #expect(try await hosted(f, on: parent).map(\.connectionId) == owners.keys.sorted().filter { $0 != gone })
            let again = try await allocate(f, on: parent, vlan: 102, owner: third.account)
            #expect(again.vlan == 102)
        }
    }

    @Test func thePartnerMovesAHostedConnectionToALagWithItsInterfaces() async throws {
        try await Fixture.run { f in
            let parent = try await interconnect(f)
            let id = try #require(try await allocate(f, on: parent, vlan: 300).connectionId)
            _ = try await f.service.confirmConnection(.init(connectionId: id), in: Self.customer)
            let interface = try await privateInterface(f, on: id, vlan: 300, gateway: try await gateway(f))
            let lag = try #require(try await f.createLag(macSec: false, in: Self.partner).lagId)
            let moved = try await f.service.associateHostedConnection(
                .init(connectionId: id, parentConnectionId: lag),
                in: Self.partner
            )
            #expect(moved.lagId == lag && moved.connectionState == .available)
            #expect(try await hosted(f, on: parent).isEmpty)
            #expect(try await hosted(f, on: lag).map(\.connectionId) == [id])
            let shown = try await f.service.describeVirtualInterfaces(
                .init(virtualInterfaceId: interface.virtualInterfaceId),
                in: Self.customer
            )
            #expect(shown.virtualInterfaces?.first?.awsDeviceV2 == moved.awsDeviceV2)
            let other = try #require(try await allocate(f, on: parent, vlan: 300).connectionId)
            try await f.expectRefusal(
                mentioning: ["Vlan 300 is already in use"],
                scopes: [Self.customer, Self.partner]
            ) {
                try await f.service.associateHostedConnection(
                    .init(connectionId: other, parentConnectionId: lag),
                    in: Self.partner
                )
            }
            try await f.expectRefusal(mentioning: ["Could not find Connection with ID"], scopes: [Self.customer]) {
                try await f.service.associateHostedConnection(
                    .init(connectionId: other, parentConnectionId: lag),
                    in: Self.customer
                )
            }
        }
    }

    /// A connection that joins a LAG takes its interfaces along (reference: AssociateConnectionWithLag), unless one's
    /// VLAN is taken there; a member that leaves leaves them with the LAG, but not below the LAG's minimum links.
    @Test func aConnectionJoiningALagTakesItsInterfacesAlong() async throws {
        try await Fixture.run { f in
            let gatewayId = try await gateway(f)
            let lag = try #require(try await f.createLag(macSec: false, members: 1).lagId)
            let dedicated = try await f.connectionId(macSec: false)
            let onLag = try #require(
                try await privateInterface(f, on: lag, vlan: 60, gateway: gatewayId).virtualInterfaceId
            )
            let moving = try #require(
                try await privateInterface(f, on: dedicated, vlan: 50, gateway: gatewayId).virtualInterfaceId
            )
            func carried(by id: String) async throws -> [String] {
                try await f.service.describeVirtualInterfaces(.init(connectionId: id), in: Self.customer)
                    .virtualInterfaces?.compactMap(\.virtualInterfaceId) ?? []
            }
            let clashing = try await f.connectionId(macSec: false)
            _ = try await privateInterface(f, on: clashing, vlan: 60, gateway: gatewayId)
            try await f.expectRefusal(mentioning: ["Vlan 60 is already in use"]) {
                try await f.service.associateConnectionWithLag(.init(connectionId: clashing, lagId: lag), in: f.scope)
            }
            let joined = try await f.service.associateConnectionWithLag(
                .init(connectionId: dedicated, lagId: lag),
                in: f.scope
            )
            #expect(joined.lagId == lag)
            #expect(try await carried(by: lag).sorted() == [onLag, moving].sorted())
            #expect(try await carried(by: dedicated).isEmpty)
            try await f.expectRefusal(mentioning: ["until its Virtual Interfaces are deleted"]) {
                try await f.service.deleteLag(.init(lagId: lag), in: f.scope)
            }
            // Leaving: not below the LAG's minimum links, then the interfaces stay with the LAG.
            _ = try await f.service.updateLag(.init(lagId: lag, minimumLinks: 2), in: f.scope)
            try await f.expectRefusal(mentioning: ["cannot leave lag \(lag)", "below its minimum links of 2"]) {
                try await f.service.disassociateConnectionFromLag(
                    .init(connectionId: dedicated, lagId: lag),
                    in: f.scope
                )
            }
            _ = try await f.service.updateLag(.init(lagId: lag, minimumLinks: 0), in: f.scope)
            _ = try await f.service.disassociateConnectionFromLag(
                .init(connectionId: dedicated, lagId: lag),
                in: f.scope
            )
            #expect(try await carried(by: lag).sorted() == [onLag, moving].sorted())
        }
    }

    /// A LAG made from an existing connection (CreateLag's `connectionId`) takes its interfaces along too.
    @Test func aLagMadeFromAConnectionTakesItsInterfaces() async throws {
        try await Fixture.run { f in
            let dedicated = try await f.connectionId(macSec: false)
            let vif = try #require(
                try await privateInterface(f, on: dedicated, vlan: 80, gateway: try await gateway(f)).virtualInterfaceId
            )
            let lag = try #require(try await f.createLag(macSec: false, members: 2, connectionId: dedicated).lagId)
            let shown = try await f.service.describeVirtualInterfaces(.init(virtualInterfaceId: vif), in: f.scope)
            #expect(shown.virtualInterfaces?.first?.connectionId == lag)
        }
    }

    /// A LAG left with only members that are down, or whose minimum links are above the members that are up, is
    /// down, and so is what it carries; the last member may always leave.
    @Test func aLagLeftWithOnlyDownMembersTakesItsInterfacesDown() async throws {
        try await Fixture.run { f in
            let (lag, members) = try await f.lagIds(macSec: false, members: 2)
            let onLag = try #require(
                try await privateInterface(f, on: lag, vlan: 70, gateway: try await gateway(f)).virtualInterfaceId
            )
            func state() async throws -> VirtualInterfaceState? {
                try await f.service.describeVirtualInterfaces(.init(virtualInterfaceId: onLag), in: Self.customer)
                    .virtualInterfaces?.first?.virtualInterfaceState
            }
            _ = try await f.service.simulate(.portDown, connectionId: members[0])
            #expect(try await state() == .available)
            // Minimum links above the members that are up take the LAG down, and its interfaces with it.
            _ = try await f.service.updateLag(.init(lagId: lag, minimumLinks: 2), in: f.scope)
            #expect(try await f.lag(lag).lagState == .down)
            #expect(try await state() == .down)
            _ = try await f.service.updateLag(.init(lagId: lag, minimumLinks: 0), in: f.scope)
            #expect(try await state() == .available)
            _ = try await f.service.disassociateConnectionFromLag(
                .init(connectionId: members[1], lagId: lag),
                in: f.scope
            )
            #expect(try await f.lag(lag).lagState == .down)
            #expect(try await state() == .down)
            _ = try await f.service.updateLag(.init(lagId: lag, minimumLinks: 1), in: f.scope)
            _ = try await f.service.disassociateConnectionFromLag(
                .init(connectionId: members[0], lagId: lag),
                in: f.scope
            )
            #expect(try await f.lag(lag).connections?.isEmpty ?? true)
        }
    }

    /// An interconnect that joins a LAG takes its hosted connections along (reference: AssociateConnectionWithLag).
    @Test func anInterconnectJoiningALagTakesItsHostedConnectionsAlong() async throws {
        try await Fixture.run { f in
            let parent = try await interconnect(f)
            let id = try #require(try await allocate(f, on: parent, vlan: 300).connectionId)
            let lag = try #require(try await f.createLag(macSec: false, members: 1, in: Self.partner).lagId)
            let clashing = try await interconnect(f)
            _ = try await allocate(f, on: lag, vlan: 301)
            _ = try await allocate(f, on: clashing, vlan: 301)
            try await f.expectRefusal(
                mentioning: ["Vlan 301 is already in use"],
                scopes: [Self.customer, Self.partner]
            ) {
                try await f.service.associateConnectionWithLag(
                    .init(connectionId: clashing, lagId: lag),
                    in: Self.partner
                )
            }
            _ = try await f.service.associateConnectionWithLag(
                .init(connectionId: parent, lagId: lag),
                in: Self.partner
            )
            #expect(try await hosted(f, on: parent).isEmpty)
            #expect(try await hosted(f, on: lag).compactMap(\.connectionId).contains(id))
            #expect(try await f.connection(id, in: Self.customer).lagId == lag)
        }
    }

    @Test func aPortDownTakesDownWhatItCarries() async throws {
        try await Fixture.run { f in
            let parent = try await interconnect(f)
            let hostedId = try #require(try await allocate(f, on: parent, vlan: 40).connectionId)
            _ = try await f.service.confirmConnection(.init(connectionId: hostedId), in: Self.customer)
            let gatewayId = try await gateway(f)
            let onHosted = try #require(
                try await privateInterface(f, on: hostedId, vlan: 40, gateway: gatewayId).virtualInterfaceId
            )
            let dedicated = try await f.connectionId(in: Self.customer)
            let onDedicated = try #require(
                try await privateInterface(f, on: dedicated, vlan: 41, gateway: gatewayId).virtualInterfaceId
            )
            func state(_ id: String) async throws -> VirtualInterfaceState? {
                try await f.service.describeVirtualInterfaces(.init(virtualInterfaceId: id), in: Self.customer)
                    .virtualInterfaces?.first?.virtualInterfaceState
            }
            _ = try await f.service.simulate(.portDown, connectionId: parent)
            #expect(try await f.connection(hostedId).connectionState == .down)
            #expect(try await state(onHosted) == .down)
            #expect(try await state(onDedicated) == .available)
            _ = try await f.service.simulate(.portDown, connectionId: dedicated)
            #expect(try await state(onDedicated) == .down)
            // An interface made on a port that is down reads down from the start.
            let late = try #require(
                try await privateInterface(f, on: dedicated, vlan: 42, gateway: gatewayId).virtualInterfaceId
            )
            #expect(try await state(late) == .down)
            _ = try await f.service.simulate(.portUp, connectionId: parent)
            _ = try await f.service.simulate(.portUp, connectionId: dedicated)
            #expect(try await f.connection(hostedId).connectionState == .available)
            for id in [onHosted, onDedicated, late] { #expect(try await state(id) == .available) }
            // A LAG goes down once fewer of its members than its minimum links are up, and its interfaces with it.
            let lag = try await f.createLag(macSec: false, members: 2, in: Self.customer)
            let lagId = try #require(lag.lagId)
            let members = (lag.connections ?? []).compactMap(\.connectionId)
            let onLag = try #require(
                try await privateInterface(f, on: lagId, vlan: 43, gateway: gatewayId).virtualInterfaceId
            )
            _ = try await f.service.simulate(.portDown, connectionId: members[0])
            #expect(try await state(onLag) == .available)
            _ = try await f.service.simulate(.portDown, connectionId: members[1])
            #expect(try await state(onLag) == .down)
            _ = try await f.service.simulate(.portUp, connectionId: members[0])
            #expect(try await state(onLag) == .available)
        }
    }

    @Test func lettersOfAuthorizationArePDFsThatNameThePort() async throws {
        try await Fixture.run { f in
            let connection = try await f.createConnection(name: "primary")
            let id = try #require(connection.connectionId)
            #expect(connection.loaIssueTime == nil)
            let loa = try await f.service.describeLoa(
                .init(connectionId: id, providerName: "Carrier (Ltd)"),
                in: f.scope
            )
            #expect(loa.loaContentType == .applicationPdf)
            let pdf = try #require(loa.loaContent)
            let text = String(decoding: pdf, as: UTF8.self)
            #expect(text.hasPrefix("%PDF-1.4") && text.hasSuffix("%%EOF\n"))
            #expect(text.contains("(Connection ID: \(id)) Tj"))
            #expect(text.contains("Carrier \\(Ltd\\)"))
            #expect(text.contains("Location: EqDC2"))
            // Issued at the clock's instant (2027-01-15T08:00:00Z), valid for 90 days.
            #expect(text.contains("(Issued: 2027-01-15 at 08:00:00 UTC) Tj"))
            #expect(text.contains("(Valid until: 2027-04-15) Tj"))
            #expect(text.contains("/CreationDate (D:20270115080000Z)"))
            // Every object's offset in the cross-reference table is where the object begins.
            let xref = try #require(text.range(of: "xref\n0 8\n"))
            let rows = text[xref.upperBound...].split(separator: "\n").prefix(8).dropFirst()
            for (index, row) in rows.enumerated() {
                let offset = try #require(Int(row.prefix(10)))
                let header = Data("\(index + 1) 0 obj\n".utf8)
                #expect(pdf[(pdf.startIndex + offset)...].prefix(header.count) == header)
            }
            #expect(try await f.connection(id).loaIssueTime == Fixture.start)
            let nested = try await f.service.describeConnectionLoa(.init(connectionId: id), in: f.scope)
            #expect(nested.loa?.loaContent != nil)
            await expectError(mentioning: ["Could not find Interconnect with ID"]) {
                try await f.service.describeInterconnectLoa(.init(interconnectId: id), in: f.scope)
            }
            await expectError(mentioning: ["application/pdf"]) {
                try await f.service.describeLoa(
                    .init(connectionId: id, loaContentType: .init(rawValue: "text/plain")),
                    in: f.scope
                )
            }
            let lag = try #require(try await f.createLag().lagId)
            #expect(try await f.service.describeLoa(.init(connectionId: lag), in: f.scope).loaContent != nil)
            let parent = try await interconnect(f)
            let loa2 = try await f.service.describeInterconnectLoa(.init(interconnectId: parent), in: Self.partner)
            #expect(
                String(decoding: try #require(loa2.loa?.loaContent), as: UTF8.self).contains(
                    "Interconnect ID: \(parent)"
                )
            )
            let hostedId = try #require(try await allocate(f, on: parent).connectionId)
            await expectError(mentioning: ["is a hosted connection"]) {
                try await f.service.describeLoa(.init(connectionId: hostedId), in: Self.customer)
            }
        }
    }

    @Test func customerMetadataListsSignedAgreements() async throws {
        try await Fixture.run { f in
            let initial = try await f.service.describeCustomerMetadata(EmptyShape(), in: f.scope)
            #expect(initial.nniPartnerType == .nonPartner && initial.agreements == [])
            let signed = try await f.service.confirmCustomerAgreement(.init(agreementName: "dx-terms"), in: f.scope)
            #expect(signed.status == "signed")
            let after = try await f.service.describeCustomerMetadata(EmptyShape(), in: Fixture.otherRegion)
            #expect(after.agreements == [CustomerAgreement(agreementName: "dx-terms", status: "signed")])
            try await f.expectRefusal(mentioning: ["agreementName"]) {
                try await f.service.confirmCustomerAgreement(
                    .init(agreementName: String(repeating: "a", count: 101)),
                    in: f.scope
                )
            }
            await expectError(mentioning: ["nniPartnerType"]) {
                try await f.service.seedCustomerMetadata(
                    account: f.scope.account,
                    nniPartnerType: "v3",
                    partnerName: nil,
                    agreements: []
                )
            }
        }
    }
}
