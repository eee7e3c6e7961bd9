import Foundation

/// A Letter of Authorization and Connecting Facility Assignment (LOA-CFA) as DescribeLoa answers it (SPEC 9): a
/// one-page PDF naming the port, its location, speed, device and requester, and the provider acting for the
/// requester when there is one. The wording is ours; the document says it comes from an emulator.
///
/// Written by hand: PDF 1.4 with the two standard fonts every reader has (no font is embedded), one content stream,
/// and a cross-reference table of byte offsets. A PDF library would be a dependency for some 60 lines.
package struct LetterOfAuthorization: Sendable, Hashable {
    /// `Connection`, `Interconnect` or `LAG`.
    package var portKind: String
    package var portId: String
    package var portName: String
    package var account: String
    package var region: String
    package var locationCode: String
    package var locationName: String?
    package var bandwidth: String
    package var awsDevice: String
    package var providerName: String?
    package var issuedAt: Date

    /// How long a letter stays valid (our choice: the 90 days AWS documents for its LOA-CFA).
    package static let validity: TimeInterval = 90 * 24 * 3600

    /// The lines of the page, in order: the title first.
    package var lines: [String] {
        let location = locationName.map { "\(locationCode) (\($0))" } ?? locationCode
        var lines = [
            "LETTER OF AUTHORIZATION AND CONNECTING FACILITY ASSIGNMENT (LOA-CFA)",
            "",
            "Issued: \(Self.day(issuedAt)) at \(Self.time(issuedAt)) UTC",
            "Valid until: \(Self.day(issuedAt.addingTimeInterval(Self.validity)))",
            "",
            "Requester: AWS account \(account)",
        ]
        if let providerName {
            lines.append("Provider, acting for the requester: \(providerName)")
        }
        lines += [
            "",
            "\(portKind) ID: \(portId)",
            "\(portKind) name: \(portName)",
            "Region: \(region)",
            "Location: \(location)",
            "Port speed: \(bandwidth)",
            "AWS device: \(awsDevice)",
            "",
            "The requester, or the provider named above, is authorized to order a cross-connect at the location",
            "above to the AWS device named, on the port assigned to this \(portKind.lowercased()).",
            "",
            "Issued by dxlocal, a local emulator of AWS Direct Connect, for tests: no facility will accept it.",
        ]
        return lines
    }

    /// The PDF document.
    package func pdf() -> Data {
        var content = "BT\n/F2 13 Tf\n56 760 Td\n16 TL\n"
        for (index, line) in lines.enumerated() {
            if index == 1 { content += "/F1 11 Tf\n" }
            content += "(\(Self.escaped(line))) Tj T*\n"
        }
        content += "ET\n"
        let stream = Self.latin1(content)
        let objects: [[UInt8]] = [
            Array("<< /Type /Catalog /Pages 2 0 R >>".utf8),
            Array("<< /Type /Pages /Kids [3 0 R] /Count 1 >>".utf8),
            Array(
                ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                    + "/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>").utf8
            ),
            Array("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".utf8),
            Array("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>".utf8),
            Array("<< /Length \(stream.count) >>\nstream\n".utf8) + stream + Array("endstream".utf8),
            Self.latin1(
                "<< /Title (\(Self.escaped("LOA-CFA \(portId)"))) /Producer (dxlocal) "
                    + "/CreationDate (D:\(Self.compact(issuedAt))Z) >>"
            ),
        ]
        var document = Array("%PDF-1.4\n%\u{E2}\u{E3}\u{CF}\u{D3}\n".unicodeScalars.map { UInt8($0.value) })
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(document.count)
            document += Array("\(index + 1) 0 obj\n".utf8) + object + Array("\nendobj\n".utf8)
        }
        let table = document.count
        var trailer = "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            let digits = String(offset)
            trailer += String(repeating: "0", count: max(0, 10 - digits.count)) + digits + " 00000 n \n"
        }
        trailer += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R /Info 7 0 R >>\nstartxref\n\(table)\n%%EOF\n"
        document += Array(trailer.utf8)
        return Data(document)
    }

    /// A PDF string's text: backslashes and parentheses escaped, controls and characters beyond Latin-1 (which the
    /// fonts' encoding lacks) as `?`.
    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "(", ")": result += "\\" + String(scalar)
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value > 0xFF:
                result += "?"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Latin-1 bytes of text made of scalars below 256 (as `escaped` leaves it).
    static func latin1(_ text: String) -> [UInt8] {
        text.unicodeScalars.map { $0.value <= 0xFF ? UInt8(truncatingIfNeeded: $0.value) : 0x3F }
    }

    /// `2027-01-15`: the date of `ISO8601Timestamp`'s `2027-01-15T08:00:00Z`.
    static func day(_ date: Date) -> String {
        String(ISO8601Timestamp.string(from: date).prefix(10))
    }

    /// `08:00:00`.
    static func time(_ date: Date) -> String {
        String(ISO8601Timestamp.string(from: date).dropFirst(11).prefix(8))
    }

    /// `20270115080000`: PDF's date digits.
    static func compact(_ date: Date) -> String {
        String(ISO8601Timestamp.string(from: date).filter(\.isNumber))
    }
}
