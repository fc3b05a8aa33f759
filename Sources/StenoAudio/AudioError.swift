/// Why audio could not be read, with the file it concerns.
///
/// The description is a complete message for a user, naming the file first:
/// `corrupt.wav: not a recognised audio file (libsndfile: Format not recognised.)`.
public struct AudioError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// No file exists at the path.
        case fileNotFound
        /// The path names a directory, not a file.
        case isDirectory
        /// The file exists but cannot be opened for reading (permissions, I/O error).
        case unreadable(String)
        /// The file holds no bytes at all.
        case emptyFile
        /// The bytes are not an audio format libsndfile recognises.
        case notAudio(String)
        /// The format is recognised but its encoding is not supported by this build of libsndfile.
        case unsupportedEncoding(String)
        /// The header or the data is damaged, as libsndfile reports it.
        case malformed(String)
        /// The file's structure is damaged in a way Steno checks itself.
        case damaged(String)
        /// The header declares more audio than the file holds.
        case truncated(declared: String, found: String)
        /// The file decodes to zero samples.
        case noSamples
        /// The channel count is zero or beyond ``AudioLimits/channels``.
        case invalidChannelCount(Int)
        /// The sample rate is outside ``AudioLimits/sampleRates`` (Hz).
        case invalidSampleRate(Int)
        /// A decoded sample is NaN or infinite; `frame` counts from 0 at the file's rate.
        case nonFiniteSample(frame: Int64)
        /// Decoding failed part way through.
        case readFailed(String)
        /// The resampler refused the conversion.
        case resamplingFailed(String)
        /// Writing an audio file failed.
        case writeFailed(String)
    }

    /// The file the error concerns, as the user named it (`-` is shown as "standard input").
    public var file: String
    /// What went wrong.
    public var kind: Kind

    /// Creates an error about `file`.
    public init(file: String, kind: Kind) {
        self.file = file
        self.kind = kind
    }

    public var description: String {
        let name = file == "-" ? "standard input" : file
        return "\(name): \(problem)"
    }

    /// The message without the file name.
    public var problem: String {
        switch kind {
        case .fileNotFound: return "no such file"
        case .isDirectory: return "is a directory, not an audio file"
        case .unreadable(let reason): return "cannot be read (\(reason))"
        case .emptyFile: return "the file is empty (0 bytes)"
        case .notAudio(let detail): return "not a recognised audio file (libsndfile: \(detail))"
        case .unsupportedEncoding(let detail): return "unsupported audio encoding (libsndfile: \(detail))"
        case .malformed(let detail): return "damaged audio file (libsndfile: \(detail))"
        case .damaged(let detail): return "damaged audio file (\(detail))"
        case .truncated(let declared, let found):
            return "truncated: the header declares \(declared) but the file holds \(found)"
        case .noSamples: return "the audio holds no samples (duration 0 s)"
        case .invalidChannelCount(let count):
            return "invalid channel count \(count) (expected \(AudioLimits.channels.lowerBound)–\(AudioLimits.channels.upperBound))"
        case .invalidSampleRate(let rate):
            return "invalid sample rate \(rate) Hz (expected \(AudioLimits.sampleRates.lowerBound)–\(AudioLimits.sampleRates.upperBound) Hz)"
        case .nonFiniteSample(let frame): return "sample \(frame) is NaN or infinite"
        case .readFailed(let detail): return "decoding failed (\(detail))"
        case .resamplingFailed(let detail): return "resampling failed (libsamplerate: \(detail))"
        case .writeFailed(let detail): return "cannot write audio (\(detail))"
        }
    }
}

/// The ranges of channel counts and sample rates Steno accepts; anything outside is reported as damaged input.
public enum AudioLimits {
    /// Channel counts accepted in an input file.
    public static let channels: ClosedRange<Int> = 1...256
    /// Sample rates accepted in an input file, in Hz.
    public static let sampleRates: ClosedRange<Int> = 1_000...768_000
}
