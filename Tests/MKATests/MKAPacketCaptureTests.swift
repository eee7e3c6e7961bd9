import AWSJSONProtocol
import Foundation
import Testing

@testable import MKA

/// The frames of a link, as a pcap, read by tshark (Debian's, which `scripts/test` installs): every frame an MKPDU
/// of EAPOL-MKA with its CKN, its sets decoded, and no malformed packet or warning (`reference/mka.md` §2.4).
@Suite struct MKAPacketCaptureTests {
    static func tshark(_ arguments: [String]) throws -> String {
        let candidates = ["/usr/bin/tshark", "/usr/local/bin/tshark"]
        let path = try #require(
            candidates.first { FileManager.default.isExecutableFile(atPath: $0) },
            "tshark is needed (Debian's tshark): scripts/test installs it"
        )
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    @Test(arguments: [MKPDU.CipherSuite.gcmAES256, .gcmAESXPN256])
    func tsharkDecodesEveryMKPDUOfARotation(suite: MKPDU.CipherSuite) throws {
        var scene = MKALinkTests.Scene()
        try scene.keys(.device, [MKALinkTests.key(1)], suites: [suite])
        try scene.keys(.customer, [MKALinkTests.key(1)], suites: [suite])
        try scene.run(for: 3)
        try scene.keys(.device, [MKALinkTests.key(1), MKALinkTests.key(2)], suites: [suite])
        try scene.keys(.customer, [MKALinkTests.key(2)], suites: [suite])
        try scene.run(for: 5)
        #expect(scene.link.isSecured)
        let frames = scene.link.sent.map { (at: $0.at, frame: $0.frame) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mka-\(UUID().uuidString).pcap")
        try Data(PacketCapture.file(frames)).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let fields = try Self.tshark([
            "-r", file.path, "-T", "fields", "-E", "separator=|",
            "-e", "_ws.col.Protocol", "-e", "mka.cak_name", "-e", "mka.distributed_sak_set", "-e", "mka.xpn_set",
        ])
        let rows = fields.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false) }
        #expect(rows.count == frames.count)
        let ckns = Set([MKALinkTests.key(1).ckn, MKALinkTests.key(2).ckn].map(MKACryptoTests.text))
        for row in rows {
            #expect(row.first == "EAPOL-MKA")
            #expect(row.count > 1 && ckns.contains(String(row[1])))
        }
        // A SAK was distributed, and under XPN the XPN set went with it.
        #expect(rows.contains { $0.count > 2 && !$0[2].isEmpty })
        #expect(rows.contains { $0.count > 3 && !$0[3].isEmpty } == suite.isExtendedPacketNumbering)
        let detail = try Self.tshark(["-r", file.path, "-V"])
        #expect(!detail.contains("Malformed") && !detail.contains("ndecoded") && !detail.contains("nexpected"))
        #expect(!detail.contains("Expert Info (Warning") && !detail.contains("Expert Info (Error"))
        #expect(detail.contains("GCM-AES-\(suite.isExtendedPacketNumbering ? "XPN-" : "")256"))
    }
}
