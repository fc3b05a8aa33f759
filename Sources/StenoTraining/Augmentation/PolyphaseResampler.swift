import Foundation
import Synchronization

/// Whole-signal resampling by a rational factor for the augmentation chain (speed perturbation, 8 kHz
/// round trips, codecs at 8 kHz): a Kaiser-windowed sinc low-pass in polyphase form, its coefficients
/// computed once per factor. About as selective as libsamplerate's fastest converter (passband to ~80%
/// of the lower Nyquist frequency, stopband from it, ≥ 80 dB down) at a fraction of its cost, which
/// dominated augmentation: every coefficient is precomputed, so each output sample is one short dot
/// product over contiguous input.
///
/// Output sample n sits at input position n · inputRate / outputRate (sample 0 on sample 0); samples
/// outside the input count as zero.
public struct PolyphaseResampler: Sendable {
    /// The factor in lowest terms: `up` output samples for every `down` input samples.
    public let up: Int, down: Int
    /// Input samples each output sample reads.
    public let taps: Int
    /// `phases[p]` for output positions p / up of an input sample past an input sample: `taps` weights
    /// for the inputs from ``lead`` samples before that one on.
    private let phases: [[Float]]
    /// Input samples read before the one at or just before an output position.
    private let lead: Int

    /// Taps of the kernel at the lower of the two rates; more taps, a narrower transition band.
    static let tapsAtLowerRate = 48
    /// The cutoff as a fraction of the lower Nyquist frequency, and the Kaiser window's β (≈ 85 dB).
    static let cutoff = 0.9, beta = 8.6
    /// Factors whose terms exceed this (e.g. 16 000 → 16 001) are left to libsamplerate.
    static let maximumPhases = 1_000

    /// A resampler from `inputRate` to `outputRate` (Hz), or nil when a term of the factor in lowest
    /// terms exceeds ``maximumPhases``.
    public init?(from inputRate: Int, to outputRate: Int) {
        guard inputRate > 0, outputRate > 0 else { return nil }
        let divisor = Self.greatestCommonDivisor(inputRate, outputRate)
        up = outputRate / divisor
        down = inputRate / divisor
        guard up <= Self.maximumPhases, down <= Self.maximumPhases else { return nil }
        // The kernel in input samples: a low-pass at the lower rate's Nyquist frequency, wider (in
        // input samples) when the output rate is the lower one.
        let bandwidth = min(1, Double(up) / Double(down))        // lower Nyquist / input Nyquist
        let halfWidth = (Double(Self.tapsAtLowerRate) / bandwidth / 2).rounded(.up)
        taps = (2 * Int(halfWidth) + 15) / 16 * 16               // whole SIMD16 blocks; the extra weights are 0
        let cutoff = Self.cutoff * bandwidth                     // as a fraction of the input Nyquist frequency
        let (phaseCount, tapCount, leadCount) = (up, taps, Int(halfWidth) - 1)
        lead = leadCount
        let window = Self.besselI0(Self.beta)
        phases = (0..<phaseCount).map { phase in
            let offset = Double(phase) / Double(phaseCount)       // output position past the input sample
            return (0..<tapCount).map { j in
                let distance = Double(j - leadCount) - offset     // input sample's distance from the output position
                let x = distance / halfWidth
                guard abs(x) < 1 else { return 0 }
                let sinc = distance == 0 ? 1 : sin(.pi * cutoff * distance) / (.pi * cutoff * distance)
                return Float(cutoff * sinc * Self.besselI0(Self.beta * (1 - x * x).squareRoot()) / window)
            }
        }
    }

    /// `input` at the output rate: `input.count · up / down` samples, rounded to the nearest.
    public func resample(_ input: [Float]) -> [Float] {
        let count = (input.count * up + down / 2) / down
        guard count > 0, !input.isEmpty else { return [] }
        // The input with zeros around it, so every dot product reads inside the buffer.
        var padded = [Float](repeating: 0, count: lead + input.count + taps)
        padded.replaceSubrange(lead..<(lead + input.count), with: input)
        var output = [Float](repeating: 0, count: count)
        padded.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                // Output samples n ≡ r (mod up) all sit (r · down mod up) / up past an input sample.
                for r in 0..<min(up, count) {
                    phases[r * down % up].withUnsafeBufferPointer { weights in
                        let w = UnsafeRawPointer(weights.baseAddress!)
                        var n = r
                        while n < count {
                            // The first input read, `lead` samples before input sample n · down / up, is
                            // padded[n · down / up].
                            let x = UnsafeRawPointer(source.baseAddress! + n * down / up)
                            var sum = SIMD16<Float>()
                            for block in stride(from: 0, to: taps * 4, by: 64) {
                                sum += x.loadUnaligned(fromByteOffset: block, as: SIMD16<Float>.self)
                                    * w.loadUnaligned(fromByteOffset: block, as: SIMD16<Float>.self)
                            }
                            target[n] = sum.sum()
                            n += up
                        }
                    }
                }
            }
        }
        return output
    }

    /// The resampler for this pair of rates, its coefficients computed once per process (workers share it).
    public static func cached(from inputRate: Int, to outputRate: Int) -> PolyphaseResampler? {
        let key = [inputRate, outputRate]
        return cache.withLock { resamplers in
            if let known = resamplers[key] { return known }
            let made = PolyphaseResampler(from: inputRate, to: outputRate)
            resamplers[key] = made
            return made
        }
    }

    private static let cache = Mutex<[[Int]: PolyphaseResampler?]>([:])

    private static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int { b == 0 ? a : greatestCommonDivisor(b, a % b) }

    /// The zeroth-order modified Bessel function of the first kind (its power series), for the Kaiser window.
    private static func besselI0(_ x: Double) -> Double {
        var sum = 1.0, term = 1.0, k = 1.0
        while term > 1e-12 * sum {
            term *= (x / (2 * k)) * (x / (2 * k))
            sum += term
            k += 1
        }
        return sum
    }
}
