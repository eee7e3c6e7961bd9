import AWSJSONProtocol
import DirectConnectModel
import Foundation
import Testing

@Suite struct DecodingTests {
    func decodeFailure(_ body: String) -> AWSError? {
        do {
            _ = try AWSJSONCoding.decode(DescribeConnectionsRequest.self, from: Array(body.utf8))
            return nil
        } catch {
            return error
        }
    }

    @Test func emptyBodyCountsAsAnEmptyObject() throws {
        let request = try AWSJSONCoding.decode(DescribeConnectionsRequest.self, from: [UInt8]())
        #expect(request == DescribeConnectionsRequest())
        let spaces = try AWSJSONCoding.decode(DescribeConnectionsRequest.self, from: Array("  \n".utf8))
        #expect(spaces == DescribeConnectionsRequest())
    }

    @Test(arguments: ["{", "not json", "[1,2]", "\"text\"", "{\"connectionId\": }"])
    func malformedBodyIsASerializationError(_ body: String) {
        let error = decodeFailure(body)
        #expect(error?.code == "SerializationException")
        #expect(error?.status == 400)
    }

    @Test(arguments: ["[1, 2]", "null", "5", "\"text\"", "true"])
    func anInputWithoutMembersStillTakesOnlyAnObject(_ body: String) {
        #expect(throws: AWSError.serialization("")) {
            try AWSJSONCoding.decode(EmptyShape.self, from: Array(body.utf8))
        }
    }

    @Test(arguments: ["", "{}", #"{"newerMember": [1, {"a": null}]}"#])
    func anInputWithoutMembersTakesAnyObject(_ body: String) throws {
        #expect(try AWSJSONCoding.decode(EmptyShape.self, from: Array(body.utf8)) == EmptyShape())
    }

    @Test(arguments: [
        #"{"connectionId":"a","connectionId":"b"}"#,
        #"{"connectionId":"a","connection\u0049d":"b"}"#,
        #"{"\u0063onnectionId":"a","connectionId":"b"}"#,
        #"{"tags":[{"key":"k","\u006B\u0065\u0079":"j"}]}"#,
    ])
    func aMemberTwiceIsRefusedHoweverItIsSpelled(_ body: String) {
        let error = decodeFailure(body)
        #expect(error?.code == "SerializationException")
        #expect(error?.message.contains("appears more than once") == true)
    }

    @Test func anEscapedNameIsTheMemberItSpells() throws {
        let body = #"{"connection\u0049d":"dxcon-fg31dyv6","maxResults":2,"a\"b":1,"\ud83d\ude00":2}"#
        let request = try AWSJSONCoding.decode(DescribeConnectionsRequest.self, from: Array(body.utf8))
        #expect(request.connectionId == "dxcon-fg31dyv6")
        #expect(request.maxResults == 2)
    }

    @Test func memberOfTheWrongTypeIsNamedButItsValueIsNot() {
        let error = decodeFailure(#"{"connectionId": 5}"#)
        #expect(error?.code == "SerializationException")
        #expect(error?.message.contains("connectionId") == true)
        let secret = decodeFailure(#"{"maxResults": "feedfacefeedface"}"#)
        #expect(secret?.code == "SerializationException")
        #expect(secret?.message.contains("feedface") == false)
    }

    @Test func nullMembersAreUnset() throws {
        let request = try AWSJSONCoding.decode(
            DescribeConnectionsRequest.self,
            from: Array(#"{"connectionId": null}"#.utf8)
        )
        #expect(request.connectionId == nil)
    }

    @Test func unknownMembersAreIgnored() throws {
        let request = try AWSJSONCoding.decode(
            DescribeConnectionsRequest.self,
            from: Array(#"{"connectionId": "dxcon-abcdefgh", "futureMember": [1]}"#.utf8)
        )
        #expect(request.connectionId == "dxcon-abcdefgh")
    }

    @Test func requiredMembersAreReportedNotRejectedByDecoding() throws {
        let request = try AWSJSONCoding.decode(AssociateMacSecKeyRequest.self, from: Array("{}".utf8))
        #expect(request.missingRequiredMembers == ["connectionId"])
    }

    @Test func targetsSplitAtTheLastDot() throws {
        let target = try #require(AWSTarget("OvertureService.AssociateMacSecKey"))
        #expect(target.prefix == "OvertureService")
        #expect(target.operation == "AssociateMacSecKey")
        #expect(AWSTarget("NoDot") == nil)
        #expect(AWSTarget("Prefix.") == nil)
        #expect(AWSTarget(".Operation") == nil)
    }

    @Test func requestIDsAreLowerCaseVersion4UUIDs() throws {
        var seen: Set<String> = []
        for _ in 0..<1_000 {
            let id = RequestID.make()
            let uuid = try #require(UUID(uuidString: id))
            #expect(uuid.uuidString.lowercased() == id)
            let bytes = withUnsafeBytes(of: uuid.uuid) { Array($0) }
            #expect(bytes[6] >> 4 == 4)  // version
            #expect(bytes[8] >> 6 == 0b10)  // variant
            seen.insert(id)
        }
        #expect(seen.count == 1_000)
    }
}
