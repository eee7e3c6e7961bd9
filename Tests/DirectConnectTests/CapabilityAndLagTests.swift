import AWSJSONProtocol
import DirectConnect
import DirectConnectModel
import Foundation
import ServiceKit
import Storage
import Testing

/// SPEC section 3: which ports are MACsec-capable, their lifecycle, and LAG membership.
@Suite struct CapabilityAndLagTests {
    // MARK: Capability

    @Test(arguments: ["10Gbps", "100Gbps", "400Gbps"])
    func macSecConnectionIsCapableAndShouldEncryptWithoutKeys(_ bandwidth: String) async throws {
        try await Fixture.run { f in
            let created = try await f.createConnection(macSec: true, bandwidth: bandwidth)
            let id = try #require(created.connectionId)
            for connection in [created, try await f.connection(id)] {
                #expect(connection.macSecCapable == true)
                #expect(connection.encryptionMode == "should_encrypt")
                #expect((connection.macSecKeys ?? []).isEmpty)
                #expect(connection.portEncryptionStatus == "Encryption Down")
                #expect(connection.bandwidth == bandwidth)
            }
        }
    }

    @Test func connectionWithoutRequestMACSecIsNotCapable() async throws {
        try await Fixture.run { f in
            let created = try await f.createConnection(macSec: false)
            let id = try #require(created.connectionId)
            for connection in [created, try await f.connection(id)] {
                #expect(connection.macSecCapable == false)
                #expect(connection.encryptionMode == "no_encrypt")
                #expect((connection.macSecKeys ?? []).isEmpty)
            }
            // Leaving requestMACSec unset is the same as false.
            let unset = try await f.service.createConnection(
                CreateConnectionRequest(location: "EqDC2", bandwidth: "10Gbps", connectionName: "plain"),
                in: f.scope
            )
            #expect(unset.macSecCapable == false)
            #expect(unset.encryptionMode == "no_encrypt")
        }
    }

    @Test func macSecIsRefusedAt1Gbps() async throws {
        try await Fixture.run { f in
            try await f.expectRefusal(mentioning: ["MACsec", "1Gbps", "EqDC2"]) {
                try await f.createConnection(macSec: true, location: "EqDC2", bandwidth: "1Gbps")
            }
            // The same port without MACsec is fine: the refusal is about MACsec.
            try await f.createConnection(macSec: false, location: "EqDC2", bandwidth: "1Gbps")
        }
    }

    @Test func macSecIsRefusedAtALocationWithoutMacSec() async throws {
        try await Fixture.run { f in
            try await f.expectRefusal(mentioning: ["MACsec", "CSNY1"]) {
                try await f.createConnection(macSec: true, location: "CSNY1", bandwidth: "10Gbps")
            }
            try await f.createConnection(macSec: false, location: "CSNY1", bandwidth: "10Gbps")
        }
    }

    @Test func macSecLagIsRefusedWhereMacSecIsNotOffered() async throws {
        try await Fixture.run { f in
            for (location, bandwidth) in [("EqDC2", "1Gbps"), ("CSNY1", "10Gbps")] {
                try await f.expectRefusal(mentioning: ["MACsec", location]) {
                    try await f.service.createLag(
                        CreateLagRequest(
                            numberOfConnections: 1,
                            location: location,
                            connectionsBandwidth: bandwidth,
                            lagName: "lag",
                            requestMACSec: true
                        ),
                        in: f.scope
                    )
                }
            }
        }
    }

    @Test func macSecInterconnectIsRefusedWhereMacSecIsNotOffered() async throws {
        try await Fixture.run { f in
            try await f.expectRefusal(mentioning: ["MACsec", "CSNY1"]) {
                try await f.service.createInterconnect(
                    CreateInterconnectRequest(
                        interconnectName: "ic",
                        bandwidth: "10Gbps",
                        location: "CSNY1",
                        requestMACSec: true
                    ),
                    in: f.scope
                )
            }
        }
    }

    @Test func macSecIsOfferedExactlyWhereTheCatalogueSaysSo() async throws {
        try await Fixture.run { f in
            let locations = try #require(try await f.service.describeLocations(EmptyShape(), in: f.scope).locations)
            for location in locations {
                let code = try #require(location.locationCode)
                for (bandwidth, speed) in [
                    ("1Gbps", "1G"), ("10Gbps", "10G"), ("100Gbps", "100G"), ("400Gbps", "400G"),
                ]
                where (location.availablePortSpeeds ?? []).contains(speed) {
                    let offered = (location.availableMacSecPortSpeeds ?? []).contains(speed)
                    let result = await Result {
                        try await f.createConnection(macSec: true, location: code, bandwidth: bandwidth)
                    }
                    switch result {
                    case .success(let connection):
                        #expect(offered, "MACsec granted at \(code) \(bandwidth)")
                        #expect(connection.macSecCapable == true)
                    case .failure(let error):
                        #expect(!offered, "MACsec refused at \(code) \(bandwidth): \(error)")
                        #expect((error as? AWSError)?.code == "DirectConnectClientException")
                    }
                }
            }
        }
    }

    // MARK: Lifecycle

    @Test func newConnectionIsRequestedThenAvailable() async throws {
        try await Fixture.run { f in
            let created = try await f.createConnection()
            #expect(created.connectionState == .requested)
            let id = try #require(created.connectionId)
            #expect(matches(id, "dxcon-[a-z0-9]{8}"), "\(id)")
            #expect(try await f.connection(id).connectionState == .available)
        }
    }

    @Test func newLagIsPendingThenAvailable() async throws {
        try await Fixture.run { f in
            let created = try await f.createLag()
            #expect(created.lagState == .pending)
            let id = try #require(created.lagId)
            #expect(matches(id, "dxlag-[a-z0-9]{8}"), "\(id)")
            let lag = try await f.lag(id)
            #expect(lag.lagState == .available)
            #expect(lag.connections?.map(\.connectionState) == [.available, .available])
        }
    }

    @Test func connectionStaysRequestedUntilTheSettleTimeHasPassed() async throws {
        try await Fixture.run(settleTime: 5) { f in
            let id = try await f.connectionId()
            #expect(try await f.connection(id).connectionState == .requested)
            f.clock.advance(by: 4.5)
            #expect(try await f.connection(id).connectionState == .requested)
            f.clock.advance(by: 0.5)
            #expect(try await f.connection(id).connectionState == .available)
        }
    }

    @Test func lagStaysPendingUntilTheSettleTimeHasPassed() async throws {
        try await Fixture.run(settleTime: 5) { f in
            let (lagId, _) = try await f.lagIds()
            #expect(try await f.lag(lagId).lagState == .pending)
            f.clock.advance(by: 4.5)
            #expect(try await f.lag(lagId).lagState == .pending)
            f.clock.advance(by: 0.5)
            #expect(try await f.lag(lagId).lagState == .available)
        }
    }

    // MARK: LAGs

    @Test(arguments: [true, false])
    func lagMembersShareItsCapability(_ macSec: Bool) async throws {
        try await Fixture.run { f in
            let created = try await f.createLag(macSec: macSec, members: 3)
            #expect(created.macSecCapable == macSec)
            #expect(created.encryptionMode == (macSec ? "should_encrypt" : "no_encrypt"))
            let (lagId, members) = (try #require(created.lagId), (created.connections ?? []).compactMap(\.connectionId))
            #expect(members.count == 3)
            for member in members {
                let connection = try await f.connection(member)
                #expect(connection.lagId == lagId)
                #expect(connection.macSecCapable == macSec)
                #expect(connection.encryptionMode == (macSec ? "should_encrypt" : "no_encrypt"))
            }
        }
    }

    @Test(arguments: [true, false])
    func joiningALagOfTheOtherCapabilityIsRefused(_ connectionHasMacSec: Bool) async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId(macSec: connectionHasMacSec)
            let (lagId, _) = try await f.lagIds(macSec: !connectionHasMacSec)
            try await f.expectRefusal(
                mentioning: ["Connection \(id) and lag should be requested MacSec at the same time"]
            ) {
                try await f.service.associateConnectionWithLag(
                    AssociateConnectionWithLagRequest(connectionId: id, lagId: lagId),
                    in: f.scope
                )
            }
        }
    }

    @Test func joiningALagOfTheSameCapabilityWorks() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId(macSec: true)
            let (lagId, _) = try await f.lagIds(macSec: true)
            let joined = try await f.service.associateConnectionWithLag(
                AssociateConnectionWithLagRequest(connectionId: id, lagId: lagId),
                in: f.scope
            )
            #expect(joined.lagId == lagId)
            #expect(try await f.lag(lagId).connections?.count == 3)
        }
    }

    @Test(arguments: [true, false])
    func creatingALagAroundAConnectionOfTheOtherCapabilityIsRefused(_ connectionHasMacSec: Bool) async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId(macSec: connectionHasMacSec)
            try await f.expectRefusal(
                mentioning: ["Connection \(id) and lag should be requested MacSec at the same time"]
            ) {
                try await f.createLag(macSec: !connectionHasMacSec, members: 1, connectionId: id)
            }
        }
    }

    @Test func creatingALagAroundAConnectionOfTheSameCapabilityAdoptsIt() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId(macSec: true)
            let lag = try await f.createLag(macSec: true, members: 2, connectionId: id)
            let lagId = try #require(lag.lagId)
            #expect(lag.connections?.compactMap(\.connectionId).contains(id) == true)
            #expect(try await f.connection(id).lagId == lagId)
        }
    }

    // MARK: Locations

    @Test func describeLocationsListsTheRegionsCatalogueOnly() async throws {
        try await Fixture.run { f in
            for (scope, present, absent) in [
                (Fixture.scope, "EqDC2", "EqSV5"),
                (Fixture.otherRegion, "EqSV5", "EqDC2"),
            ] {
                let locations = try #require(try await f.service.describeLocations(EmptyShape(), in: scope).locations)
                let codes = locations.compactMap(\.locationCode)
                #expect(codes.contains(present))
                #expect(!codes.contains(absent))
                #expect(locations.allSatisfy { $0.region == scope.region })
                #expect(locations.contains { !($0.availableMacSecPortSpeeds ?? []).isEmpty })
                #expect(locations.contains { ($0.availableMacSecPortSpeeds ?? []).isEmpty })
                for location in locations {
                    let speeds = Set(location.availablePortSpeeds ?? [])
                    let macSec = Set(location.availableMacSecPortSpeeds ?? [])
                    #expect(macSec.isSubset(of: ["10G", "100G", "400G"]), "\(location)")
                    #expect(macSec.isSubset(of: speeds), "\(location)")
                }
            }
            let east = try #require(try await f.service.describeLocations(EmptyShape(), in: f.scope).locations)
            let csny1 = try #require(east.first { $0.locationCode == "CSNY1" })
            #expect((csny1.availableMacSecPortSpeeds ?? []).isEmpty)
            let eqdc2 = try #require(east.first { $0.locationCode == "EqDC2" })
            #expect(eqdc2.availableMacSecPortSpeeds?.contains("10G") == true)
        }
    }
}

extension Result where Failure == any Error {
    /// Catches the error of an async body.
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
