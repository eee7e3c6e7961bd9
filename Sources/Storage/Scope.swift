/// The (account, region) pair every resource lives in; a resource is invisible from every other scope.
package struct Scope: Hashable, Sendable, Codable {
    package var account: String
    package var region: String

    package init(account: String, region: String) {
        self.account = account
        self.region = region
    }
}
