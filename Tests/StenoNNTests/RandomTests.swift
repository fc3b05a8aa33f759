import Testing
import StenoNN

@Suite("SplitMix64 and normal samples")
struct RandomTests {
    @Test("matches the reference splitmix64.c output")
    func referenceSequence() {
        // Produced by Vigna's reference C code (next() with x = 1234567), compiled separately.
        var rng = SplitMix64(seed: 1_234_567)
        let expected: [UInt64] = [
            6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
            4_593_380_528_125_082_431, 16_408_922_859_458_223_821,
        ]
        #expect((0..<5).map { _ in rng.next() } == expected)
    }

    @Test("the same seed gives the same sequence; different seeds differ")
    func determinism() {
        var first = SplitMix64(seed: 42)
        var second = SplitMix64(seed: 42)
        var other = SplitMix64(seed: 43)
        let a = (0..<100).map { _ in first.normal(mean: 0, std: 1) }
        let b = (0..<100).map { _ in second.normal(mean: 0, std: 1) }
        let c = (0..<100).map { _ in other.normal(mean: 0, std: 1) }
        #expect(a == b)
        #expect(a != c)
    }

    @Test("uniform lies in [0, 1)")
    func uniformRange() {
        var rng = SplitMix64(seed: 7)
        let samples = (0..<10_000).map { _ in rng.uniform() }
        #expect(samples.allSatisfy { $0 >= 0 && $0 < 1 })
        // Mean of 10k uniforms has standard error 1/sqrt(12 · 10^4) ≈ 0.0029; 0.015 is ~5 of them.
        #expect(abs(samples.reduce(0, +) / 10_000 - 0.5) < 0.015)
    }

    @Test("100k normals have the requested mean and standard deviation")
    func normalMoments() {
        let n = 100_000
        let (mean, std) = (3.0, 2.0)
        var rng = SplitMix64(seed: 2024)
        let samples = (0..<n).map { _ in rng.normal(mean: mean, std: std) }
        let sampleMean = samples.reduce(0, +) / Double(n)
        let sampleStd = (samples.reduce(0) { $0 + ($1 - sampleMean) * ($1 - sampleMean) } / Double(n - 1)).squareRoot()
        let withinOneStd = Double(samples.filter { abs($0 - mean) < std }.count) / Double(n)
        // Tolerances are about 5-6 standard errors, so a correct generator fails for
        // essentially no seed (< 1e-6), while a wrong scale, offset or a uniform would miss:
        // - mean: SE = std / sqrt(n) ≈ 0.0063; tolerance 0.04.
        // - std:  SE ≈ std / sqrt(2n) ≈ 0.0045; tolerance 0.025.
        // - P(|z| < 1) = 0.6827; SE = sqrt(p(1-p)/n) ≈ 0.0015; tolerance 0.008
        //   (a uniform with the same mean and std would give 0.577).
        #expect(abs(sampleMean - mean) < 0.04)
        #expect(abs(sampleStd - std) < 0.025)
        #expect(abs(withinOneStd - 0.6827) < 0.008)
    }
}
