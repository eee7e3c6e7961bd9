import Foundation
import Storage

/// A value a record keeps sealed under the master key, with the context that opens it.
package struct SealedValue: Sendable {
    package var sealed: Data
    package var keyId: String
    package var context: String
}

extension SealedValue {
    /// The values `record` keeps sealed: a secret's versions, a virtual interface's BGP auth keys, a customer
    /// router's history; none for other kinds. What the state export names the keys of, and an import opens before
    /// it takes a document.
    package static func all(in record: any StoredRecord) -> [SealedValue] {
        switch record {
        case let secret as SecretRecord:
            secret.versions.map {
                SealedValue(
                    sealed: $0.sealedValue,
                    keyId: $0.masterKeyId,
                    context: SecretVault.context(arn: secret.arn, versionId: $0.versionId)
                )
            }
        case let interface as VirtualInterfaceRecord:
            interface.peers.map {
                SealedValue(
                    sealed: $0.sealedAuthKey,
                    keyId: $0.masterKeyId,
                    context: BGPAuthKeySealing.context(interfaceId: interface.id, peerId: $0.id)
                )
            }
        case let customer as MKACustomerRecord:
            [
                SealedValue(
                    sealed: customer.sealedHistory,
                    keyId: customer.masterKeyId,
                    context: MKACustomerSealing.context(portId: customer.id)
                )
            ]
        default:
            []
        }
    }
}
