import Foundation
import StenoNN

/// Additive noise for training: white noise coloured by a random one-pole low-pass filter (from
/// white to a brown-like rumble), scaled to a signal-to-noise ratio drawn uniformly from a range;
/// a share of the draws can be plain white noise (hiss, the noise that hurts recognition most).
/// The trainer adds it to half of the utterances of every epoch, drawn at random.
public struct NoiseAugmentation: Codable, Sendable, Equatable {
    /// The range of signal-to-noise ratios, in dB (signal power over noise power, whole utterance).
    public var lowestSNR: Double, highestSNR: Double
    /// The probability (0…1) that a draw is white noise; the others are coloured at random.
    public var whiteShare: Double

    /// Noise at `lowestSNR`…`highestSNR` dB, white with probability `whiteShare`.
    public init(lowestSNR: Double, highestSNR: Double, whiteShare: Double = 0) {
        self.lowestSNR = lowestSNR
        self.highestSNR = highestSNR
        self.whiteShare = whiteShare
    }

    private enum CodingKeys: String, CodingKey { case lowestSNR, highestSNR, whiteShare }

    /// Runs saved before `whiteShare` existed decode with none (their noise was always coloured at random).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lowestSNR = try c.decode(Double.self, forKey: .lowestSNR)
        highestSNR = try c.decode(Double.self, forKey: .highestSNR)
        whiteShare = try c.decodeIfPresent(Double.self, forKey: .whiteShare) ?? 0
    }

    /// What is wrong, if anything.
    public var problem: String? {
        guard lowestSNR.isFinite, highestSNR.isFinite, lowestSNR <= highestSNR else {
            return "--noise-snr must be LOW:HIGH in dB with LOW ≤ HIGH, e.g. 5:30"
        }
        guard (0...1).contains(whiteShare) else { return "--noise-white must be a probability from 0 to 1, got \(whiteShare)" }
        return nil
    }

    /// `samples` with noise added at an SNR drawn from the range; silence stays silent.
    public func apply(to samples: [Float], random: inout SplitMix64) -> [Float] {
        let snr = lowestSNR + (highestSNR - lowestSNR) * random.uniform()
        // No draw for the share when there is none, so runs without it keep their random sequence.
        let white = whiteShare > 0 && random.uniform() < whiteShare
        let smoothing = white ? 0 : random.uniform() * 0.98  // 0: white … 0.98: rumble
        var noise = [Double](repeating: 0, count: samples.count)
        var state = 0.0
        for i in noise.indices {
            state = smoothing * state + (1 - smoothing) * random.normal()
            noise[i] = state
        }
        let signalPower = power(samples)
        let noisePower = noise.reduce(0.0) { $0 + $1 * $1 } / Double(max(1, noise.count))
        guard signalPower > 0, noisePower > 0 else { return samples }
        let scale = (signalPower / noisePower / pow(10, snr / 10)).squareRoot()
        return zip(samples, noise).map { Float(Double($0) + scale * $1) }
    }
}
