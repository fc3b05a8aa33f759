import ArgumentParser
import Foundation
import Steno

/// `steno features`: audio to a `.npy` array of feature frames.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Compute spectrogram, log-mel filterbank or MFCC frames (Kaldi definitions) and save them as .npy.",
        discussion: """
            Writes a float32 array [frames, dimensions] in NumPy's format: numpy.load("out.npy"). \
            Defaults follow Kaldi's compute-fbank-feats / compute-mfcc-feats, except that dither is off.
            """
    )

    @Argument(help: "Audio file, or - for standard input.")
    var input: String

    @Option(name: .shortAndLong, help: "Output .npy file (written atomically).")
    var output: String

    @OptionGroup var frontend: FrontendOptions

    func validate() throws {
        if input != "-" && URL(fileURLWithPath: input).standardizedFileURL == URL(fileURLWithPath: output).standardizedFileURL {
            throw ValidationError("--output must not be the input file (\(input))")
        }
    }

    func run() throws {
        var frames = try Frontend(features: frontend.featureOptions(), resampling: frontend.resampleQuality)
            .compute(AudioSource(argument: input))
        switch frontend.normalize {
        case .none: break
        case .mean: frames.normalizeUtterance(variance: false)
        case .meanVariance: frames.normalizeUtterance(variance: true)
        }
        try NumpyArray(shape: [frames.frameCount, frames.dimension], values: frames.values).write(to: output)
        printError("\(output): \(frames.frameCount) frames × \(frames.dimension) \(frontend.kind.rawValue)")
    }
}
