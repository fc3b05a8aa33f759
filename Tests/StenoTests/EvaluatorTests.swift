import Foundation
@testable import Steno
import Testing

/// A transcript of `text` lasting `duration` seconds, as a recognizer would return it (word times do not matter here).
private func heard(_ text: String, duration: Double = 1, name: String = "x.wav") -> Transcript {
    Transcript(name: name, text: text, words: [], duration: duration, alternatives: [Hypothesis(text: text, words: [], score: 0)])
}

@Suite("Evaluator")
struct EvaluatorTests {
    let evaluator = Evaluator(normalizer: TextNormalizer(alphabet: .english))

    /// A stub recognizer: what it "hears" in each file; files it does not know are missing.
    static func stub(_ texts: [String: String]) -> (ManifestEntry) throws -> Transcript {
        { entry in
            guard let text = texts[entry.audioPath] else { throw AudioError(file: entry.audioPath, kind: .fileNotFound) }
            return heard(text, duration: 2, name: entry.audioPath)
        }
    }

    @Test("References and hypotheses are normalized alike; counts add over utterances")
    func corpusCounts() {
        let entries = [
            ManifestEntry(audioPath: "a.wav", transcript: "Hello, World!", line: 1),
            ManifestEntry(audioPath: "b.wav", transcript: "I have 3 cats.", line: 2),
        ]
        let report = evaluator.score(entries: entries, transcribe: Self.stub(["a.wav": "hello word", "b.wav": "I HAVE THREE CATS"]))
        // a: "hello world" vs "hello word": 1 of 2 words substituted; 1 of 11 characters deleted.
        #expect(report.utterances[0].words == ErrorCounts(substitutions: 1, referenceLength: 2))
        #expect(report.utterances[0].characters == ErrorCounts(deletions: 1, referenceLength: 11))
        // b: digits and casing are normalized away: no errors.
        #expect(report.utterances[1].reference == "i have three cats")
        #expect(report.utterances[1].words == ErrorCounts(referenceLength: 4))
        #expect(report.words == ErrorCounts(substitutions: 1, referenceLength: 6))
        #expect(abs(report.words.rate - 100.0 / 6) < 1e-12)  // one error in six words, up to rounding
        #expect(report.characters == ErrorCounts(deletions: 1, referenceLength: 28))
        #expect(report.audioSeconds == 4)
        #expect(report.failures.isEmpty)
    }

    @Test("A failed utterance is kept: listed with its error, its reference counted as deleted")
    func failures() throws {
        let entries = [
            ManifestEntry(audioPath: "a.wav", transcript: "one two", line: 1),
            ManifestEntry(audioPath: "gone.wav", transcript: "three four five", line: 2),
        ]
        let report = evaluator.score(entries: entries, transcribe: Self.stub(["a.wav": "one two"]))
        #expect(report.utterances.count == 2)
        #expect(report.failures.map(\.path) == ["gone.wav"])
        #expect(report.failures.first?.failure == "gone.wav: no such file")
        #expect(report.words == ErrorCounts(deletions: 3, referenceLength: 5))
        #expect(report.characters == ErrorCounts(deletions: 15, referenceLength: 22))
        #expect(report.audioSeconds == 2)
        #expect(EvaluationReport.failuresCountAsDeletions)
    }

    @Test("The JSON report has every key, rates in percent, and the failures")
    func json() throws {
        let entries = [
            ManifestEntry(audioPath: "a.wav", transcript: "one two", line: 1),
            ManifestEntry(audioPath: "gone.wav", transcript: "three four", line: 2),
        ]
        var report = evaluator.score(entries: entries, transcribe: Self.stub(["a.wav": "one"]))
        report.processingSeconds = 0.5
        let object = try #require(JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])
        #expect(Set(object.keys) == [
            "wer", "cer", "substitutions", "deletions", "insertions", "reference_words", "reference_chars",
            "char_substitutions", "char_deletions", "char_insertions", "utterances", "audio_seconds",
            "processing_seconds", "real_time_factor", "failed", "failures", "failed_counted_as_deletions",
        ])
        #expect(object["wer"] as? Double == 75)  // 1 + 2 deletions of 4 words
        #expect(object["deletions"] as? Int == 3)
        #expect(object["reference_words"] as? Int == 4)
        #expect(object["utterances"] as? Int == 2)
        #expect(object["failed"] as? Int == 1)
        #expect(object["audio_seconds"] as? Double == 2)
        #expect(object["real_time_factor"] as? Double == 0.25)
        #expect(object["failed_counted_as_deletions"] as? Bool == true)
        let failures = try #require(object["failures"] as? [[String: String]])
        #expect(failures == [["file": "gone.wav", "error": "gone.wav: no such file"]])
    }

    @Test("Summary and details")
    func text() {
        let entries = [
            ManifestEntry(audioPath: "a.wav", transcript: "one two", line: 1),
            ManifestEntry(audioPath: "gone.wav", transcript: "three", line: 2),
        ]
        var report = evaluator.score(entries: entries, transcribe: Self.stub(["a.wav": "one too"]))
        report.processingSeconds = 1
        #expect(report.summary() == """
            WER: 66.67% (S 1, D 1, I 0; 3 reference words)
            CER: 50.00% (S 1, D 5, I 0; 12 reference characters)
            utterances: 2 (1 failed; their reference words count as deletions)
            audio: 2.000 s
            processing: 1.000 s
            real-time factor: 0.5000
            """)
        #expect(report.details() == """
            # path\treference\thypothesis\tword_errors\treference_words\tfailure
            a.wav\tone two\tone too\t1\t2\t
            gone.wav\tthree\t\t1\t1\tgone.wav: no such file

            """)
    }

    @Test("Without audio the real-time factor is 0, and an empty manifest scores 0")
    func empty() {
        let report = evaluator.score(entries: [], transcribe: Self.stub([:]))
        #expect(report.realTimeFactor == 0)
        #expect(report.words.rate == 0)
    }

    @Test("A pool of recognizers returns the results of one, in input order, and delivers them in order")
    func pool() throws {
        let network = NetworkConfiguration(inputSize: 80, classes: Alphabet.english.classCount, stacking: 4, layers: 1, hiddenSize: 8,
                                           chunk: 4, lookahead: 2)
        let model = AcousticModel(ModelDescription(alphabet: .english, features: .fbank(bins: 80), network: network), seed: 3)
        let folder = NSTemporaryDirectory() + "steno-pool-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var sources: [AudioSource] = []
        for index in 0..<6 {
            let path = "\(folder)/\(index).wav"
            let samples = (0..<(4_000 * (index + 1))).map { Float(0.3 * sin(Double($0 * (index + 3)) * 0.05)) }
            try AudioFileWriter.write(samples, sampleRate: 16_000, format: .wav16, to: path)
            sources.append(.file(path))
        }
        sources.insert(.file("\(folder)/missing.wav"), at: 2)

        let single = RecognizerPool(model: model.copy(), workers: 1).transcribe(sources)
        let order = OrderLog()
        let parallel = RecognizerPool(model: model, workers: 3).transcribe(sources) { index, _ in order.append(index) }
        #expect(order.indices == Array(sources.indices))
        for (one, many) in zip(single, parallel) {
            switch (one, many) {
            case (.success(let a), .success(let b)): #expect(a == b)
            case (.failure(let a), .failure(let b)): #expect("\(a)" == "\(b)")
            default: Issue.record("outcomes differ: \(one) vs \(many)")
            }
        }
        #expect(try parallel[6].get().duration == 6 * 4_000 / 16_000)  // the sixth file: 24 000 samples at 16 kHz
        #expect(throws: AudioError.self) { try parallel[2].get() }
    }
}

/// Indices in the order they were delivered.
private final class OrderLog: @unchecked Sendable {
    private let lock = NSLock()
    private var log: [Int] = []
    func append(_ index: Int) { lock.withLock { log.append(index) } }
    var indices: [Int] { lock.withLock { log } }
}
