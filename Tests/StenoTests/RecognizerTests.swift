import Foundation
import Testing
@testable import Steno

@Suite("Recognizer")
struct RecognizerTests {
    /// A small untrained model; its outputs are arbitrary but deterministic.
    func model(chunk: Int?) -> AcousticModel {
        let network = NetworkConfiguration(inputSize: 16, classes: 29, stacking: 2, layers: 2, hiddenSize: 8, chunk: chunk, lookahead: 1)
        var statistics = NormalizationStatistics(dimension: 16)
        statistics.accumulate(FeatureMatrix(dimension: 16, values: (0..<160).map { Float($0 % 16) * 1.5 + Float($0 / 16) }))
        return AcousticModel(ModelDescription(alphabet: .english, features: .fbank(bins: 16), network: network, normalization: statistics), seed: 4)
    }

    @Test("Block-wise decoding through the streaming network equals greedy decoding of one offline pass", arguments: [Int?.some(3), nil])
    func streamingEqualsOffline(chunk: Int?) throws {
        let scratch = Scratch()
        let path = scratch.file("noise.wav")
        var random = SplitMix64(seed: 5)
        // 2.5 s: several audio blocks and many network chunks.
        try AudioFileWriter.write((0..<40_000).map { _ in Float(random.uniform() - 0.5) * 0.4 }, sampleRate: 16_000, format: .wav16, to: path)
        let model = model(chunk: chunk)
        let transcript = try Recognizer(model: model).transcribe(.file(path))
        #expect(abs(transcript.duration - 2.5) < 1e-9)

        let features = try Frontend(features: model.description.features).compute(.file(path))
        let (logits, frames) = model.logits(model.normalized(features))
        let labels = logits.withUnsafeBufferPointer { GreedyDecoder.decode($0, frames: frames, classes: 29).labels }
        let expected = model.description.alphabet.decode(labels).split(separator: " ").joined(separator: " ")
        #expect(!expected.isEmpty, "an untrained model should still emit characters for this to test anything")
        #expect(transcript.text == expected)
        #expect(transcript.words.map(\.word).joined(separator: " ") == transcript.text)
        // Times are in order and inside the audio; confidences are probabilities.
        #expect(transcript.words.allSatisfy { $0.start < $0.end && $0.end <= 2.5 + 0.04 && (0...1).contains($0.confidence) })
    }

    @Test("A copied model transcribes the same, independently")
    func copies() throws {
        let scratch = Scratch()
        let path = scratch.file("tone.wav")
        try AudioFileWriter.write((0..<16_000).map { Float(sin(Double($0) * 0.05)) * 0.3 }, sampleRate: 16_000, format: .wav16, to: path)
        let original = model(chunk: 3)
        let copy = original.copy()
        copy.network.parameters[0].values[0] += 1
        #expect(original.network.parameters[0].values[0] != copy.network.parameters[0].values[0])
        let again = original.copy()
        #expect(try Recognizer(model: again).transcribe(.file(path)) == Recognizer(model: original).transcribe(.file(path)))
    }

    @Test("Beam search with a vocabulary outputs only its words; n-best lists come best first")
    func vocabularyAndAlternatives() throws {
        let scratch = Scratch()
        let path = scratch.file("noise.wav")
        var random = SplitMix64(seed: 8)
        try AudioFileWriter.write((0..<24_000).map { _ in Float(random.uniform() - 0.5) * 0.4 }, sampleRate: 16_000, format: .wav16, to: path)
        var options = RecognizerOptions(beamWidth: 8)
        options.alternatives = 3
        options.vocabulary = ["Yes", "no", "stop it"]
        let transcript = try Recognizer(model: model(chunk: 3), options: options).transcribe(.file(path))
        let allowed: Set<String> = ["yes", "no", "stop", "it"]
        #expect(transcript.alternatives.count >= 1 && transcript.alternatives.count <= 3)
        for hypothesis in transcript.alternatives {
            #expect(hypothesis.words.allSatisfy { allowed.contains($0.word) }, "\(hypothesis.text)")
        }
        #expect(zip(transcript.alternatives, transcript.alternatives.dropFirst()).allSatisfy { $0.score >= $1.score })
        #expect(transcript.text == transcript.alternatives[0].text)
    }

    @Test("One model shared by recognizers and streams on many threads gives each input the text it gets alone")
    func sharedAcrossThreads() throws {
        let scratch = Scratch()
        var random = SplitMix64(seed: 12)
        let paths = (0..<6).map { scratch.file("input\($0).wav") }
        for (index, path) in paths.enumerated() {
            let samples = (0..<(8_000 + 4_000 * index)).map { _ in Float(random.uniform() - 0.5) * 0.4 }
            try AudioFileWriter.write(samples, sampleRate: 16_000, format: .wav16, to: path)
        }
        let shared = model(chunk: 3)
        let recognizer = Recognizer(model: shared)
        let alone = try paths.map { try recognizer.transcribe(.file($0)).text }
        #expect(alone.contains { !$0.isEmpty })

        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var texts: [Int: String] = [:]
            var streamed: [Int: String] = [:]
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: paths.count * 2) { job in
            let index = job % paths.count
            if job < paths.count {
                let text = (try? recognizer.transcribe(.file(paths[index])).text) ?? "failed"
                results.lock.withLock { results.texts[index] = text }
            } else {
                // A stream per thread over the same model, fed in 100 ms pieces.
                let samples = (try? AudioDecoder.decode(.file(paths[index])).samples) ?? []
                guard let stream = try? StreamRecognizer(model: shared, endpointing: .disabled) else { return }
                var finals: [String] = []
                for start in stride(from: 0, to: samples.count, by: 1_600) {
                    for case .final(let result) in (try? stream.accept(Array(samples[start..<min(samples.count, start + 1_600)]))) ?? [] { finals.append(result.text) }
                }
                for case .final(let result) in stream.finish() { finals.append(result.text) }
                results.lock.withLock { results.streamed[index] = finals.joined(separator: " ") }
            }
        }
        for index in paths.indices {
            #expect(results.texts[index] == alone[index])
            #expect(results.streamed[index] == alone[index])
        }
    }
}
