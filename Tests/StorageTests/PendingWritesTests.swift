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

    /// Writes and what of them has not reached SQLite: all of them until the first flush; after it, only what came
    /// later, while `all` keeps everything.
    @Test func flushTrackingKeepsAllAndWhatCameAfterTheLastFlush() {
        func ids(_ writes: PendingWrites) -> Set<String> { Set(writes.records.keys.map(\.id)) }
        var tracked = FlushTrackedWrites()
        tracked.change { $0.merge(layer([("a", nil)])) }
        tracked.merge(layer([("b", nil)]), unflushed: layer([("b", nil)]))
        #expect(ids(tracked.all) == ["a", "b"])
        #expect(ids(tracked.unflushed) == ["a", "b"])
        #expect(ids(tracked.takeUnflushed()) == ["a", "b"])
        #expect(tracked.unflushed.isEmpty)
        #expect(tracked.takeUnflushed().isEmpty)

        tracked.change { $0.merge(layer([("c", nil)])) }
        // Of writes merged after the flush, only those given as unflushed count as such.
        tracked.merge(layer([("d", nil), ("e", nil)]), unflushed: layer([("e", nil)]))
        #expect(ids(tracked.all) == ["a", "b", "c", "d", "e"])
        #expect(ids(tracked.unflushed) == ["c", "e"])
        #expect(ids(tracked.takeUnflushed()) == ["c", "e"])
        #expect(tracked.unflushed.isEmpty)
        #expect(ids(tracked.all) == ["a", "b", "c", "d", "e"])
    }
}
