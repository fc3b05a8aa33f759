import Dispatch
import Foundation

/// Scores recognition against manifest transcripts: word and character error rates summed over
/// utterances (corpus rates, as ``ErrorCounts`` adds them).
///
/// Reference and hypothesis pass through the same ``TextNormalizer``, so casing, punctuation and
/// numbers written as digits do not count as errors. An utterance whose audio cannot be
/// transcribed is never dropped: it is listed in ``EvaluationReport/failures`` and its whole
/// reference counts as deleted (see ``EvaluationReport/failuresCountAsDeletions``), so a run that
/// loses files cannot look better than one that does not.
///
/// The transcription is injected, so the scoring can be tested without a model:
/// ```swift
/// let report = Evaluator(normalizer: TextNormalizer(alphabet: model.description.alphabet))
///     .score(entries: manifest.entries) { entry in try recognizer.transcribe(.file(entry.audioPath)) }
/// ```
public struct Evaluator: Sendable {
    /// Applied to references and hypotheses alike.
    public let normalizer: TextNormalizer

    /// An evaluator normalizing with `normalizer` (use the model's alphabet).
    public init(normalizer: TextNormalizer = TextNormalizer()) {
        self.normalizer = normalizer
    }

    /// Transcribes the entries one after another with `transcribe` and scores them; the
    /// processing time is the wall-clock time `transcribe` takes in total.
    public func score(entries: [ManifestEntry], transcribe: (ManifestEntry) throws -> Transcript) -> EvaluationReport {
        let started = DispatchTime.now().uptimeNanoseconds
        let outcomes = entries.map { entry in Result<Transcript, any Error> { try transcribe(entry) } }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return score(entries: entries, outcomes: outcomes, processingSeconds: seconds)
    }

    /// Scores transcriptions already made: `outcomes[i]` is the result for `entries[i]`;
    /// `processingSeconds` is how long they took (wall clock).
    public func score(entries: [ManifestEntry], outcomes: [Result<Transcript, any Error>], processingSeconds: Double) -> EvaluationReport {
        precondition(entries.count == outcomes.count, "Evaluator.score: \(entries.count) entries but \(outcomes.count) outcomes")
        var report = EvaluationReport(processingSeconds: processingSeconds)
        for (entry, outcome) in zip(entries, outcomes) {
            let reference = normalizer.normalize(entry.transcript)
            report.unknownCharacters.formUnion(reference.unknown)
            let utterance: UtteranceEvaluation
            switch outcome {
            case .success(let transcript):
                let hypothesis = normalizer.normalize(transcript.text).text
                utterance = UtteranceEvaluation(
                    path: entry.audioPath, reference: reference.text, hypothesis: hypothesis,
                    words: ErrorRate.words(reference: reference.text, hypothesis: hypothesis),
                    characters: ErrorRate.characters(reference: reference.text, hypothesis: hypothesis),
                    duration: transcript.duration)
            case .failure(let error):
                // Nothing was recognized: every reference token is a deletion.
                let words = ErrorRate.words(reference: reference.text, hypothesis: "")
                let characters = ErrorRate.characters(reference: reference.text, hypothesis: "")
                utterance = UtteranceEvaluation(
                    path: entry.audioPath, reference: reference.text, hypothesis: "",
                    words: words, characters: characters, duration: 0, failure: "\(error)")
            }
            report.add(utterance)
        }
        return report
    }
}

/// How one utterance scored.
public struct UtteranceEvaluation: Sendable, Equatable, Codable {
    /// The audio file, as the manifest resolved it.
    public var path: String
    /// The normalized reference transcript.
    public var reference: String
    /// The normalized recognized text (empty when the audio failed).
    public var hypothesis: String
    /// Word edit counts against the reference.
    public var words: ErrorCounts
    /// Character edit counts against the reference (spaces included).
    public var characters: ErrorCounts
    /// Audio duration in seconds (0 when the audio failed).
    public var duration: Double
    /// Why the audio could not be transcribed (nil when it was), naming the file.
    public var failure: String?

    /// Creates a result.
    public init(path: String, reference: String, hypothesis: String, words: ErrorCounts, characters: ErrorCounts,
                duration: Double, failure: String? = nil) {
        self.path = path
        self.reference = reference
        self.hypothesis = hypothesis
        self.words = words
        self.characters = characters
        self.duration = duration
        self.failure = failure
    }
}

/// The outcome of an evaluation: per-utterance results and their totals.
public struct EvaluationReport: Sendable, Equatable {
    /// Failed utterances count their whole reference as deletions in ``words`` and ``characters``
    /// (so failures raise the error rates rather than vanish from them).
    public static let failuresCountAsDeletions = true

    /// Every utterance, in manifest order, failed ones included.
    public var utterances: [UtteranceEvaluation] = []
    /// Word counts summed over all utterances; ``ErrorCounts/rate`` is the WER in percent.
    public var words = ErrorCounts()
    /// Character counts summed over all utterances; ``ErrorCounts/rate`` is the CER in percent.
    public var characters = ErrorCounts()
    /// Seconds of audio transcribed (failed utterances add nothing).
    public var audioSeconds: Double = 0
    /// Wall-clock seconds the transcription took (model loading excluded).
    public var processingSeconds: Double = 0
    /// Reference characters the normalizer's alphabet cannot spell (dropped from the references).
    public var unknownCharacters: Set<Character> = []

    /// An empty report.
    public init(processingSeconds: Double = 0) {
        self.processingSeconds = processingSeconds
    }

    /// The utterances whose audio could not be transcribed.
    public var failures: [UtteranceEvaluation] { utterances.filter { $0.failure != nil } }

    /// Processing time over audio time (below 1 is faster than real time; 0 without audio).
    public var realTimeFactor: Double { audioSeconds > 0 ? processingSeconds / audioSeconds : 0 }

    /// Adds one utterance to the list and the totals.
    public mutating func add(_ utterance: UtteranceEvaluation) {
        utterances.append(utterance)
        words += utterance.words
        characters += utterance.characters
        audioSeconds += utterance.duration
    }

    /// A summary for people: WER and CER with their edit counts, utterances, audio and processing
    /// time and the real-time factor, one item per line.
    public func summary() -> String {
        func counts(_ c: ErrorCounts, _ unit: String) -> String {
            String(format: "%.2f%% (S %d, D %d, I %d; %d reference %@)", c.rate, c.substitutions, c.deletions, c.insertions, c.referenceLength, unit)
        }
        let failed = failures.count
        return """
            WER: \(counts(words, "words"))
            CER: \(counts(characters, "characters"))
            utterances: \(utterances.count)\(failed > 0 ? " (\(failed) failed; their reference words count as deletions)" : "")
            audio: \(String(format: "%.3f", audioSeconds)) s
            processing: \(String(format: "%.3f", processingSeconds)) s
            real-time factor: \(String(format: "%.4f", realTimeFactor))
            """
    }

    /// Per-utterance lines, tab-separated after a `#` header: path, reference, hypothesis,
    /// word errors, reference words, failure message (empty when none).
    public func details() -> String {
        var lines = ["# path\treference\thypothesis\tword_errors\treference_words\tfailure"]
        for u in utterances {
            lines.append([u.path, u.reference, u.hypothesis, "\(u.words.errors)", "\(u.words.referenceLength)", u.failure ?? ""]
                .map { $0.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ") }
                .joined(separator: "\t"))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The report as a JSON object (pretty-printed, keys sorted): `wer` and `cer` in percent,
    /// word edit counts (`substitutions`, `deletions`, `insertions`, `reference_words`), character
    /// edit counts (`char_…`, `reference_chars`), `utterances`, `audio_seconds`,
    /// `processing_seconds`, `real_time_factor`, `failed`, `failures` (`[{file, error}]`) and
    /// `failed_counted_as_deletions`.
    public func jsonData() -> Data {
        let json = JSONReport(
            wer: words.rate, cer: characters.rate,
            substitutions: words.substitutions, deletions: words.deletions, insertions: words.insertions,
            referenceWords: words.referenceLength,
            charSubstitutions: characters.substitutions, charDeletions: characters.deletions,
            charInsertions: characters.insertions, referenceChars: characters.referenceLength,
            utterances: utterances.count, audioSeconds: audioSeconds, processingSeconds: processingSeconds,
            realTimeFactor: realTimeFactor, failed: failures.count,
            failures: failures.map { JSONReport.Failure(file: $0.path, error: $0.failure ?? "") },
            failedCountedAsDeletions: Self.failuresCountAsDeletions)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Every field is a finite number, a string or a list of those, so encoding cannot fail.
        return (try? encoder.encode(json)).map { $0 + Data("\n".utf8) } ?? Data("{}\n".utf8)
    }

    private struct JSONReport: Encodable {
        struct Failure: Encodable { var file: String, error: String }
        var wer, cer: Double
        var substitutions, deletions, insertions, referenceWords: Int
        var charSubstitutions, charDeletions, charInsertions, referenceChars: Int
        var utterances: Int
        var audioSeconds, processingSeconds, realTimeFactor: Double
        var failed: Int
        var failures: [Failure]
        var failedCountedAsDeletions: Bool

        enum CodingKeys: String, CodingKey {
            case wer, cer, substitutions, deletions, insertions, utterances, failed, failures
            case referenceWords = "reference_words", referenceChars = "reference_chars"
            case charSubstitutions = "char_substitutions", charDeletions = "char_deletions", charInsertions = "char_insertions"
            case audioSeconds = "audio_seconds", processingSeconds = "processing_seconds", realTimeFactor = "real_time_factor"
            case failedCountedAsDeletions = "failed_counted_as_deletions"
        }
    }
}

/// Recognizers for several threads: one per worker, each with its own copy of the model, since a
/// ``Recognizer`` drives its network and must not be shared between threads.
///
/// Worker 0 uses the model it is given; the others get copies. Do not use that model elsewhere
/// while the pool is working.
public final class RecognizerPool: Sendable {
    /// One recognizer serves every worker: recognition only reads the model.
    private let recognizer: Recognizer
    /// How many inputs are transcribed at once.
    public let workers: Int

    /// A pool of `workers` threads (at least 1) recognizing with `model` and `options`.
    public init(model: AcousticModel, options: RecognizerOptions = RecognizerOptions(), workers: Int) {
        precondition(workers >= 1, "RecognizerPool: workers must be at least 1, got \(workers)")
        recognizer = Recognizer(model: model, options: options)
        self.workers = workers
    }

    /// Transcribes `sources` on up to ``workers`` threads; the results are in input order.
    ///
    /// `delivered`, when given, is called once per input in input order, each call as soon as that
    /// input and every one before it are done; calls never overlap, so it may print.
    public func transcribe(_ sources: [AudioSource],
                           delivered: (@Sendable (_ index: Int, _ outcome: Result<Transcript, any Error>) -> Void)? = nil)
        -> [Result<Transcript, any Error>] {
        let jobs = OrderedJobs(count: sources.count, delivered: delivered)
        let work: @Sendable (Int) -> Void = { _ in
            let recognizer = self.recognizer
            while let index = jobs.claim() {
                jobs.finish(index, Result { try recognizer.transcribe(sources[index]) })
            }
        }
        let active = min(workers, sources.count)
        if active <= 1 {
            work(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: active, execute: work)
        }
        return jobs.results
    }
}

/// A queue of numbered jobs whose results are collected, and delivered, in order.
private final class OrderedJobs: @unchecked Sendable {
    /// Guards `next`; separate from `lock` so a slow delivery does not hold up other workers' next job.
    private let claimLock = NSLock()
    private var next = 0
    private let count: Int
    /// Guards the slots and the delivery position; held while delivering, so deliveries never overlap.
    private let lock = NSLock()
    private var nextToDeliver = 0
    private var slots: [Result<Transcript, any Error>?]
    private let delivered: (@Sendable (Int, Result<Transcript, any Error>) -> Void)?

    init(count: Int, delivered: (@Sendable (Int, Result<Transcript, any Error>) -> Void)?) {
        self.count = count
        slots = Array(repeating: nil, count: count)
        self.delivered = delivered
    }

    /// The next job's index, or nil when all are taken.
    func claim() -> Int? {
        claimLock.withLock {
            guard next < count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    /// Stores a result and delivers every result now ready in order.
    func finish(_ index: Int, _ outcome: Result<Transcript, any Error>) {
        lock.withLock {
            slots[index] = outcome
            while nextToDeliver < slots.count, let ready = slots[nextToDeliver] {
                delivered?(nextToDeliver, ready)
                nextToDeliver += 1
            }
        }
    }

    var results: [Result<Transcript, any Error>] { lock.withLock { slots.map { $0! } } }
}
