import Foundation

/// One BGP session as a router configuration shows it.
package struct RouterPeering: Sendable, Hashable {
    package var addressFamily: String
    package var amazonAddress: String
    package var customerAddress: String
    package var asn: Int
    package var authKey: String

    package init(addressFamily: String, amazonAddress: String, customerAddress: String, asn: Int, authKey: String) {
        self.addressFamily = addressFamily
        self.amazonAddress = amazonAddress
        self.customerAddress = customerAddress
        self.asn = asn
        self.authKey = authKey
    }
}

/// What a router configuration is made of: one virtual interface.
package struct RouterInterface: Sendable, Hashable {
    package var id: String
    package var name: String
    package var type: String
    package var vlan: Int
    package var amazonSideAsn: Int
    package var peers: [RouterPeering]
    package var routeFilterPrefixes: [String]
    /// The CKN of the newest MACsec key of its connection or LAG; the CAK is never handed to a configuration.
    package var macSecCKN: String?

    package init(
        id: String,
        name: String,
        type: String,
        vlan: Int,
        amazonSideAsn: Int,
        peers: [RouterPeering],
        routeFilterPrefixes: [String] = [],
        macSecCKN: String? = nil
    ) {
        self.id = id
        self.name = name
        self.type = type
        self.vlan = vlan
        self.amazonSideAsn = amazonSideAsn
        self.peers = peers
        self.routeFilterPrefixes = routeFilterPrefixes
        self.macSecCKN = macSecCKN
    }
}

/// A router type of the catalogue (reference §3.8).
package struct RouterModel: Sendable, Hashable {
    package var identifier: String
    package var vendor: String
    package var platform: String
    package var software: String
    package var xsltTemplateName: String
    package var xsltTemplateNameForMacSec: String

    /// The configuration language the model speaks.
    package var syntax: RouterConfiguration.Syntax {
        if identifier.hasPrefix("CiscoSystemsInc-Nexus") { return .nxos }
        if identifier.hasPrefix("CiscoSystemsInc") { return .ios }
        if identifier.hasPrefix("Juniper") { return .junos }
        return .panos
    }
}

/// The router configurations of virtual interfaces (SPEC 9, reference §3.8): the XML every interface carries, and the
/// configuration text of the nine router types, with a MACsec section for the two that have a MACsec template.
package enum RouterConfiguration {
    package enum Syntax: Sendable {
        case ios, nxos, junos, panos
    }

    /// The nine router types, as Terraform's documentation lists them.
    package static let catalogue: [RouterModel] = [
        cisco("2900SeriesRouters-IOS124", "2900 Series Routers", "IOS 12.4+", "router-cisco"),
        cisco("3700SeriesRouters-IOS124", "3700 Series Routers", "IOS 12.4+", "router-cisco"),
        cisco("7200SeriesRouters-IOS124", "7200 Series Routers", "IOS 12.4+", "router-cisco"),
        cisco("Nexus7000SeriesSwitches-NXOS51", "Nexus 7000 Series Switches", "NX-OS 5.1+", "switch-cisco-nexus"),
        cisco("Nexus9KSeriesSwitches-NXOS93", "Nexus 9K+ Series Switches", "NX-OS 9.3+", "switch-cisco-nexus", true),
        juniper("MMXSeriesRouters-JunOS95", "M/MX Series Routers", macSec: true),
        juniper("SRXSeriesRouters-JunOS95", "SRX Series Routers"),
        juniper("TSeriesRouters-JunOS95", "T Series Routers"),
        RouterModel(
            identifier: "PaloAltoNetworks-PA3000and5000series-PANOS803",
            vendor: "Palo Alto Networks",
            platform: "PA-3000+ and 5000+ series",
            software: "PAN-OS 8.0.3+",
            xsltTemplateName: "customer-router-palo-alto-generic.xslt",
            xsltTemplateNameForMacSec: ""
        ),
    ]

    private static func cisco(
        _ suffix: String,
        _ platform: String,
        _ software: String,
        _ template: String,
        _ macSec: Bool = false
    ) -> RouterModel {
        RouterModel(
            identifier: "CiscoSystemsInc-" + suffix,
            vendor: "Cisco Systems, Inc.",
            platform: platform,
            software: software,
            xsltTemplateName: "customer-\(template)-generic.xslt",
            xsltTemplateNameForMacSec: macSec ? "customer-\(template)-generic-macsec.xslt" : ""
        )
    }

    private static func juniper(_ suffix: String, _ platform: String, macSec: Bool = false) -> RouterModel {
        RouterModel(
            identifier: "JuniperNetworksInc-" + suffix,
            vendor: "Juniper Networks, Inc.",
            platform: platform,
            software: "JunOS 9.5+",
            xsltTemplateName: "customer-router-juniper-generic.xslt",
            xsltTemplateNameForMacSec: macSec ? "customer-router-juniper-generic-macsec.xslt" : ""
        )
    }

    package static func model(_ identifier: String) -> RouterModel? {
        catalogue.first { $0.identifier == identifier }
    }

    /// The `customerRouterConfig` every interface carries (reference §3.8): its first IPv4 peer, then its IPv6
    /// peer's `ipv6_*` elements before `<amazon_bgp_asn>`.
    package static func logicalConnectionXML(_ interface: RouterInterface) -> String {
        var lines = [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<logical_connection id=\"\(escaped(interface.id))\">",
            "  <vlan>\(interface.vlan)</vlan>",
        ]
        for (family, prefix) in [("ipv4", ""), ("ipv6", "ipv6_")] {
            guard let peer = interface.peers.first(where: { $0.addressFamily == family }) else { continue }
            lines += [
                "  <\(prefix)customer_address>\(escaped(peer.customerAddress))</\(prefix)customer_address>",
                "  <\(prefix)amazon_address>\(escaped(peer.amazonAddress))</\(prefix)amazon_address>",
                "  <\(prefix)bgp_asn>\(peer.asn)</\(prefix)bgp_asn>",
                "  <\(prefix)bgp_auth_key>\(escaped(peer.authKey))</\(prefix)bgp_auth_key>",
            ]
        }
        lines += [
            "  <amazon_bgp_asn>\(interface.amazonSideAsn)</amazon_bgp_asn>",
            "  <connection_type>\(escaped(interface.type))</connection_type>",
            "</logical_connection>",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The configuration text of `interface` for `model`: a banner, a section for each peer (IPv4 first), and the
    /// MACsec section when the model has a MACsec template and the interface's port has a key; `<cak>` stands where
    /// the CAK goes.
    package static func text(_ interface: RouterInterface, for model: RouterModel) -> String {
        let syntax = model.syntax
        let comment = syntax == .ios || syntax == .nxos ? "!" : "#"
        var lines = [
            "\(comment) Amazon Web Services",
            "\(comment) Direct Connect",
            "\(comment) Virtual Interface ID: \(interface.id)",
            "\(comment) Router: \(model.vendor) \(model.platform) \(model.software)",
        ]
        let peers = interface.peers.sorted { $0.addressFamily < $1.addressFamily }
        for peer in peers {
            let family = peer.addressFamily == "ipv6" ? "IPV6" : "IPV4"
            lines += ["\(comment)", "\(comment)\(banner(family))"]
            lines += section(peer, of: interface, syntax: syntax)
        }
        if !model.xsltTemplateNameForMacSec.isEmpty, let ckn = interface.macSecCKN {
            lines += ["\(comment)", "\(comment)\(banner("MACSEC"))"]
            lines += macSec(ckn: ckn, syntax: syntax)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func banner(_ title: String) -> String {
        let width = 80 - title.count
        return String(repeating: "=", count: width / 2) + title + String(repeating: "=", count: width - width / 2)
    }

    private static func section(_ peer: RouterPeering, of interface: RouterInterface, syntax: Syntax) -> [String] {
        let v6 = peer.addressFamily == "ipv6"
        let amazon = host(peer.amazonAddress)
        let vlan = interface.vlan
        let networks =
            interface.type == "public"
            ? interface.routeFilterPrefixes.filter { $0.contains(":") == v6 } : [v6 ? "::/0" : "0.0.0.0/0"]
        switch syntax {
        case .ios:
            return [
                "interface GigabitEthernet0/1.\(vlan)",
                "  encapsulation dot1Q \(vlan)",
                v6 ? "  ipv6 address \(peer.customerAddress)" : "  ip address \(ciscoAddress(peer.customerAddress))",
                "router bgp \(peer.asn)",
                "  neighbor \(amazon) remote-as \(interface.amazonSideAsn)",
                "  neighbor \(amazon) password \(peer.authKey)",
                "  neighbor \(amazon) fall-over bfd",
            ] + networks.map { "  network " + (v6 ? $0 : ciscoNetwork($0)) } + [
                "interface GigabitEthernet0/1.\(vlan)",
                "  bfd interval 300 min_rx 300 multiplier 3",
            ]
        case .nxos:
            return [
                "feature bgp",
                "feature bfd",
                "interface Ethernet1/1.\(vlan)",
                "  encapsulation dot1q \(vlan)",
                "  \(v6 ? "ipv6" : "ip") address \(peer.customerAddress)",
                "  bfd interval 300 min_rx 300 multiplier 3",
                "  no shutdown",
                "router bgp \(peer.asn)",
                "  address-family \(v6 ? "ipv6" : "ipv4") unicast",
            ] + networks.map { "    network \($0)" } + [
                "  neighbor \(amazon) remote-as \(interface.amazonSideAsn)",
                "    password 0 \(peer.authKey)",
                "    bfd",
                "    address-family \(v6 ? "ipv6" : "ipv4") unicast",
            ]
        case .junos:
            return [
                "set interfaces ge-0/0/1 vlan-tagging",
                "set interfaces ge-0/0/1 unit \(vlan) vlan-id \(vlan)",
                "set interfaces ge-0/0/1 unit \(vlan) family \(v6 ? "inet6" : "inet") address \(peer.customerAddress)",
                "set policy-options policy-statement EXPORT-DEFAULT term DEFAULT from route-filter "
                    + "\(networks.first ?? "0.0.0.0/0") exact",
                "set policy-options policy-statement EXPORT-DEFAULT term DEFAULT then accept",
                "set protocols bgp group EBGP type external",
                "set protocols bgp group EBGP neighbor \(amazon) local-address \(host(peer.customerAddress))",
                "set protocols bgp group EBGP neighbor \(amazon) export EXPORT-DEFAULT",
                "set protocols bgp group EBGP neighbor \(amazon) peer-as \(interface.amazonSideAsn)",
                "set protocols bgp group EBGP neighbor \(amazon) authentication-key \"\(peer.authKey)\"",
                "set protocols bgp group EBGP neighbor \(amazon) bfd-liveness-detection minimum-interval 300",
                "set protocols bgp group EBGP neighbor \(amazon) bfd-liveness-detection multiplier 3",
                "set routing-options autonomous-system \(peer.asn)",
            ]
        case .panos:
            let unit = "ethernet1/1.\(vlan)"
            let router = "set network virtual-router default protocol bgp"
            return [
                "set network interface ethernet ethernet1/1 layer3 units \(unit) tag \(vlan)",
                "set network interface ethernet ethernet1/1 layer3 units \(unit) \(v6 ? "ipv6 address" : "ip") "
                    + peer.customerAddress,
                "set network virtual-router default interface \(unit)",
                "\(router) enable yes",
                "\(router) local-as \(peer.asn)",
                "\(router) auth-profile AWS-\(vlan) secret \(peer.authKey)",
                "\(router) peer-group AWS peer \(interface.id) peer-as \(interface.amazonSideAsn)",
                "\(router) peer-group AWS peer \(interface.id) peer-address ip \(amazon)",
                "\(router) peer-group AWS peer \(interface.id) local-address interface \(unit)",
                "\(router) peer-group AWS peer \(interface.id) connection-options authentication AWS-\(vlan)",
            ] + networks.map { "\(router) redist-rules \($0) enable yes" }
        }
    }

    /// The MACsec section (reference §3.8's values): GCM-AES-XPN-256 with an AES-256-CMAC key, offset 0, no ICV
    /// indicator, the CKN written out and `<cak>` where the CAK goes.
    private static func macSec(ckn: String, syntax: Syntax) -> [String] {
        switch syntax {
        case .junos:
            let association = "set security macsec connectivity-association AWS-DX"
            return [
                "\(association) security-mode static-cak",
                "\(association) cipher-suite gcm-aes-xpn-256",
                "\(association) offset 0",
                "\(association) include-sci",
                "\(association) pre-shared-key ckn \(ckn)",
                "\(association) pre-shared-key cak <cak>",
                "set security macsec interfaces ge-0/0/1 connectivity-association AWS-DX",
            ]
        default:
            return [
                "feature macsec",
                "key chain AWS-DX macsec",
                "  key \(ckn)",
                "    key-octet-string <cak> cryptographic-algorithm AES_256_CMAC",
                "macsec policy AWS-DX-POLICY",
                "  cipher-suite GCM-AES-XPN-256",
                "  conf-offset CONF-OFFSET-0",
                "  include-icv-indicator disable",
                "  sak-expiry-time pn-rollover",
                "interface Ethernet1/1",
                "  macsec keychain AWS-DX policy AWS-DX-POLICY",
            ]
        }
    }

    /// An address without its prefix length.
    private static func host(_ address: String) -> String {
        String(address.split(separator: "/").first ?? Substring(address))
    }

    /// `a.b.c.d/n` as an IOS interface address, `a.b.c.d m.m.m.m`; anything else as given.
    private static func ciscoAddress(_ address: String) -> String {
        guard let (host, mask) = dottedMask(address) else { return address }
        return "\(host) \(mask)"
    }

    /// A block as IOS's BGP `network` takes it: `0.0.0.0` for the default route, else `a.b.c.d mask m.m.m.m`.
    private static func ciscoNetwork(_ block: String) -> String {
        guard let (host, mask) = dottedMask(block) else { return block }
        return mask == "0.0.0.0" ? host : "\(host) mask \(mask)"
    }

    private static func dottedMask(_ address: String) -> (String, String)? {
        let parts = address.split(separator: "/")
        guard parts.count == 2, !parts[0].contains(":"), let length = Int(parts[1]), (0...32).contains(length) else {
            return nil
        }
        let mask: UInt32 = length == 0 ? 0 : ~0 << (32 - UInt32(length))
        return (String(parts[0]), [24, 16, 8, 0].map { String((mask >> UInt32($0)) & 0xFF) }.joined(separator: "."))
    }

    private static func escaped(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }
}
