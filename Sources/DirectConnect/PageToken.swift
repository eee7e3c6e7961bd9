import AWSJSONProtocol
import Foundation
import Storage

/// Opaque `nextToken`s (SPEC 1): keyset cursors (the last item served), so pages stay stable under concurrent writes,
/// sealed under the master key and bound to the caller's account and region and to the listing. A token tells
/// nothing of what it holds, cannot be made up or edited, and serves no other caller or listing; every instance on
/// one store holds the same key ring, so a token from one instance serves on the next.
package struct PageToken: Sendable {
    /// The most items one page holds when the caller asks for more.
    package static let maximumPageSize = 100
    /// The length of a key ID (`SecretSealer.keyId`) at the start of a token's bytes.
    private static let keyIdLength = 16

    let sealer: SecretSealer

    /// The token that resumes `listing` after `cursor` (one or more strings without NUL).
    func token(after cursor: [String], listing: String, in scope: Scope) throws -> String {
        let plaintext = Data(cursor.joined(separator: "\u{0}").utf8)
        let (sealed, keyId) = try sealer.seal(plaintext, context: Self.context(listing, scope))
        return (Data(keyId.utf8) + sealed).base64EncodedString()
    }

    /// The cursor a token holds, or `nil` when it is not a token of `listing` for this caller.
    func cursor(from token: String, listing: String, in scope: Scope) -> [String]? {
        guard let bytes = Data(base64Encoded: token), bytes.count > Self.keyIdLength,
            let keyId = String(data: bytes.prefix(Self.keyIdLength), encoding: .utf8),
            let plaintext = try? sealer.open(
                bytes.dropFirst(Self.keyIdLength),
                keyId: keyId,
                context: Self.context(listing, scope)
            )
        else { return nil }
        return String(decoding: plaintext, as: UTF8.self).split(separator: "\u{0}", omittingEmptySubsequences: false)
            .map(String.init)
    }

    private static func context(_ listing: String, _ scope: Scope) -> String {
        "nextToken|\(listing)|\(scope.account)|\(scope.region)"
    }

    /// The page a Direct Connect request asks for. One extra item is fetched to learn whether another page follows.
    func request(list: String, maxResults: Int?, nextToken: String?, in scope: Scope) throws -> PageRequest {
        var after: String?
        if let nextToken {
            guard let cursor = cursor(from: nextToken, listing: list, in: scope), cursor.count == 1,
                let id = cursor.first, !id.isEmpty
            else { throw AWSError.client("The nextToken is not valid") }
            after = id
        }
        guard let maxResults else { return PageRequest(after: after, limit: nil) }
        guard maxResults >= 1 else {
            throw AWSError.client("maxResults must be at least 1")
        }
        return PageRequest(after: after, limit: min(maxResults, Self.maximumPageSize) + 1)
    }

    /// Cuts the extra item off and makes the token that resumes after the page.
    func finish<T>(
        _ items: [T],
        request: PageRequest,
        list: String,
        in scope: Scope,
        id: (T) -> String
    ) throws -> ([T], String?) {
        guard let limit = request.limit, items.count >= limit else { return (items, nil) }
        let page = Array(items.prefix(limit - 1))
        guard let last = page.last else { return (page, nil) }
        return (page, try token(after: [id(last)], listing: list, in: scope))
    }
}
