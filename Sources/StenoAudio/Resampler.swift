import CSamplerate

// The one file that speaks libsamplerate.

/// Resampling quality: libsamplerate's converters, best first.
public enum ResamplerQuality: String, CaseIterable, Sendable, Codable {
    /// Band-limited sinc, 97 dB SNR, 97% bandwidth: slowest.
    case best
    /// Band-limited sinc, 97 dB SNR, 90% bandwidth: the default, good for speech at a fraction of `best`'s cost.
    case medium
    /// Band-limited sinc, 97 dB SNR, 80% bandwidth.
    case fastest
    /// Linear interpolation: fast, aliases.
    case linear
    /// Repeats the last sample: fastest, lowest quality.
    case zeroOrderHold = "zero-order-hold"

    var converter: Int32 {
        switch self {
        case .best: Int32(SRC_SINC_BEST_QUALITY)
        case .medium: Int32(SRC_SINC_MEDIUM_QUALITY)
        case .fastest: Int32(SRC_SINC_FASTEST)
        case .linear: Int32(SRC_LINEAR)
        case .zeroOrderHold: Int32(SRC_ZERO_ORDER_HOLD)
        }
    }
}

/// Converts a mono stream of samples from one rate to another block by block, carrying the
/// filter state between calls, so the output does not depend on how the input was split.
///
/// Not thread-safe: one resampler per stream.
public final class Resampler {
    private let state: OpaquePointer
    private let ratio: Double
    /// The name used in error messages (a file name, or "standard input").
    private let name: String
    private var scratch: [Float] = []
    /// libsamplerate ignores a flush whose input pointer is NULL, even with 0 frames; this stands in.
    private let placeholder = UnsafeMutablePointer<Float>.allocate(capacity: 1)

    /// Creates a resampler from `inputRate` to `outputRate` (Hz).
    /// - Parameter name: the source named in errors.
    public init(from inputRate: Int, to outputRate: Int, quality: ResamplerQuality = .medium, name: String) throws(AudioError) {
        self.name = name
        ratio = Double(outputRate) / Double(inputRate)
        guard inputRate > 0, outputRate > 0, src_is_valid_ratio(ratio) != 0 else {
            throw AudioError(file: name, kind: .resamplingFailed("cannot convert \(inputRate) Hz to \(outputRate) Hz"))
        }
        var error: Int32 = 0
        guard let state = src_new(quality.converter, 1, &error) else {
            throw AudioError(file: name, kind: .resamplingFailed(String(cString: src_strerror(error))))
        }
        self.state = state
    }

    deinit {
        src_delete(state)
        placeholder.deallocate()
    }

    /// Resamples `input` and appends the output to `output`.
    /// - Parameter endOfInput: true on the last call; the filter's tail is then flushed.
    public func process(_ input: UnsafeBufferPointer<Float>, endOfInput: Bool, appendingTo output: inout [Float]) throws(AudioError) {
        let capacity = Int((Double(input.count) * ratio).rounded(.up)) + 256
        if scratch.count < capacity { scratch = [Float](repeating: 0, count: capacity) }
        var consumed = 0
        while true {
            let remaining = input.count - consumed
            var data = SRC_DATA()
            let (produced, used, error): (Int, Int, Int32) = scratch.withUnsafeMutableBufferPointer { out in
                data.data_in = remaining > 0 ? UnsafePointer(input.baseAddress! + consumed) : UnsafePointer(placeholder)
                data.input_frames = remaining
                data.data_out = out.baseAddress
                data.output_frames = out.count
                data.end_of_input = endOfInput ? 1 : 0
                data.src_ratio = ratio
                let error = src_process(state, &data)
                return (data.output_frames_gen, data.input_frames_used, error)
            }
            guard error == 0 else {
                throw AudioError(file: name, kind: .resamplingFailed(String(cString: src_strerror(error))))
            }
            output.append(contentsOf: scratch[0..<produced])
            consumed += used
            // Done when all input is taken and, at the end, the tail has drained.
            if consumed >= input.count && (produced == 0 || !endOfInput) { break }
            // No progress without the end flag: the converter holds the rest until more input comes.
            if used == 0 && produced == 0 && !endOfInput { break }
        }
    }
}
