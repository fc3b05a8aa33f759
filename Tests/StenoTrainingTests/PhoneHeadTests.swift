import Foundation
import Steno
import StenoNN
import Testing
@testable import StenoTraining

/// Pronunciations for the tone corpus of ``smallSetup(_:)``: letter a is phone "a1 a2" etc., so
/// the phone sequences differ from the character ones.
private let tonePronunciations = """
    # word<TAB>phones
    ab\ta1 a2 b1
    ba\tb1 a1 a2
    abc\ta1 a2 b1 c1
    cab\tc1 a1 a2 b1

    bad\tb1 a1 a2 d1
    ab\tz9
    """

@Suite("Auxiliary phone loss")
struct PhoneHeadTests {
    @Test("A pronunciation dictionary: phones sorted after the blank, first entry wins, unknown words give nil")
    func dictionary() throws {
        let scratch = Scratch()
        try tonePronunciations.write(toFile: scratch.file("p.tsv"), atomically: true, encoding: .utf8)
        let dictionary = try PronunciationDictionary(contentsOf: scratch.file("p.tsv"))
        // z9 is used only by the repeated "ab", which is ignored, so it is no class.
        #expect(dictionary.phones == ["a1", "a2", "b1", "c1", "d1"])
        #expect(dictionary.classes == 6 && dictionary.count == 5)
        #expect(dictionary.phoneLabels(of: "ab ba") == [1, 2, 3, 3, 1, 2])
        #expect(dictionary.phoneLabels(of: "ab dd") == nil)
        #expect(dictionary.phoneLabels(of: "") == [])
    }

    @Test("A malformed dictionary is refused, naming the file and line",
          arguments: [("ab a1 a2\n", 1, "tab"), ("ab\ta1\n\ncd\t\n", 3, "no phones"), ("two words\ta1\n", 1, "one word"), ("# nothing\n", nil, "no pronunciations")])
    func malformed(text: String, line: Int?, words: String) throws {
        let scratch = Scratch()
        try text.write(toFile: scratch.file("bad.tsv"), atomically: true, encoding: .utf8)
        do {
            _ = try PronunciationDictionary(contentsOf: scratch.file("bad.tsv"))
            Issue.record("accepted \(text.debugDescription)")
        } catch {
            #expect(error.line == line && error.description.contains(words) && error.description.hasPrefix(scratch.file("bad.tsv")), "\(error)")
        }
        #expect(throws: PronunciationDictionaryError.self) { try PronunciationDictionary(contentsOf: scratch.file("missing.tsv")) }
    }

    /// The tone setup with a 2-layer network, dropout off, no augmentation, and a phone head on `layer`.
    func setup(_ scratch: Scratch, layer: Int = 1, weight: Double = 0.5) throws -> (AcousticModel, TrainingCorpus, TrainingOptions) {
        var (model, corpus, options) = try smallSetup(scratch.path)
        try tonePronunciations.write(toFile: scratch.file("p.tsv"), atomically: true, encoding: .utf8)
        let network = NetworkConfiguration(inputSize: 16, classes: Alphabet.english.classCount, stacking: 2, layers: 2, hiddenSize: 8, chunk: 3, lookahead: 1, dropout: 0)
        model = AcousticModel(ModelDescription(alphabet: .english, features: model.description.features, network: network,
                                               normalization: model.description.normalization), seed: 5)
        options.phoneTarget = PhoneTargetOptions(dictionary: scratch.file("p.tsv"), layer: layer, weight: weight)
        options.specAugment = .off
        return (model, corpus, options)
    }

    @Test("The workers' gradient is that of character loss + weight × phone loss (central differences)", arguments: [1, 2])
    func gradientOfTheSum(layer: Int) throws {
        let scratch = Scratch()
        let (model, corpus, options) = try setup(scratch, layer: layer)
        let trainer = try Trainer(model: model, training: corpus, validation: corpus, options: options, output: scratch.file("m.steno"), checkpoint: scratch.file("m.checkpoint"))
        let head = try #require(trainer.phoneHead)
        let dictionary = try PronunciationDictionary(contentsOf: scratch.file("p.tsv"))
        let examples = try corpus.utterances.map { utterance in
            let features = try FeatureExtractor(options: model.description.features).compute(utterance.samples)
            return TrainingExample(values: model.normalized(features).values, labels: utterance.labels,
                                   phoneLabels: dictionary.phoneLabels(of: utterance.text), name: utterance.path)
        }
        // "dd" has no pronunciation: only its character loss counts.
        #expect(examples.filter { $0.phoneLabels == nil }.count == 1)
        let workers = GradientWorkers(network: model.network, phoneHead: head, count: 1)
        let total = { () -> Double in
            let outcome = workers.accumulate(scale: 1, dropoutSeed: { _ in 1 }, share: { _ in examples })[0]
            #expect(outcome.losses.count == 6 && outcome.phoneLosses.count == 5)
            return outcome.losses.reduce(0, +) + options.phoneTarget!.weight * outcome.phoneLosses.reduce(0, +)
        }
        _ = total()
        let parameters = workers.parameters
        let analytic = parameters.map(\.gradient)
        // A few entries of every tensor: both layers, the output and the phone head.
        var worst = 0.0, checked = 0
        for (p, parameter) in parameters.enumerated() {
            for index in stride(from: 0, to: parameter.count, by: max(1, parameter.count / 5)) {
                let saved = parameter.values[index], step: Float = 1e-2
                parameter.values[index] = saved + step
                let plus = total()
                parameter.values[index] = saved - step
                let minus = total()
                parameter.values[index] = saved
                let numeric = (plus - minus) / (2 * Double(step))
                worst = max(worst, abs(numeric - Double(analytic[p][index])) / max(1, abs(numeric)))
                checked += 1
            }
        }
        #expect(checked > 50)
        #expect(worst < 2e-2, "worst relative error \(worst)")
        #expect(parameters.last!.name == "phones.bias")
    }

    @Test("Training with a phone head: workers agree, resuming is exact, the model file has no head")
    func training() throws {
        let scratch = Scratch()
        var (model, corpus, options) = try setup(scratch)
        options.epochs = 3
        options.batchSize = 6
        let run = { (workers: Int, name: String) throws -> Trainer in
            var options = options
            options.workers = workers
            let copy = AcousticModel(ModelDescription(alphabet: .english, features: model.description.features, network: model.description.network,
                                                      normalization: model.description.normalization), seed: 5)
            let trainer = try Trainer(model: copy, training: corpus, validation: corpus, options: options, output: scratch.file(name + ".steno"), checkpoint: scratch.file(name + ".checkpoint"))
            _ = try trainer.run()
            return trainer
        }
        let one = try run(1, "one"), two = try run(2, "two")
        let weights = { (trainer: Trainer) in (trainer.model.network.parameters + trainer.phoneHead!.parameters).map(\.values) }
        var worst = 0.0
        for (a, b) in zip(weights(one), weights(two)) {
            let difference = zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
            worst = max(worst, difference / max(1e-12, a.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()))
        }
        #expect(worst <= 1e-5)
        #expect(one.state.history.allSatisfy { ($0.phoneLoss ?? 0) > 0 })
        // The head trained, and its gradient reached the network: a run without it ends elsewhere.
        let fresh = PhoneHead(options: options.phoneTarget!, inputSize: one.phoneHead!.linear.inputSize, classes: one.phoneHead!.classes, seed: options.seed)
        #expect(fresh.parameters.map(\.values) != one.phoneHead!.parameters.map(\.values))
        options.phoneTarget = nil
        model = AcousticModel(ModelDescription(alphabet: .english, features: model.description.features, network: model.description.network,
                                               normalization: model.description.normalization), seed: 5)
        let plain = try Trainer(model: model, training: corpus, validation: corpus, options: options, output: scratch.file("plain.steno"), checkpoint: scratch.file("plain.checkpoint"))
        _ = try plain.run()
        #expect(plain.model.network.parameters[0].values != one.model.network.parameters[0].values)
        // The model written has the network's tensors only; the checkpoint keeps the head.
        let written = try ModelContainer(contentsOf: scratch.file("one.steno"))
        #expect(!written.tensors.contains { $0.name.hasPrefix("phones.") })
        #expect(try ModelContainer(contentsOf: scratch.file("one.checkpoint")).tensor(named: "phones.weight") != nil)
        #expect(try TrainingCheckpoint.weightsOnly(scratch.file("one.checkpoint")).tensor(named: "phones.weight") != nil)
        // Resumed for a fourth epoch from the checkpoint, the head carries on from its saved weights.
        let resumed = try Trainer(resuming: scratch.file("one.checkpoint"), training: corpus, validation: corpus, output: scratch.file("r.steno"), epochs: 4)
        #expect(resumed.phoneHead!.parameters.map(\.values) == one.phoneHead!.parameters.map(\.values))
        #expect(!resumed.restartedOptimizer)
        let state = try resumed.run()
        #expect(state.history.count == 4 && state.history[3].phoneLoss != nil)
    }

    @Test("A phone layer the network lacks is refused")
    func layerOutOfRange() throws {
        let scratch = Scratch()
        let (model, corpus, options) = try setup(scratch, layer: 3)
        #expect(throws: PhoneTargetError.self) {
            try Trainer(model: model, training: corpus, validation: corpus, options: options, output: scratch.file("m.steno"), checkpoint: scratch.file("m.checkpoint"))
        }
    }
}
