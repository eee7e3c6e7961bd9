import Testing

@testable import AWSJSONProtocol

/// The generator behind `--random-seed`: the published xoshiro256** and SplitMix64 outputs, so that a seed means the
/// same sequence on every build and platform.
@Suite struct NameRandomnessTests {
    @Test func xoshiro256StarStarGivesTheReferenceOutputs() {
        // The reference implementation's outputs from the state (1, 2, 3, 4).
        var generator = Xoshiro256StarStar(state: (1, 2, 3, 4))
        let outputs = (0..<6).map { _ in generator.next() }
        #expect(
            outputs == [
                11520, 0, 1_509_978_240, 1_215_971_899_390_074_240, 1_216_172_134_540_287_360,
                607_988_272_756_665_600,
            ]
        )
    }

    @Test func aSeedIsExpandedBySplitMix64() {
        // SplitMix64's first output for 0 is what the state of `init(seed: 0)` starts with.
        #expect(Xoshiro256StarStar(seed: 0).state.0 == 0xE220_A839_7B1D_CDAF)
        var first = Xoshiro256StarStar(seed: 42)
        var second = Xoshiro256StarStar(seed: 42)
        var other = Xoshiro256StarStar(seed: 43)
        let sequence = (0..<8).map { _ in first.next() }
        #expect((0..<8).map { _ in second.next() } == sequence)
        #expect((0..<8).map { _ in other.next() } != sequence)
    }
}
