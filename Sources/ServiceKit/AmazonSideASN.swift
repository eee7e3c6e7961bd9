/// The private ASNs the Amazon side of a gateway may take, in Direct Connect (its gateways) and EC2 (VPN and transit
/// gateways) alike: 64512-65534 or 4200000000-4294967294.
package enum AmazonSideASN {
    package static let ranges: [ClosedRange<Int>] = [64512...65534, 4_200_000_000...4_294_967_294]

    package static func isValid(_ asn: Int) -> Bool { ranges.contains { $0.contains(asn) } }
}
