/// A Direct Connect location as the built-in catalogue ships it.
package struct LocationEntry: Hashable, Sendable {
    package var code: String
    package var name: String
    package var region: String
    /// Port speeds as `DescribeLocations` spells them: `1G`, `10G`, `100G`, `400G`.
    package var portSpeeds: [String]
    package var macSecPortSpeeds: [String]
    package var providers: [String]
}

/// The shipped catalogue of real location codes per region (our choice: data, not a live lookup).
package struct LocationCatalogue: Sendable {
    package var entries: [LocationEntry]

    package init(entries: [LocationEntry]) {
        self.entries = entries
    }

    /// A catalogue of each region's locations in order: code, name, port speeds and MACsec port speeds (each a
    /// space-separated list); no providers.
    init(regions: [String: [(code: String, name: String, ports: String, macSec: String)]]) {
        entries = regions.sorted { $0.key < $1.key }.flatMap { region, locations in
            locations.map { location in
                LocationEntry(
                    code: location.code,
                    name: location.name,
                    region: region,
                    portSpeeds: location.ports.split(separator: " ").map(String.init),
                    macSecPortSpeeds: location.macSec.split(separator: " ").map(String.init),
                    providers: []
                )
            }
        }
    }

    package func locations(in region: String) -> [LocationEntry] {
        entries.filter { $0.region == region }
    }

    package func location(_ code: String, in region: String) -> LocationEntry? {
        entries.first { $0.code == code && $0.region == region }
    }

    /// The catalogue dxlocal serves by default: real location codes in twelve regions, with and without MACsec
    /// (our choice: codes public AWS material shows, with the speeds `DescribeLocations` answered for them in 2026).
    /// Other regions have none.
    package static let builtIn = LocationCatalogue(regions: [
        "us-east-1": [
            ("EqDC2", "Equinix DC1-DC6 & DC10-DC12, Ashburn, VA", "1G 10G 100G 400G", "10G 100G 400G"),
            ("CSVA1", "CoreSite VA1, Reston, VA", "1G 10G 100G", "10G 100G"),
            ("CSNY1", "CoreSite NY1, New York, NY", "1G 10G", ""),
            ("MKL50", "Markley, One Summer Street, Boston, MA", "1G 10G", ""),
        ],
        "us-west-1": [
            ("EqSV5", "Equinix SV5, San Jose, CA", "1G 10G 100G", "10G 100G"),
            ("CSLA1", "CoreSite LA1, Los Angeles, CA", "1G 10G", ""),
        ],
        "us-west-2": [
            ("EqSe2", "Equinix SE2, Seattle, WA", "1G 10G 100G", "10G 100G")
        ],
        "eu-central-1": [
            ("EqFA5", "Equinix FR5, Frankfurt", "1G 10G 100G 400G", "10G 100G 400G")
        ],
        "ap-southeast-1": [
            ("EqSG2", "Equinix SG2, Singapore", "1G 10G 100G", "10G 100G"),
            ("GSS52", "Global Switch, Singapore", "1G 10G", ""),
        ],
        "us-east-2": [
            ("EQC50", "Equinix CH2, Chicago, IL", "1G 10G 100G 400G", "10G 100G 400G")
        ],
        "sa-east-1": [
            ("TIVIT", "Tivit, Sao Paulo, BRA", "1G 10G 100G", "10G 100G"),
            ("TNDB", "Equinix SP4, Sao Paulo, BRA", "1G 10G 100G", "10G 100G"),
        ],
        "eu-west-1": [
            ("EirCL", "Eircom Clonshaugh, Dublin, IRL", "1G 10G", "10G"),
            ("EqLD5", "Equinix LD5, London, GBR", "1G 10G 100G", "10G 100G"),
            ("TCSH", "Digital Realty LHR20, London, GBR", "1G 10G", "10G"),
        ],
        "ap-northeast-1": [
            ("EqOS1", "Equinix OS1, Osaka, JPN", "1G 10G 100G", "10G 100G"),
            ("EqTY2", "Equinix TY2, Tokyo, JPN", "1G 10G 100G", "10G 100G"),
        ],
        "ap-northeast-2": [
            ("LGKNX", "KINX Gasen, Seoul, KOR", "1G 10G", ""),
            ("LGU57", "LG U+ Pyeong-Chon Mega Center, Anyang, KOR", "1G 10G 100G", "10G 100G"),
        ],
        "ap-south-1": [
            ("NMBL2-MMR-1A", "NetMagic DC2, Mumbai, IND", "1G 10G", "10G")
        ],
        "ap-southeast-2": [
            ("EqSY3", "Equinix SY1-SY4, Sydney, AUS", "1G 10G 100G", "10G 100G")
        ],
    ])
}

/// Dedicated-port bandwidths as requests spell them, with the port speed the catalogue uses.
package enum PortSpeed {
    package static func speed(forBandwidth bandwidth: String) -> String? {
        switch bandwidth {
        case "1Gbps": "1G"
        case "10Gbps": "10G"
        case "100Gbps": "100G"
        case "400Gbps": "400G"
        default: nil
        }
    }

    /// How many connections a LAG of this bandwidth may hold.
    package static func maximumLagMembers(bandwidth: String) -> Int {
        switch bandwidth {
        case "100Gbps", "400Gbps": 2
        default: 4
        }
    }
}
