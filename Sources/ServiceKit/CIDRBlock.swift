import Foundation

/// An IPv4 block in CIDR notation (`10.0.0.0/16`), as VPCs and allowed prefixes name them.
package struct IPv4Block: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the block (host bits cleared).
    package let network: UInt32
    package let prefixLength: Int

    /// Parses `a.b.c.d/n`: four decimal octets without leading zeros, a length of 0-32; the host bits are cleared
    /// (`10.0.0.1/16` is `10.0.0.0/16`). `nil` for anything else.
    package init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let length = Self.decimal(parts[1], upTo: 32) else { return nil }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var address: UInt32 = 0
        for octet in octets {
            guard let value = Self.decimal(octet, upTo: 255) else { return nil }
            address = address << 8 | UInt32(value)
        }
        let mask: UInt32 = length == 0 ? 0 : ~0 << (32 - UInt32(length))
        network = address & mask
        prefixLength = length
    }

    package var description: String {
        let octets = [24, 16, 8, 0].map { String((network >> UInt32($0)) & 0xFF) }
        return octets.joined(separator: ".") + "/\(prefixLength)"
    }

    /// Whether the two blocks share an address.
    package func overlaps(_ other: IPv4Block) -> Bool {
        let shorter = min(prefixLength, other.prefixLength)
        let mask: UInt32 = shorter == 0 ? 0 : ~0 << (32 - UInt32(shorter))
        return network & mask == other.network & mask
    }

    private static func decimal(_ text: Substring, upTo limit: Int) -> Int? {
        guard !text.isEmpty, text.count <= 3, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber),
            text == "0" || text.first != "0", let value = Int(text), value <= limit
        else { return nil }
        return value
    }
}

/// An IPv6 block in CIDR notation (`2001:db8::/56`), its address read by the C library's `inet_pton`.
package struct IPv6Block: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the block (host bits cleared), as two 64-bit halves.
    package let high: UInt64
    package let low: UInt64
    package let prefixLength: Int
    private let text: String

    package init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty, parts[1].count <= 3, parts[1].allSatisfy(\.isASCII),
            parts[1].allSatisfy(\.isNumber), let length = Int(parts[1]), length <= 128, parts[0].contains(":")
        else { return nil }
        var address = in6_addr()
        guard inet_pton(AF_INET6, String(parts[0]), &address) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: address) { Array($0) }
        let wide = bytes.reduce((UInt64(0), UInt64(0))) { halves, byte in
            (halves.0 << 8 | halves.1 >> 56, halves.1 << 8 | UInt64(byte))
        }
        let (highMask, lowMask) = Self.mask(length)
        high = wide.0 & highMask
        low = wide.1 & lowMask
        prefixLength = length
        self.text = text
    }

    /// The block as it was written.
    package var description: String { text }

    package func overlaps(_ other: IPv6Block) -> Bool {
        let (highMask, lowMask) = Self.mask(min(prefixLength, other.prefixLength))
        return high & highMask == other.high & highMask && low & lowMask == other.low & lowMask
    }

    private static func mask(_ length: Int) -> (UInt64, UInt64) {
        let high: UInt64 = length == 0 ? 0 : length >= 64 ? ~0 : ~0 << UInt64(64 - length)
        let low: UInt64 = length <= 64 ? 0 : length >= 128 ? ~0 : ~0 << UInt64(128 - length)
        return (high, low)
    }
}

extension IPBlock {
    /// The special-purpose blocks that are never a customer's public addresses (RFC 6890): this network, private
    /// (RFC 1918), shared (RFC 6598), loopback, link-local, multicast and reserved; for IPv6 loopback, unique local,
    /// link-local and multicast. The documentation ranges are not among them (our choice: examples use them).
    static let nonPublic: [IPBlock] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
    ].compactMap(IPBlock.init)

    /// Whether the block lies in public address space: it overlaps no special-purpose block.
    package var isPublic: Bool { !Self.nonPublic.contains { $0.overlaps(self) } }
}

/// An IPv4 or IPv6 block, as a Direct Connect gateway association's allowed prefixes name them.
package enum IPBlock: Hashable, Sendable, CustomStringConvertible {
    case v4(IPv4Block)
    case v6(IPv6Block)

    package init?(_ text: String) {
        if let block = IPv4Block(text) {
            self = .v4(block)
        } else if let block = IPv6Block(text) {
            self = .v6(block)
        } else {
            return nil
        }
    }

    package var prefixLength: Int {
        switch self {
        case .v4(let block): block.prefixLength
        case .v6(let block): block.prefixLength
        }
    }

    package var description: String {
        switch self {
        case .v4(let block): block.description
        case .v6(let block): block.description
        }
    }

    /// Whether the two blocks share an address; blocks of two families never do.
    package func overlaps(_ other: IPBlock) -> Bool {
        switch (self, other) {
        case (.v4(let a), .v4(let b)): a.overlaps(b)
        case (.v6(let a), .v6(let b)): a.overlaps(b)
        default: false
        }
    }
}
