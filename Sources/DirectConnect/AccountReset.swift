import Storage

/// SPEC 11's reset limited to some accounts (`{"accounts": [...]}`): every record in their scopes, and what they own
/// or are named by in other accounts' scopes, so that nothing left behind names what is gone or blocks a deletion.
package enum AccountReset {
    /// Deletes what a reset of `accounts` (every account when `nil`) removes, in `transaction`; answers how many
    /// records it deleted.
    ///
    /// Besides their scopes: the hosted interfaces they own on other accounts' connections, the proposals they made
    /// to other accounts' Direct Connect gateways, the associations of other accounts' Direct Connect gateways with
    /// their virtual private or transit gateways, the transit gateway attachments other accounts' transit gateways
    /// hold for their Direct Connect gateways, and the links into other accounts' scopes of all these; then the
    /// gateway attachments and failover tests of the interfaces it removed. A customer's hosted connection stays when its
    /// partner's account is reset (our choice): it is the customer's, readable and deletable, though its parent is
    /// gone.
    package static func run(accounts: Set<String>?, in transaction: any StoreTransaction) async throws -> Int {
        guard let accounts else { return try await transaction.deleteEveryRecord(of: StoredKinds.all, accounts: nil) }
        // The interfaces this reset removes: those in the accounts' scopes and those they own elsewhere. Only what
        // names these goes below; another account's records (a test of an interface purged long ago, an attachment
        // made meanwhile by a writer this reset never saw) stay.
        var removed: Set<String> = []
        var deleted = try await transaction.deleteEvery(VirtualInterfaceRecord.self) {
            let doomed = accounts.contains($0.scope.account) || accounts.contains($0.record.ownerAccount)
            if doomed { removed.insert($0.record.id) }
            return doomed
        }
        deleted += try await transaction.deleteEveryRecord(of: StoredKinds.all, accounts: accounts)
        deleted += try await transaction.deleteEvery(ProposalRecord.self) {
            accounts.contains($0.record.proposerAccount)
        }
        deleted += try await transaction.deleteEvery(AssociationRecord.self) {
            accounts.contains($0.record.gatewayOwnerAccount)
        }
        deleted += try await transaction.deleteEvery(TransitGatewayAttachmentRecord.self) {
            $0.record.resourceType == "direct-connect-gateway" && accounts.contains($0.record.resourceOwnerId)
        }
        // Every link outside the accounts names a record in their scopes, or one of those just deleted.
        deleted += try await transaction.deleteEvery(LinkRecord.self) { accounts.contains($0.record.ownerAccount) }
        deleted += try await transaction.deleteEvery(AttachmentRecord.self) { removed.contains($0.record.id) }
        deleted += try await transaction.deleteEvery(FailoverTestRecord.self) {
            removed.contains($0.record.virtualInterfaceId)
        }
        return deleted
    }
}
