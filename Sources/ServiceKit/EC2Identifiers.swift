import AWSJSONProtocol

/// EC2's resource IDs: a prefix and 17 lower-case hex digits (`vpc-0a1b2c3d4e5f67890`).
package enum EC2Identifiers {
    static let hexDigits = Array("0123456789abcdef")

    package static func make(_ prefix: String) -> String {
        prefix + "-" + RandomText.string(17, from: hexDigits)
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
