/// The (account, region) pair every resource lives in; a resource is invisible from every other scope. A global
/// resource (a Direct Connect gateway is one per account, seen from every region) lives in its account's global
/// scope, a scope of its own.
package struct Scope: Hashable, Sendable, Codable {
    package var account: String
    package var region: String

    package init(account: String, region: String) {
        self.account = account
        self.region = region
    }

    /// The region of global scopes: no region is spelled so, and it sorts before every region.
    package static let globalRegion = ""

    /// An account's global scope.
    package static func global(account: String) -> Scope {
        Scope(account: account, region: globalRegion)
    }

    package var isGlobal: Bool { region == Self.globalRegion }
}
