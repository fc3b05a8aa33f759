import Foundation
import Steno
import Testing
@testable import StenoTraining

@Suite("Data-parallel workers")
struct WorkerTests {
    /// Trains `steps` updates with `workers` workers from the same start, augmentation on, dropout off.
    func weights(workers: Int, folder: String, keep: TrainingCorpus.Keep = .samples, precision: MatrixPrecision = .float32) throws -> [[Float]] {
        var (model, corpus, options) = try smallSetup(folder)
        if keep == .paths {
            let manifest = Manifest(path: folder + "/manifest.tsv", entries: corpus.utterances.enumerated().map {
                ManifestEntry(audioPath: $0.element.path, transcript: $0.element.text, line: $0.offset + 1)
            })
            corpus = TrainingCorpus.prepare(manifests: [manifest], features: model.description.features, alphabet: .english, keep: .paths).0
            #expect(corpus.utterances.allSatisfy { $0.samples.isEmpty && $0.sampleCount > 0 })
        }
        let network = NetworkConfiguration(inputSize: 16, classes: Alphabet.english.classCount, stacking: 2, layers: 2, hiddenSize: 12, chunk: 3, lookahead: 1, dropout: 0)
        model = AcousticModel(ModelDescription(alphabet: .english, features: model.description.features, network: network,
                                               normalization: model.description.normalization), seed: 5)
        options.epochs = 1
        options.batchSize = 6
        options.workers = workers
        options.matrixPrecision = precision
        options.speeds = [0.9, 1, 1.1]
        options.noise = NoiseAugmentation(lowestSNR: 5, highestSNR: 20)
        options.channel = ChannelAugmentation()
        // Three epochs of one batch of six: three updates.
        options.epochs = 3
        let trainer = try Trainer(model: model, training: corpus, validation: corpus, options: options,
                              output: folder + "/w\(workers)\(precision).steno", checkpoint: folder + "/w\(workers)\(precision).checkpoint")
        let state = try trainer.run()
        #expect(state.step == 3)
        return model.network.parameters.map(\.values)
    }

    /// The largest relative (Frobenius) difference between corresponding weight tensors.
    func largestDifference(_ one: [[Float]], _ other: [[Float]]) -> Double {
        var worst = 0.0
        for (a, b) in zip(one, other) {
            let difference = zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
            let norm = a.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            worst = max(worst, difference / max(norm, 1e-12))
        }
        return worst
    }

    @Test("Two and three workers give the weights of one, to within float summation order", arguments: [2, 3])
    func workersMatchOne(workers: Int) throws {
        let scratch = Scratch()
        let one = try weights(workers: 1, folder: scratch.path)
        let many = try weights(workers: workers, folder: scratch.path)
        let worst = largestDifference(one, many)
        #expect(worst <= 1e-5, "largest relative difference of a weight tensor: \(worst)")
        // And the run really moved the weights (the comparison is not between two untouched starts).
        let start = AcousticModel(ModelDescription(alphabet: .english, features: .fbank(bins: 16),
                                                   network: NetworkConfiguration(inputSize: 16, classes: Alphabet.english.classCount, stacking: 2, layers: 2, hiddenSize: 12, chunk: 3, lookahead: 1, dropout: 0)), seed: 5)
        #expect(start.network.parameters.map(\.values) != one)
    }

    @Test("With bfloat16 products, two workers still give the weights of one; the run differs from float32's")
    func bfloat16Workers() throws {
        let scratch = Scratch()
        let one = try weights(workers: 1, folder: scratch.path, precision: .bfloat16)
        let two = try weights(workers: 2, folder: scratch.path, precision: .bfloat16)
        // Each element is rounded to bfloat16 alone, so splitting a batch changes only the order of float32 sums.
        #expect(largestDifference(one, two) <= 1e-5)
        let float32 = try weights(workers: 1, folder: scratch.path)
        #expect(largestDifference(one, float32) > 1e-5, "the bfloat16 products did not run")
    }

    @Test("Decoding files when their batch needs them trains the weights of keeping them in memory")
    func pathsMatchSamples() throws {
        let scratch = Scratch()
        let inMemory = try weights(workers: 2, folder: scratch.path)
        let fromFiles = try weights(workers: 2, folder: scratch.path, keep: .paths)
        #expect(inMemory == fromFiles)
    }

    @Test("A batch is cut into shares whose sizes differ by at most one, in order")
    func shareSizes() {
        let cut = shares(Array(0..<7), parts: 3)
        #expect(cut.map(Array.init) == [[0, 1, 2], [3, 4], [5, 6]])
        #expect(shares(Array(0..<2), parts: 4).map(\.count) == [1, 1, 0, 0])
    }
}
