import Foundation
import Steno
import Testing
@testable import StenoTraining

/// Speech-like test signal: a few harmonics plus noise reaching up to 8 kHz, 2 s at 16 kHz.
func broadbandSignal(seconds: Double = 2) -> [Float] {
    var random = SplitMix64(seed: 11)
    return (0..<Int(seconds * 16_000)).map { i in
        let t = Double(i) / 16_000
        return Float(0.2 * sin(2 * .pi * 220 * t) + 0.1 * sin(2 * .pi * 1_500 * t) + 0.05 * random.normal())
    }
}

/// Power of `x` above `frequency` Hz as a fraction of its total (DC bin left out), summed over the
/// frames of its power spectrogram (Steno's own spectrogram features, 25 ms frames).
func fractionAbove(_ frequency: Double, in x: [Float], rate: Double = 16_000) -> Double {
    let options = FeatureOptions.spectrogram()
    let frames = try! FeatureExtractor(options: options).compute(x)
    let bins = options.dimension, binWidth = rate / Double(options.frame.paddedFrameLength)
    var above = 0.0, total = 0.0
    for t in 0..<frames.frameCount {
        for k in 1..<bins {
            let p = exp(Double(frames.values[t * bins + k]))
            total += p
            if Double(k) * binWidth > frequency { above += p }
        }
    }
    return above / total
}

@Suite("Channel augmentation")
struct AugmentationTests {
    @Test("Band-limiting removes the energy above 4 kHz; the telephone band also below 300 Hz")
    func bandLimiting() {
        let x = broadbandSignal()
        #expect(fractionAbove(4_100, in: x) > 0.2)
        let narrow = BandLimit.narrowband(x, rate: 16_000)
        #expect(narrow.count == x.count)
        #expect(fractionAbove(4_100, in: narrow) < 1e-3)
        let phone = BandLimit.telephone(x, rate: 16_000)
        #expect(fractionAbove(4_100, in: phone) < 1e-3)
        // The 220 Hz tone is attenuated by the 300 Hz high-pass (second order: about 5 dB at 220 Hz).
        let low = { (s: [Float]) in 1 - fractionAbove(260, in: s) }
        #expect(low(phone) < 0.7 * low(narrow))
    }

    @Test("A codec round trip keeps the length within a few milliseconds and the signal recognisable", arguments: Codec.defaultNames)
    func codecRoundTrip(name: String) throws {
        guard let codec = Codec(name: name) else {
            print("skipped: this libsndfile cannot write \(name)")
            return
        }
        let x = broadbandSignal()
        let rate = codec.rate ?? 16_000
        let input = rate == 16_000 ? x : BandLimit.resample(x, from: 16_000, to: rate)
        let bytes = try AudioFileWriter.encode(input, sampleRate: rate, format: codec.format, compression: 0.5)
        let decoded = try AudioDecoder.decode(.bytes(bytes, name: name), sampleRate: 16_000, acceptingShortfall: true).samples
        // Encoder delay and padding: within 80 ms (MP3 frames are 1152 samples; Opus and Vorbis trim theirs).
        #expect(abs(decoded.count - x.count) <= 1_280, "\(name): \(decoded.count) samples for \(x.count)")
        let trip = try #require(codec.roundTrip(x, rate: 16_000, compression: 0.5))
        #expect(trip.count == x.count)
        #expect(trip.allSatisfy { $0.isFinite })
        // Still the same sound: its power is within 6 dB of the input's.
        #expect(abs(10 * log10(power(trip) / power(x))) < 6)
    }

    @Test("Gain with clipping bounds every sample to full scale; DC offsets and padding stay bounded too")
    func clippingBounds() {
        var options = ChannelAugmentation.none
        options.gainProbability = 1
        options.gainLow = 20
        options.gainHigh = 20
        options.dcProbability = 1
        options.paddingProbability = 1
        var random = SplitMix64(seed: 2)
        var report = AugmentationReport()
        let x = broadbandSignal()
        let y = options.apply(to: x, rate: 16_000, random: &random, report: &report)
        #expect(y.allSatisfy { abs($0) <= 1 })
        #expect(y.filter { abs($0) == 1 }.count > 1_000)  // 20 dB on a 0.35 peak clips often
        #expect(y.count >= x.count && y.count <= x.count + 2 * 16_000)
        #expect(report.padded == 1)
    }

    @Test("Reverberation keeps length and power and spreads an impulse over the reverberation time")
    func reverberation() {
        var random = SplitMix64(seed: 4)
        var impulse = [Float](repeating: 0, count: 16_000)
        impulse[100] = 1
        let y = RoomReverb.apply(to: impulse, reverbTime: 0.5, rate: 16_000, random: &random)
        #expect(y.count == impulse.count)
        #expect(abs(power(y) / power(impulse) - 1) < 1e-3)
        let late = y[(100 + 1_600)...].reduce(0.0) { $0 + Double($1 * $1) }  // energy after 100 ms
        #expect(late > 0)
    }

    @Test("FFT convolution equals direct convolution")
    func convolution() {
        var random = SplitMix64(seed: 9)
        let x = (0..<3_000).map { _ in Float(random.normal()) }
        let h = (0..<700).map { _ in Float(random.normal()) }
        let fast = FFTConvolution.convolve(x, with: h)
        #expect(fast.count == x.count + h.count - 1)
        var worst: Float = 0
        for n in stride(from: 0, to: fast.count, by: 7) {
            var direct: Double = 0
            for k in max(0, n - x.count + 1)...min(n, h.count - 1) { direct += Double(h[k]) * Double(x[n - k]) }
            worst = max(worst, abs(fast[n] - Float(direct)))
        }
        #expect(worst < 1e-3)
    }

    @Test("The same generator state gives the same augmented audio; silence-only examples have no labels")
    func deterministic() {
        var options = ChannelAugmentation()
        options.backgroundOnlyProbability = 0
        let x = broadbandSignal()
        var a = SplitMix64(seed: 5), b = SplitMix64(seed: 5)
        var report = AugmentationReport()
        #expect(options.apply(to: x, rate: 16_000, random: &a, report: &report) == options.apply(to: x, rate: 16_000, random: &b, report: &report))
        var random = SplitMix64(seed: 1)
        let background = Background.make(rate: 16_000, random: &random)
        #expect(background.count >= 16_000 && background.count <= 64_000)
        #expect(background.allSatisfy { abs($0) < 0.2 })
    }
}
