import Foundation  // log, sqrt, cos

/// A small, fast, seeded pseudo-random generator (SplitMix64, Steele, Lea & Flood 2014;
/// the reference is Vigna's `splitmix64.c`).
///
/// Deterministic: the same seed gives the same sequence on every platform and Swift
/// version, so weight initialization and dropout masks are reproducible. Not for
/// cryptography. A value type: copying it forks the sequence (both copies continue
/// identically).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    @usableFromInline
    internal var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    @inlinable
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 uniformly distributed bits.
    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension RandomNumberGenerator {
    /// A uniform `Double` in `[0, 1)` with 53 random bits, from exactly one `next()`.
    ///
    /// Spelled out here (rather than `Double.random(in:using:)`) so that the mapping from
    /// bits to values is fixed by Steno, not by the standard library's version.
    @inlinable
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A normally distributed `Double` with the given mean and standard deviation, by the
    /// Box–Muller transform over two `next()` calls (the second normal of the pair is
    /// discarded, so each call consumes exactly two words).
    @inlinable
    public mutating func normal(mean: Double = 0, std: Double = 1) -> Double {
        // u1 in (0, 1], so the logarithm is finite; u2 in [0, 1).
        let u1 = Double((next() >> 11) + 1) * 0x1p-53
        let u2 = uniform()
        return mean + std * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

extension SplitMix64 {
    /// A uniform integer in `0..<bound` from one `next()` (0 when `bound` ≤ 1). The modulo bias,
    /// under bound / 2⁶⁴, does not matter for the augmentation and sampling it serves.
    public mutating func below(_ bound: Int) -> Int {
        bound <= 1 ? 0 : Int(next() % UInt64(bound))
    }
}
