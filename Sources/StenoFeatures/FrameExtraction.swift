import Foundation

// One function per stage of Kaldi's `ProcessWindow`, in the order they run on a frame:
// dither, DC removal, raw log energy, pre-emphasis, window. Each works in place on one frame.

/// Adds Gaussian noise of standard deviation `dither` to every sample (Kaldi's `Dither`).
func addDither(_ frame: UnsafeMutableBufferPointer<Float>, dither: Float, generator: inout GaussianGenerator) {
    for i in frame.indices {
        frame[i] += dither * Float(generator.nextGaussian())
    }
}

/// Subtracts the frame's mean from every sample (Kaldi's `--remove-dc-offset`).
func removeDCOffset(_ frame: UnsafeMutableBufferPointer<Float>) {
    guard !frame.isEmpty else { return }
    var sum: Float = 0
    for x in frame { sum += x }
    let mean = sum / Float(frame.count)
    for i in frame.indices { frame[i] -= mean }
}

/// `ln(max(Σ x², floor))`: the log energy of a frame.
func logEnergy(_ frame: UnsafeBufferPointer<Float>, floor: Float = .ulpOfOne) -> Float {
    var energy: Float = 0
    for x in frame { energy += x * x }
    return logf(max(energy, floor))
}

/// Kaldi's `Preemphasize`: `x[i] -= c x[i-1]` from the end down to i = 1, then `x[0] -= c x[0]`.
func preemphasize(_ frame: UnsafeMutableBufferPointer<Float>, coefficient c: Float) {
    guard !frame.isEmpty else { return }
    var i = frame.count - 1
    while i > 0 {
        frame[i] -= c * frame[i - 1]
        i -= 1
    }
    frame[0] -= c * frame[0]
}

/// Multiplies the frame by the window, element by element; both have the frame's length.
func applyWindow(_ frame: UnsafeMutableBufferPointer<Float>, _ window: UnsafeBufferPointer<Float>) {
    for i in 0..<min(frame.count, window.count) { frame[i] *= window[i] }
}

/// Where frames fall in a signal (Kaldi's `NumFrames`, `FirstSampleOfFrame`), in samples.
struct FrameGeometry: Sendable, Equatable {
    /// Frame length in samples.
    let length: Int
    /// Frame shift in samples.
    let shift: Int
    /// Kaldi's `snip_edges`.
    let snipEdges: Bool

    init(_ options: FrameOptions) {
        length = options.frameLength
        shift = options.frameShift
        snipEdges = options.snipEdges
    }

    /// Index of the first sample of frame `frame`; negative for the first frames without snipped edges.
    func firstSample(of frame: Int) -> Int {
        snipEdges ? frame * shift : frame * shift + shift / 2 - length / 2
    }

    /// Frames that can be computed from the first `samples` samples. Without `flush`, only frames
    /// that end within them; with `flush` (the signal is complete), all of the signal's frames.
    func frameCount(samples: Int, flush: Bool) -> Int {
        if snipEdges {
            return samples < length ? 0 : 1 + (samples - length) / shift
        }
        var frames = (samples + shift / 2) / shift
        if flush { return frames }
        var end = firstSample(of: frames - 1) + length
        while frames > 0 && end > samples {
            frames -= 1
            end -= shift
        }
        return frames
    }
}
