import Foundation

/// Where audio comes from.
public enum AudioSource: Sendable, Equatable {
    /// A file on disk.
    case file(String)
    /// Everything on standard input (any format libsndfile reads).
    case standardInput
    /// Encoded audio bytes already in memory; `name` is used in messages.
    case bytes([UInt8], name: String)

    /// The source a command-line argument names: `-` is standard input, anything else a path.
    public init(argument: String) {
        self = argument == "-" ? .standardInput : .file(argument)
    }

    /// How messages name the source.
    public var name: String {
        switch self {
        case .file(let path): path
        case .standardInput: "-"
        case .bytes(_, let name): name
        }
    }
}

/// What a file's header says about its audio.
public struct AudioFileInfo: Sendable, Equatable {
    /// The source as the user named it.
    public var name: String
    /// The container, e.g. "WAV (Microsoft)", "FLAC (Free Lossless Audio Codec)".
    public var container: String
    /// The sample encoding, e.g. "Signed 16 bit PCM", "Opus".
    public var encoding: String
    /// Samples per second per channel, in Hz.
    public var sampleRate: Int
    /// Interleaved channels.
    public var channels: Int
    /// Frames (samples per channel) the header declares.
    public var frames: Int64
    /// Duration in seconds.
    public var duration: Double { Double(frames) / Double(sampleRate) }
}

/// Decodes any format libsndfile reads into mono samples in [-1, 1] at a chosen rate,
/// one block at a time, so that a long file is never held in memory twice.
///
/// Channels are averaged; the rate is converted with libsamplerate. Samples that are NaN or
/// infinite, and files shorter than their headers declare, are reported as errors.
/// Not thread-safe: one reader per thread.
public final class MonoAudioReader {
    /// What the source's header says.
    public let info: AudioFileInfo
    /// The rate of the blocks this reader returns, in Hz.
    public let sampleRate: Int

    private let file: SoundFile
    private let resampler: Resampler?
    private let checksFiniteness: Bool
    private var interleaved: [Float]
    private var framesRead: Int64 = 0
    private var finished = false
    private let blockFrames: Int
    /// When true, a file shorter than its header declares is not an error: what it holds is
    /// decoded and ``shortfall`` says how much was missing.
    public let acceptsTruncation: Bool
    /// Frames (at the file's rate) the header declared but the file did not hold; only ever
    /// non-zero when ``acceptsTruncation``, and final once the last block is read.
    public private(set) var shortfall: Int64 = 0

    /// Opens `source` for decoding.
    /// - Parameters:
    ///   - sampleRate: the output rate in Hz (16 000 by default); `nil` keeps the file's own rate.
    ///   - quality: the resampler used when the rates differ.
    ///   - blockFrames: frames decoded per block, at the file's rate.
    ///   - acceptsTruncation: decode a file shorter than its header says as far as it goes
    ///     (``shortfall`` tells how much is missing) instead of throwing.
    public init(_ source: AudioSource, sampleRate: Int? = 16_000, quality: ResamplerQuality = .medium, blockFrames: Int = 16_384,
                acceptsTruncation: Bool = false) throws(AudioError) {
        switch source {
        case .file(let path): file = try SoundFile.open(path: path)
        case .standardInput: file = try SoundFile.open(bytes: Self.readStandardInput(), name: "-")
        case .bytes(let bytes, let name): file = try SoundFile.open(bytes: bytes, name: name)
        }
        self.acceptsTruncation = acceptsTruncation
        if let truncation = file.truncationError {
            guard acceptsTruncation, let (declared, found) = file.dataShortfall else { throw truncation }
            shortfall = Int64((Double(file.declaredFrames) * (Double(declared) / Double(max(1, found)) - 1)).rounded())
        }
        info = AudioFileInfo(
            name: source.name, container: file.containerName, encoding: file.encodingName,
            sampleRate: file.sampleRate, channels: file.channels, frames: file.declaredFrames)
        self.sampleRate = sampleRate ?? file.sampleRate
        if self.sampleRate != file.sampleRate {
            resampler = try Resampler(from: file.sampleRate, to: self.sampleRate, quality: quality, name: source.name)
        } else {
            resampler = nil
        }
        checksFiniteness = file.hasFloatingPointSamples
        self.blockFrames = max(1, blockFrames)
        interleaved = [Float](repeating: 0, count: self.blockFrames * file.channels)
        if info.frames == 0 { throw AudioError(file: source.name, kind: .noSamples) }
    }

    /// Returns the next block of mono samples at ``sampleRate``, or `nil` after the last.
    /// A block may be empty while the resampler fills its filter.
    public func nextBlock() throws(AudioError) -> [Float]? {
        if finished { return nil }
        let channels = file.channels
        let count = try interleaved.withUnsafeMutableBufferPointer { buffer throws(AudioError) in
            try file.readFrames(into: buffer.baseAddress!, frames: blockFrames)
        }
        var mono = [Float](repeating: 0, count: count)
        try interleaved.withUnsafeBufferPointer { samples throws(AudioError) in
            try mono.withUnsafeMutableBufferPointer { out throws(AudioError) in
                if channels == 1 {
                    _ = out.initialize(from: samples[0..<count])
                } else {
                    let scale = 1 / Float(channels)
                    for frame in 0..<count {
                        var sum: Float = 0
                        for channel in 0..<channels { sum += samples[frame * channels + channel] }
                        out[frame] = sum * scale
                    }
                }
                if checksFiniteness, let bad = out.firstIndex(where: { !$0.isFinite }) {
                    throw AudioError(file: info.name, kind: .nonFiniteSample(frame: framesRead + Int64(bad)))
                }
            }
        }
        framesRead += Int64(count)
        // libsndfile fills the whole request until the end, but a short read is not proof of it.
        let atEnd = count == 0
        if atEnd {
            finished = true
            try checkComplete()
        }
        guard let resampler else { return mono.isEmpty && atEnd ? nil : mono }
        var output: [Float] = []
        output.reserveCapacity(Int(Double(count) * Double(sampleRate) / Double(file.sampleRate)) + 64)
        try mono.withUnsafeBufferPointer { input throws(AudioError) in
            try resampler.process(input, endOfInput: atEnd, appendingTo: &output)
        }
        return output
    }

    /// Decodes everything that is left into one array.
    public func readAll() throws(AudioError) -> [Float] {
        var samples: [Float] = []
        samples.reserveCapacity(Self.initialCapacity(expectedSamples: Double(info.frames - framesRead) * Double(sampleRate) / Double(file.sampleRate)))
        while let block = try nextBlock() { samples.append(contentsOf: block) }
        return samples
    }

    /// The capacity to reserve for `expectedSamples`, the header's claim: at most 2^24 samples
    /// (64 MB). A compressed file may claim hours it does not hold (a FLAC header has room for 2^36
    /// frames), so the claim only sizes the first allocation and the array grows as blocks come.
    static func initialCapacity(expectedSamples: Double) -> Int {
        guard expectedSamples.isFinite && expectedSamples > 0 else { return 0 }
        return Int(min(expectedSamples, 0x100_0000)) + 1024
    }

    private func checkComplete() throws(AudioError) {
        if framesRead == 0 { throw AudioError(file: info.name, kind: .noSamples) }
        // libsndfile reports an unknown length as a huge count; only a real shortfall is an error.
        let declared = info.frames
        guard declared > 0 && declared < Int64.max / 2 && framesRead < declared else { return }
        // An MP3's count is an estimate (encoder delay and padding, VBR without an exact header):
        // a few frames' difference is not a truncation, a file cut short is.
        if file.hasEstimatedLength && declared - framesRead <= Self.estimateTolerance(declared: declared) { return }
        if acceptsTruncation {
            shortfall += declared - framesRead
            return
        }
        throw AudioError(file: info.name, kind: .truncated(declared: "\(declared) frames", found: "\(framesRead)"))
    }

    /// How far an estimated length may be off without meaning truncation: 1% of it, and at least
    /// four MP3 frames of 1152 samples plus the largest encoder delay and padding (about 2 900 samples).
    static func estimateTolerance(declared: Int64) -> Int64 {
        max(declared / 100, 4 * 1152 + 2900)
    }

    private static func readStandardInput() throws(AudioError) -> [UInt8] {
        do {
            return [UInt8](try FileHandle.standardInput.readToEnd() ?? Data())
        } catch {
            throw AudioError(file: "-", kind: .unreadable(error.localizedDescription))
        }
    }
}

/// Mono audio decoded in full.
public struct DecodedAudio: Sendable, Equatable {
    /// Samples in [-1, 1] (floating-point sources may exceed it), `[frames]`.
    public var samples: [Float]
    /// Samples per second, in Hz.
    public var sampleRate: Int
    /// The source's header, before mixing and resampling.
    public var source: AudioFileInfo
    /// Duration of `samples` in seconds.
    public var duration: Double { Double(samples.count) / Double(sampleRate) }
}

/// One-call entry points over ``MonoAudioReader``.
public enum AudioDecoder {
    /// Reads only the header of `source`.
    public static func info(_ source: AudioSource) throws(AudioError) -> AudioFileInfo {
        try MonoAudioReader(source, sampleRate: nil).info
    }

    /// Decodes `source` to mono at `sampleRate` Hz (16 000 by default). With `acceptingShortfall`,
    /// a file shorter than its header says gives what it holds instead of an error.
    public static func decode(_ source: AudioSource, sampleRate: Int = 16_000, quality: ResamplerQuality = .medium,
                              acceptingShortfall: Bool = false) throws(AudioError) -> DecodedAudio {
        let reader = try MonoAudioReader(source, sampleRate: sampleRate, quality: quality, acceptsTruncation: acceptingShortfall)
        let samples = try reader.readAll()
        return DecodedAudio(samples: samples, sampleRate: reader.sampleRate, source: reader.info)
    }
}
