import AWSJSONProtocol
import DirectConnect
import DirectConnectModel
import Foundation
import Storage
import Testing

/// Tags by ARN (with their limits) and paginated lists (SPEC section 1).
@Suite struct TagAndPaginationTests {
    static func tags(_ range: ClosedRange<Int>, prefix: String = "k") -> [Tag] {
        range.map { Tag(key: "\(prefix)\($0)", value: "v\($0)") }
    }

    static func connectionARN(_ id: String, in scope: Scope = Fixture.scope) -> String {
        "arn:aws:directconnect:\(scope.region):\(scope.account):dxcon/\(id)"
    }

    static func lagARN(_ id: String, in scope: Scope = Fixture.scope) -> String {
        "arn:aws:directconnect:\(scope.region):\(scope.account):dxlag/\(id)"
    }

    func tag(_ f: Fixture, _ arn: String, _ tags: [Tag], in scope: Scope = Fixture.scope) async throws {
        _ = try await f.service.tagResource(TagResourceRequest(resourceArn: arn, tags: tags), in: scope)
    }

    func describeTags(_ f: Fixture, _ arns: [String], in scope: Scope = Fixture.scope) async throws -> [ResourceTag] {
        try await f.service.describeTags(DescribeTagsRequest(resourceArns: arns), in: scope).resourceTags ?? []
    }

    // MARK: Tags

    @Test func duplicateTagKeysAreRefused() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            try await tag(f, Self.connectionARN(id), [Tag(key: "keep", value: "1")])
            try await f.expectRefusal("DuplicateTagKeysException", mentioning: ["dup"]) {
                try await tag(f, Self.connectionARN(id), [Tag(key: "dup", value: "a"), Tag(key: "dup", value: "b")])
            }
            try await f.expectRefusal("DuplicateTagKeysException", mentioning: ["dup"]) {
                try await f.createConnection(tags: [Tag(key: "dup", value: "a"), Tag(key: "dup", value: "b")])
            }
        }
    }

    @Test func fiftyOneTagsAreRefused() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let (lagId, _) = try await f.lagIds()
            try await f.expectRefusal("TooManyTagsException", mentioning: ["50"]) {
                try await tag(f, Self.connectionARN(id), Self.tags(1...51))
            }
            try await f.expectRefusal("TooManyTagsException", mentioning: ["50"]) {
                try await tag(f, Self.lagARN(lagId), Self.tags(1...51))
            }
            try await f.expectRefusal("TooManyTagsException", mentioning: ["50"]) {
                try await f.createConnection(tags: Self.tags(1...51))
            }
            // Fifty is the limit, not beyond it.
            try await tag(f, Self.connectionARN(id), Self.tags(1...50))
            #expect(try await f.connection(id).tags?.count == 50)
        }
    }

    @Test func tagsBeyondFiftyWithTheExistingOnesAreRefused() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            try await tag(f, Self.connectionARN(id), Self.tags(1...30))
            try await f.expectRefusal("TooManyTagsException", mentioning: [id, "50"]) {
                try await tag(f, Self.connectionARN(id), Self.tags(1...21, prefix: "new"))
            }
            #expect(try await f.connection(id).tags?.count == 30)
            // Overwriting existing keys does not count twice.
            try await tag(f, Self.connectionARN(id), Self.tags(11...30) + Self.tags(1...20, prefix: "new"))
            #expect(try await f.connection(id).tags?.count == 50)
        }
    }

    @Test func tagsAreSetUntaggedAndDescribedByARN() async throws {
        try await Fixture.run { f in
            let id = try await f.connectionId()
            let (lagId, _) = try await f.lagIds()
            try await tag(f, Self.connectionARN(id), [Tag(key: "a", value: "1"), Tag(key: "b", value: "2")])
            try await tag(f, Self.connectionARN(id), [Tag(key: "a", value: "one")])
            try await tag(f, Self.lagARN(lagId), [Tag(key: "team", value: "net")])
            let described = try await describeTags(f, [Self.connectionARN(id), Self.lagARN(lagId)])
            #expect(
                described == [
                    ResourceTag(
                        resourceArn: Self.connectionARN(id),
                        tags: [Tag(key: "a", value: "one"), Tag(key: "b", value: "2")]
                    ),
                    ResourceTag(resourceArn: Self.lagARN(lagId), tags: [Tag(key: "team", value: "net")]),
                ]
            )
            _ = try await f.service.untagResource(
                UntagResourceRequest(resourceArn: Self.connectionARN(id), tagKeys: ["a", "absent"]),
                in: f.scope
            )
            #expect(try await describeTags(f, [Self.connectionARN(id)]).first?.tags == [Tag(key: "b", value: "2")])
            #expect(try await f.connection(id).tags == [Tag(key: "b", value: "2")])
            #expect(try await f.lag(lagId).tags == [Tag(key: "team", value: "net")])
        }
    }

    @Test func resourceOfAnotherScopeIsNotFoundByARN() async throws {
        try await Fixture.run { f in
            let theirs = try await f.connectionId(in: Fixture.otherAccount)
            let theirARN = Self.connectionARN(theirs, in: Fixture.otherAccount)
            let scopes = [Fixture.scope, Fixture.otherAccount]
            // Their ARN, asked from our scope.
            try await f.expectRefusal(mentioning: [theirs], scopes: scopes) {
                try await describeTags(f, [theirARN])
            }
            try await f.expectRefusal(mentioning: [theirs], scopes: scopes) {
                try await tag(f, theirARN, [Tag(key: "x", value: "y")])
            }
            // Their ID dressed in our ARN: still not ours.
            try await f.expectRefusal(mentioning: ["Could not find Connection with ID \(theirs)"], scopes: scopes) {
                try await describeTags(f, [Self.connectionARN(theirs)])
            }
            try await f.expectRefusal(mentioning: [theirs], scopes: scopes) {
                try await f.service.untagResource(
                    UntagResourceRequest(resourceArn: Self.connectionARN(theirs), tagKeys: ["x"]),
                    in: f.scope
                )
            }
        }
    }

    // MARK: Pagination

    @Test func pagesVisitEveryConnectionOnceInIdOrder() async throws {
        try await Fixture.run { f in
            var ids: [String] = []
            for _ in 1...5 { ids.append(try await f.connectionId()) }
            var seen: [String] = []
            var token: String?
            var pages = 0
            repeat {
                let page = try await f.service.describeConnections(
                    DescribeConnectionsRequest(maxResults: 2, nextToken: token),
                    in: f.scope
                )
                let connections = page.connections ?? []
                #expect(connections.count <= 2)
                seen += connections.compactMap(\.connectionId)
                token = page.nextToken
                pages += 1
            } while token != nil && pages < 10
            #expect(seen == ids.sorted())
            #expect(pages == 3)
            // Without maxResults everything comes in one answer.
            let all = try await f.service.describeConnections(DescribeConnectionsRequest(), in: f.scope)
            #expect(all.connections?.compactMap(\.connectionId) == ids.sorted())
            #expect(all.nextToken == nil)
        }
    }

    @Test func pagesVisitEveryLagOnceInIdOrder() async throws {
        try await Fixture.run { f in
            var ids: [String] = []
            for _ in 1...3 { ids.append(try await f.lagIds(members: 1).lag) }
            var seen: [String] = []
            var token: String?
            var pages = 0
            repeat {
                let page = try await f.service.describeLags(
                    DescribeLagsRequest(maxResults: 2, nextToken: token),
                    in: f.scope
                )
                seen += (page.lags ?? []).compactMap(\.lagId)
                token = page.nextToken
                pages += 1
            } while token != nil && pages < 10
            #expect(seen == ids.sorted())
            #expect(pages == 2)
        }
    }

    @Test func pagesStayStableWhenConnectionsChangeBetweenPages() async throws {
        try await Fixture.run { f in
            var ids: [String] = []
            for _ in 1...6 { ids.append(try await f.connectionId()) }
            ids.sort()
            let first = try await f.service.describeConnections(DescribeConnectionsRequest(maxResults: 2), in: f.scope)
            var seen = (first.connections ?? []).compactMap(\.connectionId)
            #expect(seen == Array(ids.prefix(2)))
            var token = try #require(first.nextToken)
            // The last item served disappears and new ones arrive: the cursor still resumes after it.
            _ = try await f.service.deleteConnection(DeleteConnectionRequest(connectionId: ids[1]), in: f.scope)
            var added: [String] = []
            for _ in 1...3 { added.append(try await f.connectionId()) }
            var pages = 1
            while pages < 20 {
                let page = try await f.service.describeConnections(
                    DescribeConnectionsRequest(maxResults: 2, nextToken: token),
                    in: f.scope
                )
                seen += (page.connections ?? []).compactMap(\.connectionId)
                pages += 1
                guard let next = page.nextToken else { break }
                token = next
            }
            #expect(Set(seen).count == seen.count, "an item was served twice: \(seen)")
            #expect(seen == seen.sorted())
            // Every original item after the cursor is served; new ones only if they sort after it.
            #expect(seen == (Array(ids.prefix(2)) + (ids.dropFirst(2) + added.filter { $0 > ids[1] })).sorted())
        }
    }

    @Test(arguments: ["not a token", "", "djF8Y29ubmVjdGlvbnM=", "djJ8Y29ubmVjdGlvbnN8ZHhjb24tYWFhYWFhYWE="])
    func invalidTokenIsRefused(_ token: String) async throws {
        try await Fixture.run { f in
            for _ in 1...3 { _ = try await f.connectionId() }
            try await f.expectRefusal(mentioning: ["nextToken"]) {
                try await f.service.describeConnections(
                    DescribeConnectionsRequest(maxResults: 1, nextToken: token),
                    in: f.scope
                )
            }
        }
    }

    @Test func tokenOfTheLagsListIsRefusedForConnections() async throws {
        try await Fixture.run { f in
            for _ in 1...2 { _ = try await f.lagIds(members: 1) }
            let lags = try await f.service.describeLags(DescribeLagsRequest(maxResults: 1), in: f.scope)
            let token = try #require(lags.nextToken)
            try await f.expectRefusal(mentioning: ["nextToken"]) {
                try await f.service.describeConnections(
                    DescribeConnectionsRequest(maxResults: 1, nextToken: token),
                    in: f.scope
                )
            }
            // The token is good where it came from.
            let next = try await f.service.describeLags(
                DescribeLagsRequest(maxResults: 1, nextToken: token),
                in: f.scope
            )
            #expect(next.lags?.count == 1)
        }
    }

    @Test func aTokenRevealsNothingAndCannotBeForged() async throws {
        try await Fixture.run { f in
            var ids: [String] = []
            for _ in 1...3 { ids.append(try await f.connectionId()) }
            let first = try await f.service.describeConnections(DescribeConnectionsRequest(maxResults: 1), in: f.scope)
            let token = try #require(first.nextToken)
            let served = try #require(first.connections?.first?.connectionId)
            let bytes = try #require(Data(base64Encoded: token))
            #expect(!token.contains(served))
            #expect(bytes.range(of: Data(served.utf8)) == nil, "the token holds the last ID in plain text")
            // What a token looked like before it was sealed, naming a real ID: refused.
            let forged = Data("v1|connections|\(served)".utf8).base64EncodedString()
            // One bit changed anywhere in the sealed part: refused.
            var flipped = bytes
            flipped[flipped.count - 1] ^= 1
            for bad in [forged, flipped.base64EncodedString()] {
                try await f.expectRefusal(mentioning: ["nextToken"]) {
                    try await f.service.describeConnections(
                        DescribeConnectionsRequest(maxResults: 1, nextToken: bad),
                        in: f.scope
                    )
                }
            }
        }
    }

    @Test(arguments: [Fixture.otherAccount, Fixture.otherRegion])
    func aTokenServesOnlyItsOwnAccountAndRegion(_ other: Scope) async throws {
        try await Fixture.run { f in
            for _ in 1...3 { _ = try await f.connectionId() }
            let location = other.region == "us-east-1" ? "EqDC2" : "EqSV5"
            for _ in 1...3 { _ = try await f.connectionId(location: location, in: other) }
            let first = try await f.service.describeConnections(DescribeConnectionsRequest(maxResults: 1), in: f.scope)
            let token = try #require(first.nextToken)
            try await f.expectRefusal(mentioning: ["nextToken"], scopes: [f.scope, other]) {
                try await f.service.describeConnections(
                    DescribeConnectionsRequest(maxResults: 1, nextToken: token),
                    in: other
                )
            }
            let next = try await f.service.describeConnections(
                DescribeConnectionsRequest(maxResults: 1, nextToken: token),
                in: f.scope
            )
            #expect(next.connections?.count == 1)
        }
    }

    @Test(arguments: [0, -1])
    func maxResultsBelowOneIsRefused(_ maxResults: Int) async throws {
        try await Fixture.run { f in
            _ = try await f.connectionId()
            try await f.expectRefusal(mentioning: ["maxResults"]) {
                try await f.service.describeConnections(DescribeConnectionsRequest(maxResults: maxResults), in: f.scope)
            }
        }
    }
}
