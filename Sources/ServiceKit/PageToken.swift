import Foundation
import Storage

/// Opaque `nextToken`s (SPEC 1): keyset cursors (the last item served), so pages stay stable under concurrent writes,
/// sealed under the master key and bound to the caller's account and region and to the listing. A token tells
/// nothing of what it holds, cannot be made up or edited, and serves no other caller or listing; every instance on
/// one store holds the same key ring, so a token from one instance serves on the next.
package struct PageToken: Sendable {
    /// The length of a key ID (`SecretSealer.keyId`) at the start of a token's bytes.
    private static let keyIdLength = 16

    let sealer: SecretSealer

    package init(sealer: SecretSealer) {
        self.sealer = sealer
    }

    /// The token that resumes `listing` after `cursor` (one or more strings without NUL).
    package func token(after cursor: [String], listing: String, in scope: Scope) throws -> String {
        let plaintext = Data(cursor.joined(separator: "\u{0}").utf8)
        let (sealed, keyId) = try sealer.seal(plaintext, context: Self.context(listing, scope))
        return (Data(keyId.utf8) + sealed).base64EncodedString()
    }

    /// The cursor a token holds, or `nil` when it is not a token of `listing` for this caller.
    package func cursor(from token: String, listing: String, in scope: Scope) -> [String]? {
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
}
