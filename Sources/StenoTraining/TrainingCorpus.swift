import Foundation
import Steno

/// One utterance ready for training: its waveform, or for validation its features, and its labels.
public struct PreparedUtterance: Sendable {
    /// The audio file.
    public var path: String
    /// The normalized transcript.
    public var text: String
    /// Label indices of `text` in the alphabet.
    public var labels: [Int]
    /// Mono samples at the features' rate, kept for training so every epoch can hear another
    /// version (speed, room, channel, noise); empty in a corpus prepared with features only, or
    /// with ``TrainingCorpus/Keep/paths`` (then the file is decoded when a batch needs it).
    public var samples: [Float]
    /// The length of the audio in samples at the features' rate (from the header when the samples
    /// are not kept).
    public var sampleCount = 0
    /// The clean features `[frames, dimension]` (not yet normalized): computed at preparation for
    /// validation corpora, and on demand (``TrainingCorpus/withFeatures(_:threads:)``) for training ones.
    public var features: FeatureMatrix?

    /// Input frames of the clean audio (before stacking), from the features or the sample count.
    public func frameCount(shift: Int) -> Int {
        features?.frameCount ?? max(samples.count, sampleCount) / max(1, shift)
    }

    /// The waveform at `rate` Hz: the kept samples, or the file decoded now.
    func waveform(rate: Int) throws -> [Float] {
        if !samples.isEmpty || sampleCount == 0 { return samples }
        return try AudioDecoder.decode(.file(path), sampleRate: rate).samples
    }
}

/// What went wrong while preparing a corpus; each problem is counted, none silently dropped.
public struct PreparationReport: Sendable {
    /// Utterances prepared.
    public var prepared = 0
    /// Audio seconds prepared.
    public var seconds = 0.0
    /// Files that are missing or could not be decoded, with the message.
    public var unreadable: [String] = []
    /// Entries whose transcript is empty after normalization.
    public var emptyTranscripts: [String] = []
    /// Entries longer than the length limit.
    public var tooLong: [String] = []
    /// Characters dropped from transcripts because the alphabet lacks them.
    public var unknownCharacters: Set<Character> = []
}

/// The utterances of some manifests, decoded once: training corpora keep waveforms (augmented
/// afresh every epoch), validation corpora keep features.
public struct TrainingCorpus: Sendable {
    public var utterances: [PreparedUtterance]

    public init(utterances: [PreparedUtterance]) { self.utterances = utterances }

    /// What a prepared utterance keeps.
    public enum Keep: Sendable {
        /// The waveform, for training with augmentation.
        case samples
        /// The clean features only, for validation.
        case features
        /// Only the path and the length (from the header): the audio is decoded again whenever a
        /// batch needs it, so a process holds no more than its batches (for corpora larger than
        /// memory, and for MPI ranks, which each read only their shares of every batch).
        case paths
    }

    /// Prepares every entry of `manifests`.
    /// - Parameters:
    ///   - keep: waveforms (training) or features (validation).
    ///   - maximumSeconds: longer utterances are skipped (and reported).
    ///   - threads: files decoded in parallel.
    public static func prepare(
        manifests: [Manifest], features: FeatureOptions, alphabet: Alphabet, keep: Keep = .samples,
        maximumSeconds: Double = 30, threads: Int = 1
    ) -> (TrainingCorpus, PreparationReport) {
        let entries = manifests.flatMap(\.entries)
        let normalizer = TextNormalizer(alphabet: alphabet)
        let slots = PreparationSlots(count: entries.count)
        let rate = Int(features.frame.sampleRate)
        let work: @Sendable (Int) -> Void = { index in
            let entry = entries[index]
            let normalized = normalizer.normalize(entry.transcript)
            slots.noteUnknown(normalized.unknown)
            guard !normalized.text.isEmpty, let labels = try? alphabet.encode(normalized.text) else {
                slots.set(index, .emptyTranscript(entry.audioPath))
                return
            }
            do {
                var utterance = PreparedUtterance(path: entry.audioPath, text: normalized.text, labels: labels, samples: [], features: nil)
                let duration: Double
                if keep == .paths {
                    let info = try AudioDecoder.info(.file(entry.audioPath))
                    duration = info.duration
                    utterance.sampleCount = Int((info.duration * Double(rate)).rounded())
                } else {
                    let audio = try AudioDecoder.decode(.file(entry.audioPath), sampleRate: rate)
                    duration = audio.duration
                    if keep == .samples { utterance.samples = audio.samples } else { utterance.features = try FeatureExtractor(options: features).compute(audio.samples) }
                }
                guard duration <= maximumSeconds else {
                    slots.set(index, .tooLong(entry.audioPath))
                    return
                }
                slots.set(index, .prepared(utterance, duration))
            } catch {
                slots.set(index, .unreadable("\(error)"))
            }
        }
        if threads > 1 {
            DispatchQueue.concurrentPerform(iterations: entries.count, execute: work)
        } else {
            for index in entries.indices { work(index) }
        }
        var report = PreparationReport()
        var utterances: [PreparedUtterance] = []
        for outcome in slots.outcomes {
            switch outcome {
            case .prepared(let utterance, let seconds):
                utterances.append(utterance)
                report.prepared += 1
                report.seconds += seconds
            case .unreadable(let message): report.unreadable.append(message)
            case .emptyTranscript(let path): report.emptyTranscripts.append(path)
            case .tooLong(let path): report.tooLong.append(path)
            case nil: break
            }
        }
        report.unknownCharacters = slots.unknown
        return (TrainingCorpus(utterances: utterances), report)
    }

    /// This corpus with the clean features of every utterance that has samples but no features.
    public func withFeatures(_ options: FeatureOptions, threads: Int = 1) throws -> TrainingCorpus {
        var copy = self
        let results = Slots<Result<FeatureMatrix, Error>>(count: utterances.count)
        let work: @Sendable (Int) -> Void = { [utterances] index in
            guard utterances[index].features == nil else { return }
            let rate = Int(options.frame.sampleRate)
            results.set(index, Result { try FeatureExtractor(options: options).compute(utterances[index].waveform(rate: rate)) })
        }
        if threads > 1 { DispatchQueue.concurrentPerform(iterations: utterances.count, execute: work) } else { for i in utterances.indices { work(i) } }
        for index in utterances.indices {
            if let result = results.get(index) { copy.utterances[index].features = try result.get() }
        }
        return copy
    }

    /// Mean and variance of every feature dimension over the clean audio of the corpus.
    public func statistics(_ options: FeatureOptions, threads: Int = 1) throws -> NormalizationStatistics? {
        guard !utterances.isEmpty else { return nil }
        let withFeatures = try withFeatures(options, threads: threads)
        var statistics = NormalizationStatistics(dimension: options.dimension)
        for utterance in withFeatures.utterances { statistics.accumulate(utterance.features!) }
        return statistics
    }
}

/// Audio played `speed` times faster (and higher), as in Ko et al. (2015): resampled from
/// `speed`·rate to rate.
func perturbSpeed(_ samples: [Float], by speed: Double, rate: Int, name: String) throws(AudioError) -> [Float] {
    let playedAt = Int((Double(rate) * speed).rounded())
    if let resampler = PolyphaseResampler.cached(from: playedAt, to: rate) { return resampler.resample(samples) }
    let resampler = try Resampler(from: playedAt, to: rate, quality: .fastest, name: name)
    var output: [Float] = []
    try samples.withUnsafeBufferPointer { buffer throws(AudioError) in
        try resampler.process(buffer, endOfInput: true, appendingTo: &output)
    }
    return output
}

private enum PreparationOutcome: Sendable {
    case prepared(PreparedUtterance, Double)
    case unreadable(String)
    case emptyTranscript(String)
    case tooLong(String)
}

/// Results written by parallel workers, one slot each.
final class Slots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Value?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Value) { lock.withLock { values[index] = value } }
    func get(_ index: Int) -> Value? { lock.withLock { values[index] } }
    var all: [Value?] { lock.withLock { values } }
}

/// Preparation outcomes written by parallel workers, one slot each.
private final class PreparationSlots: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var outcomes: [PreparationOutcome?]
    private(set) var unknown: Set<Character> = []
    init(count: Int) { outcomes = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ outcome: PreparationOutcome) { lock.withLock { outcomes[index] = outcome } }
    func noteUnknown(_ characters: Set<Character>) {
        guard !characters.isEmpty else { return }
        lock.withLock { unknown.formUnion(characters) }
    }
}
