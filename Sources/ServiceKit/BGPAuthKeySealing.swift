/// How a BGP auth key is sealed under the master key: bound to its interface and peer, so a sealed key cannot be
/// moved to another. Shared by Direct Connect, which seals and opens them, and the master key rotation.
package enum BGPAuthKeySealing {
    package static func context(interfaceId: String, peerId: String) -> String {
        "directconnect|bgp-auth-key|\(interfaceId)|\(peerId)"
    }
}
