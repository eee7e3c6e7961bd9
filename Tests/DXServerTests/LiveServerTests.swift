import DXServer
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOFoundationCompat
import Testing

/// The real HTTP server on port 0, spoken to over a socket.
@Suite struct LiveServerTests {
    static let ckn = String(repeating: "ab", count: 32)
    static let cak = String(repeating: "cd", count: 32)

    @Test func theMacSecKeyLifecycleWorksOverHTTP() async throws {
        try await ServerFixture.with { fixture in
            try await fixture.app.test(.live) { client in
                #expect(client.port != nil)
                let created = try await client.call(
                    "CreateConnection",
                    #"{"location":"EqDC2","bandwidth":"10Gbps","connectionName":"live","requestMACSec":true}"#
                )
                #expect(created.status == 200)
                #expect(created.json["connectionState"] as? String == "requested")
                let id = try #require(created.json["connectionId"] as? String)
                let associated = try await client.call(
                    "AssociateMacSecKey",
                    #"{"connectionId":"\#(id)","ckn":"\#(Self.ckn)","cak":"\#(Self.cak)"}"#
                )
                #expect(associated.status == 200)
                let keys = try #require(associated.json["macSecKeys"] as? [[String: Any]])
                let arn = try #require(keys.last?["secretARN"] as? String)
                // SPEC 4: answered associating; the described key below is associated (settle time 0).
                #expect(keys.last?["state"] as? String == "associating")
                let raw = try JSONSerialization.data(withJSONObject: associated.json)
                #expect(!String(decoding: raw, as: UTF8.self).contains(Self.cak))

                let described = try await client.call("DescribeConnections", #"{"connectionId":"\#(id)"}"#)
                let connection = try #require((described.json["connections"] as? [[String: Any]])?.first)
                #expect(connection["portEncryptionStatus"] as? String == "Encryption Up")
                #expect((connection["macSecKeys"] as? [[String: Any]])?.last?["state"] as? String == "associated")

                let removed = try await client.call(
                    "DisassociateMacSecKey",
                    #"{"connectionId":"\#(id)","secretARN":"\#(arn)"}"#
                )
                #expect(removed.status == 200)
                #expect(
                    (removed.json["macSecKeys"] as? [[String: Any]])?.first?["state"] as? String == "disassociating"
                )
                let deleted = try await client.call("DeleteConnection", #"{"connectionId":"\#(id)"}"#)
                #expect(deleted.json["connectionState"] as? String == "deleted")
                let gone = try await client.call("DescribeConnections", #"{"connectionId":"\#(id)"}"#)
                #expect(gone.status == 400)
                #expect((gone.json["message"] as? String)?.contains("Could not find Connection with ID \(id)") == true)
            }
        }
    }
}
