import AWSSigV4
import Storage

/// Decides the (account, region) a request acts in, from its SigV4 credential scope (SPEC section 1).
package struct CallerResolver: Sendable {
    package static let defaultAccount = "123456789012"
    package static let defaultRegion = "us-east-1"

    /// Access key IDs the operator maps to accounts; any other key that is not 12 digits maps to the default.
    package var accounts: [String: String]

    package init(accounts: [String: String] = [:]) {
        self.accounts = accounts
    }

    package func scope(authorization: String?) -> Scope {
        guard let authorization, let credential = SigV4CredentialScope(authorization: authorization) else {
            return Scope(account: Self.defaultAccount, region: Self.defaultRegion)
        }
        return Scope(account: account(forAccessKey: credential.accessKeyId), region: credential.region)
    }

    /// A 12-digit access key ID is itself the account ID (the convention moto and LocalStack share).
    package func account(forAccessKey key: String) -> String {
        if Self.isAccountID(key) { return key }
        return accounts[key] ?? Self.defaultAccount
    }

    /// Whether `text` has the form of an account ID: 12 digits.
    static func isAccountID(_ text: String) -> Bool {
        text.utf8.count == 12 && text.utf8.allSatisfy { (0x30...0x39).contains($0) }
    }
}
