import Storage
import Testing

@testable import StorageSQLite

/// A secret found by its unique name through stacked writes (the batch's, a transaction's own).
@Suite struct PendingWritesTests {
    let scope = Scope(account: "123456789012", region: "us-east-1")

    func layer(_ writes: [(String, SecretRecord?)]) -> PendingWrites {
        var layer = PendingWrites()
        for (arn, record) in writes {
            layer.records[RecordKey(SecretRecord.self, scope: scope, id: arn)] = .some(record)
        }
        return layer
    }

    @Test func theLatestLayerThatKeepsTheNameAnswers() {
        let contract = StoreContractTests()
        var first = contract.secret("x")
        first.arn += "1"
        var second = contract.secret("x")
        second.arn += "2"
        var changed = first
        changed.owningService = nil
        let created = layer([(first.arn, first)])
        let deleted = layer([(first.arn, nil)])
        let recreated = layer([(second.arn, second)])
        let updated = layer([(first.arn, changed)])

        func find(_ layers: [PendingWrites], _ name: String = "x") -> String? {
            PendingWrites.holder(of: name, SecretRecord.self, in: scope, layers: layers)?.arn
        }
        #expect(find([created]) == first.arn)
        #expect(find([created, deleted]) == nil)
        #expect(find([created, deleted, recreated]) == second.arn)
        #expect(find([created, recreated, layer([(second.arn, nil)])]) == first.arn)
        #expect(
            PendingWrites.holder(of: "x", SecretRecord.self, in: scope, layers: [created, updated])?.owningService
                == nil
        )
        #expect(find([created, PendingWrites()]) == first.arn)
        #expect(find([created], "y") == nil)
        #expect(find([]) == nil)
        let elsewhere = Scope(account: "210987654321", region: "us-east-1")
        #expect(PendingWrites.holder(of: "x", SecretRecord.self, in: elsewhere, layers: [created]) == nil)
    }
}
