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

    package func locations(in region: String) -> [LocationEntry] {
        entries.filter { $0.region == region }
    }

    package func location(_ code: String, in region: String) -> LocationEntry? {
        entries.first { $0.code == code && $0.region == region }
    }

    /// The catalogue dxlocal serves by default: in each region some locations with and some without MACsec.
    package static let builtIn = LocationCatalogue(entries: [
        LocationEntry(
            code: "EqDC2",
            name: "Equinix DC1-DC6 & DC10-DC12, Ashburn, VA",
            region: "us-east-1",
            portSpeeds: ["1G", "10G", "100G", "400G"],
            macSecPortSpeeds: ["10G", "100G", "400G"],
            providers: []
        ),
        LocationEntry(
            code: "CSVA1",
            name: "CoreSite VA1, Reston, VA",
            region: "us-east-1",
            portSpeeds: ["1G", "10G", "100G"],
            macSecPortSpeeds: ["10G", "100G"],
            providers: []
        ),
        LocationEntry(
            code: "CSNY1",
            name: "CoreSite NY1, New York, NY",
            region: "us-east-1",
            portSpeeds: ["1G", "10G"],
            macSecPortSpeeds: [],
            providers: []
        ),
        LocationEntry(
            code: "MKL50",
            name: "Markley, One Summer Street, Boston, MA",
            region: "us-east-1",
            portSpeeds: ["1G", "10G"],
            macSecPortSpeeds: [],
            providers: []
        ),
        LocationEntry(
            code: "EqSV5",
            name: "Equinix SV5, San Jose, CA",
            region: "us-west-1",
            portSpeeds: ["1G", "10G", "100G"],
            macSecPortSpeeds: ["10G", "100G"],
            providers: []
        ),
        LocationEntry(
            code: "CSLA1",
            name: "CoreSite LA1, Los Angeles, CA",
            region: "us-west-1",
            portSpeeds: ["1G", "10G"],
            macSecPortSpeeds: [],
            providers: []
        ),
        LocationEntry(
            code: "EqSe2",
            name: "Equinix SE2, Seattle, WA",
            region: "us-west-2",
            portSpeeds: ["1G", "10G", "100G"],
            macSecPortSpeeds: ["10G", "100G"],
            providers: []
        ),
        LocationEntry(
            code: "EqFA5",
            name: "Equinix FR5, Frankfurt",
            region: "eu-central-1",
            portSpeeds: ["1G", "10G", "100G", "400G"],
            macSecPortSpeeds: ["10G", "100G", "400G"],
            providers: []
        ),
        LocationEntry(
            code: "EqSG2",
            name: "Equinix SG2, Singapore",
            region: "ap-southeast-1",
            portSpeeds: ["1G", "10G", "100G"],
            macSecPortSpeeds: ["10G", "100G"],
            providers: []
        ),
        LocationEntry(
            code: "GSS52",
            name: "Global Switch, Singapore",
            region: "ap-southeast-1",
            portSpeeds: ["1G", "10G"],
            macSecPortSpeeds: [],
            providers: []
        ),
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
