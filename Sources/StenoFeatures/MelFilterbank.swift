import Foundation

/// Kaldi's mel scale: `1127 ln(1 + f / 700)`, `f` in Hz, computed in single precision as Kaldi does.
@inlinable
public func melScale(_ frequency: Float) -> Float {
    1127 * logf(1 + frequency / 700)
}

/// The inverse of ``melScale(_:)``: `700 (exp(m / 1127) - 1)` Hz.
@inlinable
public func inverseMelScale(_ mel: Float) -> Float {
    700 * (expf(mel / 1127) - 1)
}

/// Triangular filters, equally spaced on the mel scale, over the first `paddedFrameLength / 2`
/// FFT bins (Kaldi's `MelBanks`: the Nyquist bin is never used).
///
/// Stored sparsely: bin `b` has weights `weights[offsets[b]..<offsets[b + 1]]` for the FFT bins
/// starting at `firstIndex[b]`.
struct MelFilterbank: Sendable {
    /// Number of mel bins.
    let bins: Int
    /// First FFT bin of each mel bin.
    let firstIndex: [Int]
    /// Start of each mel bin's weights in ``weights``; `bins + 1` entries.
    let offsets: [Int]
    /// All weights, mel bin after mel bin.
    let weights: [Float]
    /// Centre frequency of each mel bin, in Hz.
    let centerFrequencies: [Float]

    /// Builds the filterbank, or says which option makes it impossible.
    init(_ options: MelOptions, frame: FrameOptions) throws(FeatureError) {
        let bins = options.bins
        guard bins >= 3 else {
            throw FeatureError(option: "mel.bins", "\(bins) mel bins; use at least 3")
        }
        let sampleRate = frame.sampleRate
        let nyquist = 0.5 * sampleRate
        let low = options.lowFrequency, high = options.resolvedHighFrequency(sampleRate: sampleRate)
        guard low.isFinite, low >= 0, low < nyquist else {
            throw FeatureError(option: "mel.lowFrequency", "\(low) Hz is not a valid low frequency at \(sampleRate) Hz; use a frequency in [0, \(nyquist)) Hz")
        }
        guard options.highFrequency.isFinite, high > 0, high <= nyquist else {
            throw FeatureError(option: "mel.highFrequency", "\(options.highFrequency) Hz gives a high frequency of \(high) Hz, outside (0, \(nyquist)] Hz (Nyquist at \(sampleRate) Hz); use a frequency up to Nyquist, or 0 or a negative offset from it")
        }
        guard high > low else {
            throw FeatureError(option: "mel.highFrequency", "the high frequency \(high) Hz is not above the low frequency \(low) Hz; raise mel.highFrequency or lower mel.lowFrequency")
        }
        let padded = frame.paddedFrameLength
        let fftBins = padded / 2
        let binWidth = sampleRate / Float(padded)
        let melLow = melScale(low), melHigh = melScale(high)
        let delta = (melHigh - melLow) / Float(bins + 1)
        let warp = options.vtlnWarp
        guard warp.isFinite, warp > 0 else {
            throw FeatureError(option: "mel.vtlnWarp", "warp factor \(warp) must be positive; 1 is no warping")
        }
        let warping = warp == 1 ? nil : try VTLNWarp(factor: warp, low: low, high: high)
        var firstIndex: [Int] = [], offsets = [0], weights: [Float] = [], centers: [Float] = []
        for bin in 0..<bins {
            var left = melLow + Float(bin) * delta
            var center = melLow + Float(bin + 1) * delta
            var right = melLow + Float(bin + 2) * delta
            if let warping {
                (left, center, right) = (warping.mel(left), warping.mel(center), warping.mel(right))
            }
            centers.append(inverseMelScale(center))
            var first = -1
            for i in 0..<fftBins {
                let mel = melScale(binWidth * Float(i))
                guard mel > left, mel < right else {
                    if first >= 0 { break }
                    continue
                }
                if first < 0 { first = i }
                weights.append(mel <= center ? (mel - left) / (center - left) : (right - mel) / (right - center))
            }
            guard first >= 0 else {
                throw FeatureError(option: "mel.bins", "\(bins) mel bins between \(low) and \(high) Hz leave bin \(bin) without any of the \(fftBins) FFT bins; use fewer bins or a longer frame")
            }
            firstIndex.append(first)
            offsets.append(weights.count)
        }
        self.bins = bins
        self.firstIndex = firstIndex
        self.offsets = offsets
        self.weights = weights
        self.centerFrequencies = centers
    }

    /// Mel energies: `output[b] = Σ weights of b × spectrum`, `spectrum` with at least `paddedFrameLength / 2` values.
    func apply(_ spectrum: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        weights.withUnsafeBufferPointer { weights in
            for bin in 0..<bins {
                let start = offsets[bin], count = offsets[bin + 1] - start, first = firstIndex[bin]
                // Four running sums (added in a fixed order), so the loop vectorizes.
                var sums = SIMD4<Float>(repeating: 0)
                var k = 0
                while k + 4 <= count {
                    sums += SIMD4(weights[start + k], weights[start + k + 1], weights[start + k + 2], weights[start + k + 3])
                        * SIMD4(spectrum[first + k], spectrum[first + k + 1], spectrum[first + k + 2], spectrum[first + k + 3])
                    k += 4
                }
                var sum = (sums[0] + sums[1]) + (sums[2] + sums[3])
                while k < count {
                    sum += weights[start + k] * spectrum[first + k]
                    k += 1
                }
                output[bin] = sum
            }
        }
    }
}

/// Kaldi's VTLN warping of frequencies (`MelBanks::VtlnWarpFreq`): f → f / α between
/// `l = 100 Hz · max(1, α)` and `h = (high − 500 Hz) · min(1, α)`, and straight lines from there to
/// the filterbank's own edges, which stay where they are.
struct VTLNWarp {
    let factor: Float, low: Float, high: Float
    let lowerKnee: Float, upperKnee: Float

    init(factor: Float, low: Float, high: Float) throws(FeatureError) {
        self.factor = factor
        self.low = low
        self.high = high
        lowerKnee = 100 * max(1, factor)
        upperKnee = (high - 500) * min(1, factor)
        guard lowerKnee > low, upperKnee < high, lowerKnee < upperKnee else {
            throw FeatureError(option: "mel.vtlnWarp", "warp factor \(factor) leaves no band to warp between \(low) and \(high) Hz; use a factor near 1 (e.g. 0.9 to 1.1) and a wider filterbank")
        }
    }

    /// The warped frequency in Hz.
    func frequency(_ f: Float) -> Float {
        guard f > low, f < high else { return f }
        let scale = 1 / factor
        if f < lowerKnee { return low + (scale * lowerKnee - low) / (lowerKnee - low) * (f - low) }
        if f < upperKnee { return scale * f }
        return high + (high - scale * upperKnee) / (high - upperKnee) * (f - high)
    }

    /// The warped position of a mel value.
    func mel(_ m: Float) -> Float { melScale(frequency(inverseMelScale(m))) }
}
