import AWSJSONProtocol
import ServiceKit
import Storage

/// IDs, ARNs and device names, all random where the real service's are, never derived from names or time.
package enum Identifiers {
    package static let connectionPrefix = "dxcon-"
    package static let lagPrefix = "dxlag-"

    private static let lowerAlphanumerics = Array("abcdefghijklmnopqrstuvwxyz0123456789")

    package static func newConnectionId() -> String {
        connectionPrefix + RandomText.string(8, from: lowerAlphanumerics)
    }
    package static func newLagId() -> String { lagPrefix + RandomText.string(8, from: lowerAlphanumerics) }

    /// `dxcon-` or `dxlag-` followed by eight lower-case letters or digits.
    package static func isWellFormed(_ id: String) -> Bool {
        isWellFormed(id, prefix: connectionPrefix) || isWellFormed(id, prefix: lagPrefix)
    }

    /// `prefix` (`dxcon-`, `dxlag-`, `dxvif-`) followed by eight lower-case letters or digits.
    package static func isWellFormed(_ id: String, prefix: String) -> Bool {
        guard id.hasPrefix(prefix) else { return false }
        let body = id.dropFirst(prefix.count)
        return body.count == 8 && body.allSatisfy { lowerAlphanumerics.contains($0) }
    }

    /// `8-4-4-4-12` lower-case hexadecimal digits, as the service's gateway, association and proposal IDs.
    package static func isLowercaseUUID(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12]
            && groups.allSatisfy { $0.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) } }
    }

    /// An ID as an error message may repeat it: a caller's over-long value is cut, never echoed whole.
    package static func quoted(_ id: String) -> String {
        id.count <= 256 ? id : String(id.prefix(256)) + "..."
    }

    /// The `ownerAccount` of an allocation (a hosted connection's, a hosted interface's): 12 digits.
    package static func checkOwnerAccount(_ owner: String) throws {
        guard owner.count == 12, owner.allSatisfy({ ("0"..."9").contains($0) }) else {
            throw AWSError.client("ownerAccount \(quoted(owner)) is not a valid account ID: use 12 digits")
        }
    }

    /// A device name on the location's routers, as `EqDC2-2nfhqv8ty0dp`.
    package static func newDeviceName(location: String) -> String {
        "\(location)-\(RandomText.string(13, from: lowerAlphanumerics))"
    }

    package static func connectionARN(_ id: String, in scope: Scope) -> String {
        "arn:aws:directconnect:\(scope.region):\(scope.account):dxcon/\(id)"
    }

    package static func lagARN(_ id: String, in scope: Scope) -> String {
        "arn:aws:directconnect:\(scope.region):\(scope.account):dxlag/\(id)"
    }

    /// A Direct Connect gateway's ARN: global, so without a region (reference §1.4).
    package static func gatewayARN(_ id: String, account: String) -> String {
        "arn:aws:directconnect::\(account):dx-gateway/\(id)"
    }

    /// The gateway ID an ARN of the account names, or `nil` when it is not a gateway ARN of the account.
    package static func gatewayId(fromARN arn: String, account: String) -> String? {
        let prefix = gatewayARN("", account: account)
        guard arn.hasPrefix(prefix), arn.count > prefix.count else { return nil }
        return String(arn.dropFirst(prefix.count))
    }

    /// A Direct Connect ARN with no account (`arn:aws:directconnect:us-east-1::dxcon/...`) as one of `account`'s;
    /// any other ARN as it is. Terraform's AWS provider builds the ARNs it tags and reads tags by from the account it
    /// knows, and with `skip_requesting_account_id` (as emulators are configured) it knows none (our choice: the
    /// caller's account stands in, as the caller is the only account that could have meant it).
    package static func withCallerAccount(_ arn: String, account: String) -> String {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "directconnect", parts[4].isEmpty else { return arn }
        return parts[0..<4].joined(separator: ":") + ":\(account):" + parts[5]
    }

    /// The resource ID an ARN of this scope names, or `nil` when it is not a Direct Connect ARN of this scope.
    package static func resourceId(fromARN arn: String, in scope: Scope) -> String? {
        let prefix = "arn:aws:directconnect:\(scope.region):\(scope.account):"
        guard arn.hasPrefix(prefix) else { return nil }
        let resource = arn.dropFirst(prefix.count)
        for kind in ["dxcon/", "dxlag/"] where resource.hasPrefix(kind) {
            let id = String(resource.dropFirst(kind.count))
            return isWellFormed(id) && id.hasPrefix(kind == "dxcon/" ? connectionPrefix : lagPrefix) ? id : nil
        }
        return nil
    }

    /// The virtual interface ID an ARN of this scope names (`...:dxvif/dxvif-...`), or `nil`.
    package static func interfaceId(fromARN arn: String, in scope: Scope) -> String? {
        let prefix = "arn:aws:directconnect:\(scope.region):\(scope.account):dxvif/"
        guard arn.hasPrefix(prefix) else { return nil }
        let id = String(arn.dropFirst(prefix.count))
        return isWellFormed(id, prefix: "dxvif-") ? id : nil
    }

    package static func interfaceARN(_ id: String, in scope: Scope) -> String {
        "arn:aws:directconnect:\(scope.region):\(scope.account):dxvif/\(id)"
    }

    /// The name of the secret Direct Connect manages for a CKN.
    package static func macSecSecretName(ckn: String, region: String) -> String {
        String(concatenating: "directconnect!prod/", region, "/directconnect/", ckn)
    }
}
