import Foundation

/// A deterministic test signal in [-1, 1]: two tones and a little seeded noise.
func testSignal(samples count: Int, rate: Float = 16_000, seed: UInt64 = 1) -> [Float] {
    var state = seed
    func uniform() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Float((z ^ (z >> 31)) >> 40) / Float(1 << 24) * 2 - 1
    }
    return (0..<count).map { i in
        let t = Float(i) / rate
        return 0.3 * sinf(2 * .pi * 440 * t) + 0.2 * sinf(2 * .pi * 1_300 * t) + 0.01 * uniform()
    }
}

/// Chunk sizes from a seeded generator, 1 ... `maximum`, covering `total` samples.
func randomChunks(total: Int, maximum: Int, seed: UInt64) -> [Int] {
    var state = seed, sizes: [Int] = [], covered = 0
    while covered < total {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let size = min(Int((state >> 33) % UInt64(maximum)) + 1, total - covered)
        sizes.append(size)
        covered += size
    }
    return sizes
}
