import AWSJSONProtocol
import DirectConnectModel
import Foundation
import Storage

/// Locations, and the checks every new port (connection, interconnect, LAG) goes through.
extension DirectConnectService {
    package func describeLocations(_ input: EmptyShape, in scope: Scope) async throws -> Locations {
        Locations(
            locations: catalogue.locations(in: scope.region).map { entry in
                Location(
                    locationCode: entry.code,
                    locationName: entry.name,
                    region: entry.region,
                    availablePortSpeeds: entry.portSpeeds,
                    availableProviders: entry.providers,
                    availableMacSecPortSpeeds: entry.macSecPortSpeeds
                )
            }
        )
    }

    /// A new dedicated port at a location of the caller's region, MACsec-capable when asked and offered.
    func newPort(
        location code: String,
        bandwidth: String,
        requestMACSec: Bool,
        providerName: String?,
        in scope: Scope
    ) throws -> PortRecord {
        guard let location = catalogue.location(code, in: scope.region) else {
            throw AWSError.client("Location \(code) is not a Direct Connect location in region \(scope.region)")
        }
        guard let speed = PortSpeed.speed(forBandwidth: bandwidth) else {
            throw AWSError.client(
                "Bandwidth \(bandwidth) is not a dedicated port speed; use 1Gbps, 10Gbps, 100Gbps or 400Gbps"
            )
        }
        guard location.portSpeeds.contains(speed) else {
            throw AWSError.client("Bandwidth \(bandwidth) is not available at location \(code)")
        }
        if requestMACSec && !location.macSecPortSpeeds.contains(speed) {
            throw AWSError.client("MACsec is not available for \(bandwidth) ports at location \(code)")
        }
        let device = Identifiers.newDeviceName(location: code)
        return PortRecord(
            location: code,
            bandwidth: bandwidth,
            awsDevice: device,
            awsDeviceV2: device,
            awsLogicalDeviceId: Identifiers.newDeviceName(location: code),
            providerName: providerName,
            macSecCapable: requestMACSec,
            encryptionMode: requestMACSec ? .shouldEncrypt : .noEncrypt
        )
    }

    /// Checks an `encryptionMode` change on a port; the mode it names.
    static func validateEncryptionMode(_ mode: String, on port: PortRecord, id: String) throws -> EncryptionMode {
        guard let valid = EncryptionMode(rawValue: mode) else {
            throw AWSError.client(
                "Encryption mode \(mode) is not valid for \(id); use no_encrypt, should_encrypt or must_encrypt"
            )
        }
        guard port.macSecCapable else {
            throw AWSError.client("\(id) is not MACsec capable, so its encryption mode cannot be set")
        }
        return valid
    }

    /// A fresh ID that no connection or LAG of any of the scopes has.
    func unusedId(_ make: () -> String, in transaction: any StoreTransaction, scopes: Scope...) async throws -> String {
        next: while true {
            let id = make()
            for scope in scopes {
                if try await transaction.isTaken(ConnectionRecord.self, id, in: scope) { continue next }
                if try await transaction.isTaken(LagRecord.self, id, in: scope) { continue next }
            }
            return id
        }
    }
}

extension PortRecord {
    /// The port on `other`'s AWS device: a LAG's members terminate where the LAG does, a hosted connection where its
    /// interconnect or LAG does (the API reference: a LAG's connections all end on one Direct Connect endpoint).
    mutating func move(toDeviceOf other: PortRecord) {
        awsDevice = other.awsDevice
        awsDeviceV2 = other.awsDeviceV2
        awsLogicalDeviceId = other.awsLogicalDeviceId
    }
}

extension VirtualInterfaceRecord {
    /// The interface on the device of the port that carries it.
    mutating func move(toDeviceOf port: PortRecord) {
        awsDeviceV2 = port.awsDeviceV2
        awsLogicalDeviceId = port.awsLogicalDeviceId
    }
}
