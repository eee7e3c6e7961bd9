import Storage

/// The unique values that records of kinds not kept in memory have had (every new MACsec key's secret name), kept
/// as one 64-bit hash each: a value whose hash is absent was never written, so a writer creating a record with it
/// need not ask SQLite; a present hash only means "ask SQLite" (two values sharing a hash cost one lookup, never a
/// wrong answer). The set only grows while the store is open, by one entry a new secret, so its size is what counts:
/// kept as strings, the resident set grew by about 270 bytes a new secret during key rotation, as hashes by about
/// 65 (15 s of the benchmark's c=16 rotation on a fresh server, twice each).
struct SeenUniqueValues: Sendable {
    private var hashes = Set<Int>()

    /// Whether a record of `kind` in `scope` may hold `value` (`false`: certainly not).
    func mayHold(_ value: String, kind: String, in scope: Scope) -> Bool {
        hashes.contains(Self.hash(value, kind: kind, in: scope))
    }

    mutating func insert(_ value: String, kind: String, in scope: Scope) {
        hashes.insert(Self.hash(value, kind: kind, in: scope))
    }

    /// How many distinct hashes the set holds (the store reads nothing of it; its tests hold the size to it).
    var count: Int { hashes.count }

    /// The process's seeded hash of the value in its kind and scope; the set is made anew at every open, so the seed
    /// changing between processes does not matter.
    private static func hash(_ value: String, kind: String, in scope: Scope) -> Int {
        var hasher = Hasher()
        hasher.combine(scope)
        hasher.combine(kind)
        hasher.combine(value)
        return hasher.finalize()
    }
}
