import Foundation
import Steno
import Testing
@testable import StenoTraining

/// A sine of `frequency` Hz, `count` samples at `rate`.
private func sine(_ frequency: Double, rate: Double, count: Int, amplitude: Double = 0.5) -> [Float] {
    (0..<count).map { Float(amplitude * sin(2 * .pi * frequency * Double($0) / rate)) }
}

/// Root mean square of `x[range]`.
private func rms(_ x: [Float], _ range: Range<Int>) -> Double {
    (range.map { Double(x[$0]) * Double(x[$0]) }.reduce(0, +) / Double(range.count)).squareRoot()
}

@Suite("Polyphase resampler (augmentation)")
struct PolyphaseResamplerTests {
    @Test("Factors reduce to lowest terms; one needing more than 1 000 phases is left to libsamplerate")
    func factors() throws {
        let speed = try #require(PolyphaseResampler(from: 14_400, to: 16_000))
        #expect(speed.up == 10 && speed.down == 9)
        let telephone = try #require(PolyphaseResampler(from: 16_000, to: 8_000))
        #expect(telephone.up == 1 && telephone.down == 2)
        #expect(telephone.taps >= 2 * PolyphaseResampler.tapsAtLowerRate && telephone.taps % 16 == 0)
        #expect(PolyphaseResampler(from: 16_000, to: 16_001) == nil)
        #expect(PolyphaseResampler(from: 0, to: 16_000) == nil)
        #expect(try #require(PolyphaseResampler(from: 16_000, to: 8_000)).resample([]).isEmpty)
    }

    @Test("Matches libsamplerate's best converter on band-limited speech-like audio", arguments: [(16_000, 8_000), (8_000, 16_000), (14_400, 16_000), (17_600, 16_000), (44_100, 16_000)])
    func matchesLibsamplerate(from: Int, to: Int) throws {
        // 40 tones of random frequency (100 Hz to 3 kHz), level and phase: inside both converters'
        // passbands at every rate here.
        var random = SplitMix64(seed: 3)
        let count = from  // one second
        var x = [Float](repeating: 0, count: count)
        for _ in 0..<40 {
            let (frequency, level, phase) = (100 + 2_900 * random.uniform(), 0.05 * random.uniform(), 2 * .pi * random.uniform())
            for i in x.indices { x[i] += Float(level * sin(2 * .pi * frequency * Double(i) / Double(from) + phase)) }
        }
        let ours = try #require(PolyphaseResampler(from: from, to: to)).resample(x)
        var reference: [Float] = []
        let converter = try Resampler(from: from, to: to, quality: .best, name: "reference")
        try x.withUnsafeBufferPointer { try converter.process($0, endOfInput: true, appendingTo: &reference) }
        #expect(abs(ours.count - reference.count) <= 1, "\(ours.count) against \(reference.count)")
        // Away from the ends (where the two treat the edges differently), the difference is > 40 dB down.
        let interior = (to / 20)..<(min(ours.count, reference.count) - to / 20)
        let difference = interior.map { ours[$0] - reference[$0] }
        let ratio = rms(difference, 0..<difference.count) / rms(reference, interior)
        #expect(ratio < 0.01, "\(from) → \(to) Hz: difference \(20 * log10(ratio)) dB")
    }

    @Test("Down to 8 kHz a 3 kHz tone passes at full level and a 5 kHz tone is gone; speed 0.9 turns 1 kHz into 900 Hz")
    func response() throws {
        let down = try #require(PolyphaseResampler(from: 16_000, to: 8_000))
        let passed = down.resample(sine(3_000, rate: 16_000, count: 16_000))
        #expect(passed.count == 8_000)
        #expect(abs(rms(passed, 400..<7_600) / (0.5 / 2.squareRoot()) - 1) < 0.01)
        let aliased = down.resample(sine(5_000, rate: 16_000, count: 16_000))
        #expect(rms(aliased, 400..<7_600) < 1e-4 * 0.5, "a 5 kHz tone aliases at \(rms(aliased, 400..<7_600))")

        let slower = try perturbSpeed(sine(1_000, rate: 16_000, count: 16_000), by: 0.9, rate: 16_000, name: "tone")
        #expect(abs(slower.count - 17_778) <= 1)
        // Upward zero crossings in the interior: 900 per second.
        let crossings = (1_601..<16_001).filter { slower[$0 - 1] < 0 && slower[$0] >= 0 }.count
        #expect(abs(crossings - 900 * 14_400 / 16_000) <= 1, "\(crossings) crossings in 0.9 s")
    }
}
