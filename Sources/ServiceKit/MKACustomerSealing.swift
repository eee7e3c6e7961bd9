/// How a port's customer router history (which holds CAKs) is sealed under the master key: bound to its port, so a
/// sealed history cannot be moved to another. Shared by Direct Connect and the master key rotation.
package enum MKACustomerSealing {
    package static func context(portId: String) -> String {
        "directconnect|mka-customer|\(portId)"
    }
}
