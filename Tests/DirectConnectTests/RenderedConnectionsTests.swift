import AWSJSONProtocol
import DirectConnect
import DirectConnectModel
import Foundation
import NIOCore
import ServiceKit
import Testing

/// DescribeConnections as the server answers it (rendered, from the render cache where it can) says exactly what the
/// typed answer says, as connections change and as time passes through their transitions.
@Suite struct RenderedConnectionsTests {
    /// The JSON with sorted keys. A page token is sealed with a fresh nonce each time, so two equal answers carry
    /// different tokens: it reads as `<token>` here, and `renderedPagesAgree` follows both tokens instead.
    static func canonical(_ bytes: [UInt8]) throws -> String {
        var object = try JSONSerialization.jsonObject(with: Data(bytes))
        if var answer = object as? [String: Any], answer["nextToken"] != nil {
            answer["nextToken"] = "<token>"
            object = answer
        }
        return String(
            decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
            as: UTF8.self
        )
    }

    /// Both answers, twice (the second time from the cache), are the same JSON.
    static func expectAgreement(
        _ f: Fixture,
        _ request: DescribeConnectionsRequest = DescribeConnectionsRequest(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let typed = try canonical(AWSJSONWriter.bytes(try await f.service.describeConnections(request, in: f.scope)))
        for _ in 0..<2 {
            let rendered = try await f.service.describeConnectionsRendered(request, in: f.scope)
            let whole = AWSJSONWriter.bytes(rendered)
            #expect(try canonical(whole) == typed, sourceLocation: sourceLocation)
            // Sent in chunks, the text is the same, and as long as announced.
            for size in [1, 300, 64 * 1024] {
                var chunked: [UInt8] = []
                try await rendered.writeJSON(inChunksOf: size) { chunked += Array($0.readableBytesView) }
                #expect(chunked == whole, sourceLocation: sourceLocation)
            }
            #expect(rendered.jsonByteCount == whole.count, sourceLocation: sourceLocation)
        }
    }

    @Test func renderedAnswersFollowChangesAndTime() async throws {
        try await Fixture.run(settleTime: 5) { f in
            let plain = try await f.connectionId()
            let other = try await f.connectionId()
            let (lagId, members) = try await f.lagIds()
            try await Self.expectAgreement(f)
            f.clock.advance(by: 5)
            try await Self.expectAgreement(f)
            try await f.associateKey(1, on: plain)
            try await f.associateKey(2, on: lagId)
            try await Self.expectAgreement(f)
            f.clock.advance(by: 2.5)
            try await Self.expectAgreement(f)
            f.clock.advance(by: 2.5)
            try await Self.expectAgreement(f)
            _ = try await f.service.updateLag(
                UpdateLagRequest(lagId: lagId, encryptionMode: "must_encrypt"),
                in: f.scope
            )
            try await Self.expectAgreement(f)
            try await Self.expectAgreement(f, DescribeConnectionsRequest(connectionId: members[0]))
            let key = try #require(try await f.keys(of: plain).first?.secretARN)
            try await f.disassociate(plain, secretARN: key)
            try await Self.expectAgreement(f)
            f.clock.advance(by: 5)
            try await Self.expectAgreement(f)
            _ = try await f.service.deleteConnection(DeleteConnectionRequest(connectionId: other), in: f.scope)
            try await Self.expectAgreement(f)
            try await Self.expectAgreement(f, DescribeConnectionsRequest(connectionId: plain))
        }
    }

    @Test func renderedPagesAgree() async throws {
        try await Fixture.run { f in
            for _ in 0..<5 { _ = try await f.connectionId() }
            var token: String?
            var pages = 0
            repeat {
                let request = DescribeConnectionsRequest(maxResults: 2, nextToken: token)
                try await Self.expectAgreement(f, request)
                token = try await f.service.describeConnections(request, in: f.scope).nextToken
                // The rendered answer's token leads to the same next page as the typed answer's.
                let rendered = try await f.service.describeConnectionsRendered(request, in: f.scope)
                let json = try JSONSerialization.jsonObject(with: Data(AWSJSONWriter.bytes(rendered)))
                let renderedToken = (json as? [String: Any])?["nextToken"] as? String
                #expect((renderedToken == nil) == (token == nil))
                if let token, let renderedToken {
                    let next = { (token: String) in
                        try await f.service.describeConnections(
                            DescribeConnectionsRequest(maxResults: 2, nextToken: token),
                            in: f.scope
                        ).connections?.map(\.connectionId)
                    }
                    #expect(try await next(renderedToken) == (try await next(token)))
                }
                pages += 1
            } while token != nil
            #expect(pages == 3)
            try await Self.expectAgreement(f)
        }
    }
}
