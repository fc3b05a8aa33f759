import ArgumentParser
import Steno

extension FeatureKind: ExpressibleByArgument {}
extension WindowType: ExpressibleByArgument {}
extension ResamplerQuality: ExpressibleByArgument {}

/// Per-utterance normalization choices for `steno features`.
enum NormalizationChoice: String, CaseIterable, ExpressibleByArgument {
    case none, mean, meanVariance = "mean-variance"
}

/// The feature and resampling options shared by commands that compute features.
struct FrontendOptions: ParsableArguments {
    @Option(name: .customLong("type"), help: "Feature type.")
    var kind: FeatureKind = .fbank

    @Option(help: "Mel filterbank bins (fbank, mfcc).")
    var bins: Int = MelOptions().bins

    @Option(help: "Cepstral coefficients (mfcc).")
    var ceps: Int = FeatureOptions.mfcc().cepstra

    @Option(help: "Frame length in milliseconds.")
    var frameLength: Double = FrameOptions().frameLengthMs

    @Option(help: "Frame shift in milliseconds.")
    var frameShift: Double = FrameOptions().frameShiftMs

    @Option(help: "Window function.")
    var window: WindowType = FrameOptions().window

    @Option(help: "Pre-emphasis coefficient (0 turns it off).")
    var preemphasis: Float = FrameOptions().preemphasis

    @Flag(help: "Keep the DC offset of each frame (Kaldi removes it by default).")
    var keepDcOffset = false

    @Option(help: "Dither: standard deviation of Gaussian noise added to 16-bit-scale samples (0 = off).")
    var dither: Float = FrameOptions().dither

    @Option(help: "Noise floor: the mean power of white noise with this standard deviation (16-bit scale) is added to every spectrum bin, deterministically (0 = off).")
    var noiseFloor: Float = 0

    @Option(help: "Seed of the dither noise.")
    var seed: UInt64 = FrameOptions().ditherSeed

    @Option(help: "Lowest mel filter frequency in Hz.")
    var lowFreq: Float = MelOptions().lowFrequency

    @Option(parsing: .unconditional, help: "Highest mel filter frequency in Hz (0 or negative: offset from Nyquist).")
    var highFreq: Float = MelOptions().highFrequency

    @Option(help: "Cepstral liftering coefficient (mfcc; 0 turns it off).")
    var lifter: Float = FeatureOptions.mfcc().cepstralLifter

    @Option(help: "Add log energy: c0 replaced for mfcc, an extra first column for fbank. Default: on for mfcc, off for fbank.")
    var energy: Bool?

    @Flag(help: "Emit frames for the signal's edges too, reflecting samples past them (Kaldi's --snip-edges=false).")
    var noSnipEdges = false

    @Option(help: "Rate the audio is resampled to before framing, in Hz.")
    var sampleRate: Int = Int(FrameOptions().sampleRate)

    @Option(help: "Resampling quality when the audio's rate differs.")
    var resampleQuality: ResamplerQuality = .medium

    @Option(help: "Per-utterance normalization of each feature dimension.")
    var normalize: NormalizationChoice = .none

    /// The options these flags describe.
    func featureOptions() throws -> FeatureOptions {
        var options: FeatureOptions = switch kind {
        case .fbank: .fbank(bins: bins)
        case .mfcc: .mfcc(cepstra: ceps, bins: bins)
        case .spectrogram: .spectrogram()
        }
        options.frame.sampleRate = Float(sampleRate)
        options.frame.frameLengthMs = frameLength
        options.frame.frameShiftMs = frameShift
        options.frame.window = window
        options.frame.preemphasis = preemphasis
        options.frame.removeDCOffset = !keepDcOffset
        options.frame.dither = dither
        options.frame.ditherSeed = seed
        options.noiseFloor = noiseFloor
        options.frame.snipEdges = !noSnipEdges
        options.mel.lowFrequency = lowFreq
        options.mel.highFrequency = highFreq
        options.cepstralLifter = lifter
        if let energy { options.useEnergy = energy }
        do {
            try options.validate()
        } catch {
            throw ValidationError(Self.flags[error.option].map { "\($0): \(error.message)" } ?? error.description)
        }
        return options
    }

    /// The flag that sets each option a ``FeatureError`` can name, so messages name what the user typed.
    static let flags = [
        "frame.sampleRate": "--sample-rate", "frame.frameLengthMs": "--frame-length", "frame.roundToPowerOfTwo": "--frame-length",
        "frame.frameShiftMs": "--frame-shift", "frame.dither": "--dither", "noiseFloor": "--noise-floor", "frame.preemphasis": "--preemphasis",
        "mel.bins": "--bins", "mel.lowFrequency": "--low-freq", "mel.highFrequency": "--high-freq",
        "cepstra": "--ceps", "cepstralLifter": "--lifter",
    ]
}
