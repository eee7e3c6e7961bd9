import Foundation
import Logging
import Testing

@testable import DXServer

/// `--log-format json`: every line is one JSON object, whatever its message and metadata hold.
@Suite struct LogLineTests {
    @Test func aLineIsOneJSONObjectWithItsMetadataTyped() throws {
        let line = StandardErrorLogHandler.jsonLine(
            time: Date(timeIntervalSince1970: 1_800_000_000.25),
            level: .debug,
            message: "a \"quoted\"\nmessage\u{0}",
            logger: "dxlocal",
            metadata: [
                "status": .stringConvertible(400),
                "durationMs": .stringConvertible(1.5),
                "path": "/_dxlocal/\u{7}",
                "list": .array(["a", .stringConvertible(2)]),
                "nested": .dictionary(["k": "v"]),
                "level": "not the level",
            ]
        )
        #expect(!line.contains(UInt8(ascii: "\n")))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(object["time"] as? String == "2027-01-15T08:00:00.250Z")
        #expect(object["level"] as? String == "debug")
        #expect(object["message"] as? String == "a \"quoted\"\nmessage\u{0}")
        #expect(object["status"] as? Int == 400)
        #expect(object["durationMs"] as? Double == 1.5)
        #expect(object["path"] as? String == "/_dxlocal/\u{7}")
        #expect((object["list"] as? [Any])?.count == 2)
        #expect((object["nested"] as? [String: String]) == ["k": "v"])
    }
}
