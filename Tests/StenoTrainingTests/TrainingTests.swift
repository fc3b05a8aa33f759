import Foundation
import Steno
import Testing
@testable import StenoTraining

final class Scratch {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "steno-training-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}

/// A tiny labeled corpus: each utterance a run of tones, one pitch per letter, written as WAV files.
func toneCorpus(in folder: String, transcripts: [String]) throws -> Manifest {
    let pitches: [Character: Double] = ["a": 300, "b": 700, "c": 1_300, "d": 2_100]
    var entries: [ManifestEntry] = []
    for (index, text) in transcripts.enumerated() {
        var samples: [Float] = []
        for letter in text {
            let frequency = pitches[letter] ?? 0
            samples += (0..<2_400).map { Float(0.3 * sin(2 * .pi * frequency * Double($0) / 16_000)) }
            samples += [Float](repeating: 0, count: 800)
        }
        let path = folder + "/utterance\(index).wav"
        try AudioFileWriter.write(samples, sampleRate: 16_000, format: .wav16, to: path)
        entries.append(ManifestEntry(audioPath: path, transcript: text, line: index + 1))
    }
    return Manifest(path: folder + "/manifest.tsv", entries: entries)
}

/// A small model and corpus for fast training tests.
func smallSetup(_ folder: String) throws -> (AcousticModel, TrainingCorpus, TrainingOptions) {
    let manifest = try toneCorpus(in: folder, transcripts: ["ab", "ba", "abc", "cab", "dd", "bad"])
    let features = FeatureOptions.fbank(bins: 16)
    let (corpus, report) = TrainingCorpus.prepare(manifests: [manifest], features: features, alphabet: .english)
    #expect(report.prepared == 6)
    let network = NetworkConfiguration(inputSize: 16, classes: Alphabet.english.classCount, stacking: 2, layers: 1, hiddenSize: 12, chunk: 3, lookahead: 1, dropout: 0.1)
    let model = AcousticModel(ModelDescription(alphabet: .english, features: features, network: network, normalization: try corpus.statistics(features)), seed: 3)
    var options = TrainingOptions()
    options.epochs = 3
    options.batchSize = 2
    options.warmupSteps = 2
    options.checkpointEvery = 1
    options.learningRate = 3e-3
    return (model, corpus, options)
}

@Suite("Training")
struct TrainingTests {
    @Test("Resuming from a mid-run checkpoint gives exactly the weights of an uninterrupted run")
    func resumeIsExact() throws {
        let scratch = Scratch()
        let (model, corpus, options) = try smallSetup(scratch.path)
        let straight = try Trainer(model: model, training: corpus, validation: corpus, options: options,
                               output: scratch.file("straight.steno"), checkpoint: scratch.file("straight.checkpoint"))
        // Keep the checkpoint written after update 4 (epoch 2, batch 2: mid-epoch).
        var saved = false
        straight.progress = { progress in
            if progress.step == 4 && !saved {
                try? FileManager.default.copyItem(atPath: scratch.file("straight.checkpoint"), toPath: scratch.file("at4.checkpoint"))
                saved = true
            }
        }
        let final = try straight.run()
        #expect(saved)
        #expect(final.step == 9 && final.history.count == 3)

        let resumed = try Trainer(resuming: scratch.file("at4.checkpoint"), training: corpus, validation: corpus, output: scratch.file("resumed.steno"))
        #expect(resumed.state.step == 4 && resumed.state.epoch == 1 && resumed.state.nextBatch == 1)
        let resumedFinal = try resumed.run()
        #expect(resumedFinal.history == final.history.map { record in
            var copy = record
            copy.seconds = resumedFinal.history[record.epoch - 1].seconds
            return copy
        })
        for (a, b) in zip(straight.model.network.parameters, resumed.model.network.parameters) {
            let same = a.values == b.values
            #expect(same, "\(a.name) differs after resuming")
        }
    }

    @Test("A weights-only checkpoint is a third of the size, keeps weights and state, and resumes with fresh optimizer moments")
    func weightsOnlyCheckpoint() throws {
        let scratch = Scratch()
        var (model, corpus, options) = try smallSetup(scratch.path)
        options.epochs = 1
        let trainer = try Trainer(model: model, training: corpus, validation: corpus, options: options,
                              output: scratch.file("m.steno"), checkpoint: scratch.file("m.checkpoint"))
        _ = try trainer.run()
        try TrainingCheckpoint.weightsOnly(scratch.file("m.checkpoint")).write(to: scratch.file("w.checkpoint"))
        let size = { (name: String) in try FileManager.default.attributesOfItem(atPath: scratch.file(name))[.size] as! Int }
        #expect(try Double(size("w.checkpoint")) < 0.4 * Double(size("m.checkpoint")))
        #expect(try AcousticModel(contentsOf: scratch.file("w.checkpoint")).network.parameters.map(\.values) == model.network.parameters.map(\.values))
        let resumed = try Trainer(resuming: scratch.file("w.checkpoint"), training: corpus, validation: corpus, output: scratch.file("r.steno"), epochs: 2)
        #expect(resumed.restartedOptimizer)
        #expect(resumed.state.epoch == 1 && resumed.state.step == trainer.state.step)
        let state = try resumed.run()
        #expect(state.history.count == 2 && state.step == 2 * trainer.state.step)
        #expect(throws: ModelLoadError.self) { try TrainingCheckpoint.weightsOnly(scratch.file("m.steno")) }
    }

    @Test("A batch whose loss is not finite is skipped and never reaches the weights")
    func nonFiniteBatch() throws {
        let scratch = Scratch()
        var (model, corpus, options) = try smallSetup(scratch.path)
        for index in corpus.utterances.indices { corpus.utterances[index].samples[1000] = .nan }
        options.epochs = 1
        // SpecAugment could mask the NaN away.
        options.specAugment = .off
        let before = model.network.parameters.map(\.values)
        let trainer = try Trainer(model: model, training: corpus, validation: corpus, options: options,
                              output: scratch.file("m.steno"), checkpoint: scratch.file("m.checkpoint"))
        var warnings: [String] = []
        trainer.log = { warnings.append($0) }
        let state = try trainer.run()
        #expect(state.skippedBatches == 3 && state.step == 0)
        #expect(warnings.filter { $0.contains("non-finite") }.count == 3)
        let unchanged = model.network.parameters.map(\.values) == before
        #expect(unchanged)
    }

    @Test("An unwritable output folder fails before any training")
    func unwritableOutput() throws {
        let scratch = Scratch()
        let (model, corpus, options) = try smallSetup(scratch.path)
        let trainer = try Trainer(model: model, training: corpus, validation: corpus, options: options,
                              output: scratch.file("missing/m.steno"), checkpoint: scratch.file("m.checkpoint"))
        var progressed = false
        trainer.progress = { _ in progressed = true }
        #expect(throws: FileWriteError.self) { try trainer.run() }
        #expect(!progressed)
    }

    @Test("Training lowers the loss; the best model is written and loads back with the same outputs")
    func learnsAndSaves() throws {
        let scratch = Scratch()
        var (model, corpus, options) = try smallSetup(scratch.path)
        options.epochs = 8
        options.specAugment = .off
        let trainer = try Trainer(model: model, training: corpus, validation: corpus, options: options,
                              output: scratch.file("m.steno"), checkpoint: scratch.file("m.checkpoint"))
        let state = try trainer.run()
        #expect(state.history.last!.trainLoss < state.history.first!.trainLoss)
        let loaded = try AcousticModel(contentsOf: scratch.file("m.steno"))
        #expect(loaded.description.provenance.metrics["valid_cer"] == state.bestValidationCER)
        let best = state.history.min { $0.validCER < $1.validCER }!
        #expect(loaded.description.provenance.epochs == best.epoch)
        let features = loaded.normalized(try FeatureExtractor(options: loaded.description.features).compute(corpus.utterances[0].samples))
        // The last epoch may not be the best one, so compare a reloaded copy of the same file.
        let again = try AcousticModel(contentsOf: scratch.file("m.steno"))
        #expect(loaded.logits(features).values == again.logits(features).values)
        #expect(loaded.logits(features).frames == (features.frameCount + 1) / 2)
    }

    @Test("Corpus preparation reports unreadable files, empty transcripts and unknown characters")
    func preparationReport() throws {
        let scratch = Scratch()
        let manifest = try toneCorpus(in: scratch.path, transcripts: ["ab", "ba"])
        var entries = manifest.entries
        entries.append(ManifestEntry(audioPath: scratch.file("missing.wav"), transcript: "abc", line: 3))
        entries.append(ManifestEntry(audioPath: entries[0].audioPath, transcript: "?!", line: 4))
        entries.append(ManifestEntry(audioPath: entries[1].audioPath, transcript: "ba 日本", line: 5))
        let (corpus, report) = TrainingCorpus.prepare(manifests: [Manifest(path: manifest.path, entries: entries)],
                                                      features: .fbank(bins: 16), alphabet: .english)
        #expect(corpus.utterances.count == 3 && report.prepared == 3)
        #expect(report.unreadable.count == 1 && report.unreadable[0].contains("missing.wav: no such file"))
        #expect(report.emptyTranscripts.count == 1)
        #expect(report.unknownCharacters == ["日", "本"])
        // Speed perturbation: 0.9 makes the audio longer, 1.1 shorter.
        let samples = corpus.utterances[0].samples
        let slower = try perturbSpeed(samples, by: 0.9, rate: 16_000, name: "x").count, faster = try perturbSpeed(samples, by: 1.1, rate: 16_000, name: "x").count
        #expect(abs(Double(slower) - Double(samples.count) / 0.9) < 100 && abs(Double(faster) - Double(samples.count) / 1.1) < 100)
    }

    @Test("Additive noise lands at the requested signal-to-noise ratio", arguments: [0.0, 10, 25])
    func noiseLevel(snr: Double) {
        let signal = (0..<16_000).map { Float(0.3 * sin(Double($0) * 0.07)) }
        var random = SplitMix64(seed: 5)
        let noisy = NoiseAugmentation(lowestSNR: snr, highestSNR: snr).apply(to: signal, random: &random)
        var signalPower = 0.0, noisePower = 0.0
        for (clean, sum) in zip(signal, noisy) {
            signalPower += Double(clean) * Double(clean)
            noisePower += Double(sum - clean) * Double(sum - clean)
        }
        // Float rounding of the sum signal + noise moves the measured ratio by far less than 0.01 dB.
        #expect(abs(10 * log10(signalPower / noisePower) - snr) < 0.01)
        #expect(NoiseAugmentation(lowestSNR: 0, highestSNR: 0).apply(to: [0, 0, 0], random: &random) == [0, 0, 0])
        #expect(NoiseAugmentation(lowestSNR: 30, highestSNR: 5).problem != nil)
    }

    @Test("A white share of 1 gives white noise (no correlation between neighbouring samples), 0 gives coloured noise, and old runs' options decode with none")
    func whiteNoiseShare() throws {
        let signal = [Float](repeating: 0.2, count: 8_000) + [Float](repeating: -0.2, count: 8_000)
        /// The correlation of the added noise's neighbouring samples, averaged over 20 draws.
        func neighbourCorrelation(_ noise: NoiseAugmentation) -> Double {
            var random = SplitMix64(seed: 3), total = 0.0
            for _ in 0..<20 {
                let added = zip(noise.apply(to: signal, random: &random), signal).map { Double($0 - $1) }
                let lagged = zip(added.dropFirst(), added).reduce(0.0) { $0 + $1.0 * $1.1 }
                total += lagged / added.reduce(0.0) { $0 + $1 * $1 }
            }
            return total / 20
        }
        #expect(abs(neighbourCorrelation(NoiseAugmentation(lowestSNR: 10, highestSNR: 10, whiteShare: 1))) < 0.02)
        // Smoothing uniform in 0…0.98 has a mean neighbour correlation near 0.5.
        #expect(neighbourCorrelation(NoiseAugmentation(lowestSNR: 10, highestSNR: 10)) > 0.3)
        #expect(NoiseAugmentation(lowestSNR: 5, highestSNR: 10, whiteShare: 1.5).problem?.contains("--noise-white") == true)
        let old = try JSONDecoder().decode(NoiseAugmentation.self, from: Data(#"{"lowestSNR": 5, "highestSNR": 30}"#.utf8))
        #expect(old == NoiseAugmentation(lowestSNR: 5, highestSNR: 30, whiteShare: 0))
        let saved = NoiseAugmentation(lowestSNR: 5, highestSNR: 30, whiteShare: 0.4)
        #expect(try JSONDecoder().decode(NoiseAugmentation.self, from: JSONEncoder().encode(saved)) == saved)
    }

    @Test("An utterance's training example depends on the seed, the epoch and the utterance only, and augmentation changes it")
    func examplesAreSeeded() throws {
        let scratch = Scratch()
        var (model, corpus, options) = try smallSetup(scratch.path)
        _ = (model, corpus)
        options.noise = NoiseAugmentation(lowestSNR: 5, highestSNR: 10)
        options.channel = ChannelAugmentation()
        options.speeds = [0.9, 1, 1.1]
        let examples = TrainingExamples(features: model.description.features, normalization: model.description.normalization, options: options)
        var report = AugmentationReport()
        func example(epoch: Int, utterance: Int) -> [Float] {
            var random = TrainingExamples.random(seed: options.seed, epoch: epoch, utterance: utterance)
            return examples.make(corpus.utterances[utterance], random: &random, report: &report).values
        }
        for index in corpus.utterances.indices {
            #expect(example(epoch: 0, utterance: index) == example(epoch: 0, utterance: index))
        }
        let differing = corpus.utterances.indices.filter { example(epoch: 0, utterance: $0) != example(epoch: 1, utterance: $0) }
        #expect(differing.count >= corpus.utterances.count - 1)
        #expect(report.utterances == 6 * 4 && report.seconds > 0)
    }

    @Test("VTLP warps every utterance's filterbank by a seeded factor in its range, and old checkpoints' options decode without it")
    func speakerWarp() throws {
        let scratch = Scratch()
        var (model, corpus, options) = try smallSetup(scratch.path)
        options.specAugment = .off
        options.speakerWarp = SpeakerWarp(lowest: 0.9, highest: 1.1)
        var unwarped = options
        unwarped.speakerWarp = nil
        let plain = TrainingExamples(features: model.description.features, normalization: nil, options: unwarped)
        let warped = TrainingExamples(features: model.description.features, normalization: nil, options: options)
        var report = AugmentationReport()
        func values(_ examples: TrainingExamples, _ index: Int) -> [Float] {
            var random = TrainingExamples.random(seed: 7, epoch: 0, utterance: index)
            return examples.make(corpus.utterances[index], random: &random, report: &report).values
        }
        for index in corpus.utterances.indices {
            let a = values(warped, index), b = values(plain, index)
            #expect(a == values(warped, index))           // seeded
            #expect(a.count == b.count && a != b)          // same frames, other filterbank
        }
        #expect(report.warped == 2 * corpus.utterances.count)
        var random = SplitMix64(seed: 3)
        let factors = (0..<1_000).map { _ in options.speakerWarp!.draw(&random) }
        #expect(factors.allSatisfy { $0 >= 0.9 && $0 <= 1.1 } && factors.min()! < 0.91 && factors.max()! > 1.09)
        #expect(SpeakerWarp(lowest: 1.1, highest: 0.9).problem != nil && SpeakerWarp(lowest: 0.5, highest: 1).problem != nil)

        let encoded = try JSONEncoder().encode(options)
        #expect(try JSONDecoder().decode(TrainingOptions.self, from: encoded).speakerWarp == options.speakerWarp)
        var old = try JSONSerialization.jsonObject(with: encoded) as! [String: Any]
        old.removeValue(forKey: "speakerWarp")
        #expect(try JSONDecoder().decode(TrainingOptions.self, from: JSONSerialization.data(withJSONObject: old)).speakerWarp == nil)
    }

    @Test("A run's matrix precision is saved with its options; older checkpoints decode as float32")
    func matrixPrecisionOption() throws {
        var options = TrainingOptions()
        options.matrixPrecision = .bfloat16
        let encoded = try JSONEncoder().encode(options)
        #expect(try JSONDecoder().decode(TrainingOptions.self, from: encoded).matrixPrecision == .bfloat16)
        var old = try JSONSerialization.jsonObject(with: encoded) as! [String: Any]
        old.removeValue(forKey: "matrixPrecision")
        #expect(try JSONDecoder().decode(TrainingOptions.self, from: JSONSerialization.data(withJSONObject: old)).matrixPrecision == .float32)
    }
}

@Suite("Model files")
struct AcousticModelFileTests {
    @Test("A model whose tensors do not fit its architecture is refused with the tensor named")
    func shapeMismatch() throws {
        let scratch = Scratch()
        let network = NetworkConfiguration(inputSize: 8, classes: 29, stacking: 1, layers: 1, hiddenSize: 4)
        let model = AcousticModel(ModelDescription(alphabet: .english, features: .fbank(bins: 8), network: network), seed: 1)
        var tensors = model.weightTensors
        tensors[1] = NamedTensor(name: tensors[1].name, shape: [16, 5], values: [Float](repeating: 0, count: 80))
        try ModelContainer(encoding: ModelFileHeader(model: model.description), tensors: tensors).write(to: scratch.file("bad.steno"))
        #expect(throws: ModelLoadError(file: scratch.file("bad.steno"), problem: "tensor layer1.forward.wHidden has shape [16, 5], the architecture needs [16, 4]")) {
            try AcousticModel(contentsOf: scratch.file("bad.steno"))
        }
        try ModelContainer(encoding: ModelFileHeader(model: model.description), tensors: Array(model.weightTensors.dropLast())).write(to: scratch.file("short.steno"))
        #expect(throws: ModelLoadError(file: scratch.file("short.steno"), problem: "tensor output.bias is missing")) {
            try AcousticModel(contentsOf: scratch.file("short.steno"))
        }
    }

    @Test("Float16 storage halves the file and keeps the outputs close")
    func float16() throws {
        let scratch = Scratch()
        let network = NetworkConfiguration(inputSize: 8, classes: 29, stacking: 2, layers: 2, hiddenSize: 16)
        let model = AcousticModel(ModelDescription(alphabet: .english, features: .fbank(bins: 8), network: network), seed: 1)
        try model.write(to: scratch.file("f32.steno"))
        try model.write(to: scratch.file("f16.steno"), storage: .float16)
        let size = { (name: String) in (try FileManager.default.attributesOfItem(atPath: scratch.file(name))[.size] as! Int) }
        #expect(try Double(size("f16.steno")) < 0.6 * Double(size("f32.steno")))
        let features = FeatureMatrix(dimension: 8, values: (0..<80).map { Float(sin(Double($0))) })
        let full = model.logits(features).values
        let half = try AcousticModel(contentsOf: scratch.file("f16.steno")).logits(features).values
        // Weights rounded to 11 significant bits move these small logits by well under 1e-2.
        #expect(zip(full, half).map { abs($0 - $1) }.max()! < 1e-2)
    }
}
