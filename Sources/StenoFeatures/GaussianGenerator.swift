import Foundation

/// Deterministic standard normal numbers for dither: xoshiro256** seeded through splitmix64,
/// turned Gaussian with the Box–Muller transform. The same seed gives the same sequence on every platform.
struct GaussianGenerator: Sendable {
    private var s0, s1, s2, s3: UInt64
    private var spare: Double?

    /// Seeds the four words of state from `seed` with splitmix64, as the xoshiro authors advise.
    init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        (s0, s1, s2, s3) = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    /// The next 64 random bits (xoshiro256**).
    mutating func nextBits() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A uniform number in (0, 1]: never 0, so its log is finite.
    private mutating func nextUniform() -> Double {
        Double((nextBits() >> 11) + 1) * 0x1.0p-53
    }

    /// The next standard normal number; Box–Muller makes them in pairs, the second kept for the next call.
    mutating func nextGaussian() -> Double {
        if let value = spare {
            spare = nil
            return value
        }
        let radius = (-2 * log(nextUniform())).squareRoot()
        let angle = 2 * Double.pi * nextUniform()
        spare = radius * sin(angle)
        return radius * cos(angle)
    }
}
