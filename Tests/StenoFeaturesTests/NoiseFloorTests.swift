import Foundation
import Testing
@testable import StenoFeatures

@Suite("Noise floor")
struct NoiseFloorTests {
    static var options: FeatureOptions {
        var options = FeatureOptions.fbank(bins: 80)
        options.noiseFloor = 2
        return options
    }

    @Test("The floor is the mean effect of white noise: dither of the same level gives the same mean log-mel of silence")
    func matchesDitherOnAverage() throws {
        var dithered = Self.options
        dithered.noiseFloor = 0
        dithered.frame.dither = 2
        let silence = [Float](repeating: 0, count: 16_000 * 4)
        let floor = try FeatureExtractor(options: Self.options).compute(silence)
        let noise = try FeatureExtractor(options: dithered).compute(silence)
        // Per bin, the floor is ln E[P]; the dithered frames give ln P, whose mean is below ln E[P]
        // by the mean of ln of an averaged chi-square; compare energies, not logs.
        for bin in stride(from: 10, to: 80, by: 10) {
            let expected = exp(Double(floor.values[bin]))
            let measured = (0..<noise.frameCount).reduce(0.0) { $0 + exp(Double(noise.values[$1 * 80 + bin])) } / Double(noise.frameCount)
            #expect(abs(measured / expected - 1) < 0.1, "bin \(bin): dither mean \(measured), floor \(expected)")
        }
    }

    @Test("Digital silence gives finite, constant features; the floor is the same offline and streaming")
    func silenceAndStreaming() throws {
        let silence = try FeatureExtractor(options: Self.options).compute([Float](repeating: 0, count: 8_000))
        #expect(silence.values.allSatisfy { $0.isFinite })
        #expect(Set(silence.values[0..<80]) == Set(silence.values[80..<160]))
        let signal = testSignal(samples: 16_000 + 123)
        let offline = try FeatureExtractor(options: Self.options).compute(signal)
        let online = try OnlineFeatureExtractor(options: Self.options)
        var frames = FeatureMatrix(dimension: 80)
        for start in stride(from: 0, to: signal.count, by: 777) { frames.append(online.accept(signal[start..<min(signal.count, start + 777)])) }
        frames.append(online.finish())
        #expect(frames.values == offline.values)
    }

    @Test("Audio with nothing above 4 kHz gets the floor in the upper bins, not the log of round-off")
    func bandLimitedStaysInRange() throws {
        // A 500 Hz tone: no energy above 4 kHz at all.
        let tone = (0..<16_000).map { Float(0.3 * sin(2 * Double.pi * 500 * Double($0) / 16_000)) }
        var plain = Self.options
        plain.noiseFloor = 0
        let without = try FeatureExtractor(options: plain).compute(tone)
        let with = try FeatureExtractor(options: Self.options).compute(tone)
        let silence = try FeatureExtractor(options: Self.options).compute([Float](repeating: 0, count: 16_000))
        let top = { (m: FeatureMatrix) in (0..<m.frameCount).map { m.values[$0 * 80 + 79] }.reduce(0, +) / Float(m.frameCount) }
        #expect(top(without) < top(with) - 5)
        #expect(abs(top(with) - top(silence)) < 0.01)
    }

    @Test("Options from files written before the floor existed read as no floor; a negative floor is refused")
    func olderFilesAndValidation() throws {
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Self.options)) as! [String: Any]
        #expect(json["noiseFloor"] as? Double == 2)
        json.removeValue(forKey: "noiseFloor")
        let old = try JSONDecoder().decode(FeatureOptions.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(old.noiseFloor == 0)
        var bad = Self.options
        bad.noiseFloor = -1
        #expect(throws: FeatureError.self) { try bad.validate() }
    }
}
