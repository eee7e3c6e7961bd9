import AWSJSONProtocol
import Crypto

/// EC2's resource IDs: a prefix and 17 lower-case hex digits (`vpc-0a1b2c3d4e5f67890`).
package enum EC2Identifiers {
    static let hexDigits = Array("0123456789abcdef")

    package static func make(_ prefix: String) -> String {
        prefix + "-" + RandomText.string(17, from: hexDigits)
    }

    /// An ID of `prefix` that `owner` (another resource's ID) always gives: the first 17 hex digits of the SHA-256 of
    /// both. For the resources EC2 makes with another and dxlocal does not store (a VPC's main route table).
    package static func derived(_ prefix: String, from owner: String) -> String {
        let digest = SHA256.hash(data: Array((prefix + ":" + owner).utf8))
        let digits = digest.lazy.flatMap { [hexDigits[Int($0 >> 4)], hexDigits[Int($0 & 0x0f)]] }.prefix(17)
        return prefix + "-" + String(digits)
    }

    /// Whether `id` is `prefix-` and 8 or 17 lower-case hex digits (EC2's short and long forms).
    package static func isWellFormed(_ id: String, prefix: String) -> Bool {
        guard id.hasPrefix(prefix + "-") else { return false }
        let digits = id.dropFirst(prefix.count + 1)
        return (digits.count == 8 || digits.count == 17)
            && digits.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }

    /// EC2's `<Kind>ID.Malformed` when `id` is not an ID of `prefix`, naming what it expects.
    package static func requireWellFormed(_ id: String, prefix: String, code: String) throws {
        guard isWellFormed(id, prefix: prefix) else {
            throw AWSError(
                code: code,
                message: "Invalid id: \"\(id.prefix(64))\" (expecting \"\(prefix)-...\")",
                status: 400
            )
        }
    }
}
