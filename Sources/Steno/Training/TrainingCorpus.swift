import Foundation
import StenoCTC
import StenoNN

/// One utterance ready for training: its features (one matrix per speed-perturbation factor, and
/// per noisy copy; not yet normalized) and its label sequence.
public struct PreparedUtterance: Sendable {
    /// The audio file.
    public var path: String
    /// The normalized transcript.
    public var text: String
    /// Label indices of `text` in the alphabet.
    public var labels: [Int]
    /// `[frames, dimension]` per speed factor, in the order of the factors, each followed by its
    /// noisy copy when noise augmentation is on; `features[0]` is always the clean original.
    public var features: [FeatureMatrix]
}

/// What went wrong while preparing a corpus; each problem is counted, none silently dropped.
public struct PreparationReport: Sendable {
    /// Utterances prepared.
    public var prepared = 0
    /// Audio seconds prepared (at speed 1).
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

/// Reads manifests and computes the features of every utterance once, so epochs repeat no FFT work.
public struct TrainingCorpus: Sendable {
    public var utterances: [PreparedUtterance]

    /// Prepares every entry of `manifests`.
    /// - Parameters:
    ///   - speeds: speed-perturbation factors (1 = unchanged); the audio is resampled by each.
    ///   - noise: when given, every speed's audio also gets a noisy copy (after it in `features`),
    ///     drawn from a generator seeded by `noiseSeed` and the entry's index, so it is reproducible.
    ///   - maximumSeconds: longer utterances are skipped (and reported).
    ///   - threads: files decoded in parallel.
    public static func prepare(
        manifests: [Manifest], features: FeatureOptions, alphabet: Alphabet, speeds: [Double] = [1],
        noise: NoiseAugmentation? = nil, noiseSeed: UInt64 = 0, maximumSeconds: Double = 30, threads: Int = 1
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
                let audio = try AudioDecoder.decode(.file(entry.audioPath), sampleRate: rate)
                guard audio.duration <= maximumSeconds else {
                    slots.set(index, .tooLong(entry.audioPath))
                    return
                }
                var matrices: [FeatureMatrix] = []
                var random = SplitMix64(seed: noiseSeed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15))
                for speed in speeds {
                    let samples = speed == 1 ? audio.samples : try perturbSpeed(audio.samples, by: speed, rate: rate, name: entry.audioPath)
                    matrices.append(try FeatureExtractor(options: features).compute(samples))
                    if let noise {
                        matrices.append(try FeatureExtractor(options: features).compute(noise.apply(to: samples, random: &random)))
                    }
                }
                slots.set(index, .prepared(PreparedUtterance(path: entry.audioPath, text: normalized.text, labels: labels, features: matrices), audio.duration))
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

    /// Mean and variance of every feature dimension over the corpus (speed 1).
    public func statistics() -> NormalizationStatistics? {
        guard let first = utterances.first else { return nil }
        var statistics = NormalizationStatistics(dimension: first.features[0].dimension)
        for utterance in utterances { statistics.accumulate(utterance.features[0]) }
        return statistics
    }
}

/// Audio played `speed` times faster (and higher), as in Ko et al. (2015): resampled from
/// `speed`·rate to rate.
func perturbSpeed(_ samples: [Float], by speed: Double, rate: Int, name: String) throws(AudioError) -> [Float] {
    let resampler = try Resampler(from: Int((Double(rate) * speed).rounded()), to: rate, quality: .fastest, name: name)
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
