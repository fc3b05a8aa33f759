import Foundation
import StenoCTC
import StenoNN

/// Where a training run is: saved in checkpoints so `--resume` continues exactly.
public struct TrainingState: Codable, Sendable, Equatable {
    /// The options the run started with.
    public var options: TrainingOptions
    /// The epoch in progress (0-based) and the next batch to run in it.
    public var epoch = 0, nextBatch = 0
    /// Updates applied so far.
    public var step = 0
    /// The best validation CER so far (percent), and epochs since it improved.
    public var bestValidationCER: Double?
    public var epochsWithoutImprovement = 0
    /// One record per finished epoch.
    public var history: [EpochRecord] = []
    /// Sum and count of utterance losses in the epoch so far.
    public var epochLossSum = 0.0, epochLossCount = 0
    /// Batches skipped because their loss or gradient was not finite.
    public var skippedBatches = 0
    /// True once training has stopped (all epochs, or early stopping).
    public var finished = false

    public init(options: TrainingOptions) { self.options = options }
}

/// What one epoch achieved.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    /// Mean CTC loss per utterance over the epoch's training batches.
    public var trainLoss: Double
    /// Mean CTC loss per utterance on the validation set.
    public var validLoss: Double
    /// Validation character and word error rates (percent, greedy decoding).
    public var validCER: Double, validWER: Double
    /// Character error rate (percent) on a fixed sample of up to 200 training utterances, without
    /// augmentation: with `validCER`, the gap between fitting and generalising. Absent in older checkpoints.
    public var trainCER: Double?
    /// Wall time of the epoch, in seconds.
    public var seconds: Double
}

/// A training progress report, for a progress bar or log lines.
public struct TrainingProgress: Sendable {
    public var epoch: Int, epochs: Int
    public var batch: Int, batches: Int
    public var step: Int
    /// Mean loss per utterance over the epoch so far.
    public var loss: Double
    /// Input feature frames processed per second in this epoch.
    public var framesPerSecond: Double
    /// Estimated seconds until the epoch ends.
    public var epochSecondsLeft: Double
}

/// Trains an ``AcousticModel`` with CTC: Adam, warm-up and decay, clipping, SpecAugment, speed
/// perturbation, validation every epoch, best-model keeping, early stopping and checkpoints.
///
/// Every random choice is drawn from generators seeded by (seed, epoch, batch), so a run resumed
/// from a checkpoint takes the same path as one that never stopped.
public final class Trainer {
    public let model: AcousticModel
    public private(set) var state: TrainingState
    private let optimizer: Adam<Float>
    private let training: TrainingCorpus
    private let validation: TrainingCorpus
    private let outputPath: String
    private let checkpointPath: String
    /// How the best model is stored at the output path (`.float16` halves its size).
    public var outputStorage: ModelContainer.Storage = .float32
    /// Receives one line per event worth logging (epoch results, warnings, checkpoints).
    public var log: (String) -> Void = { _ in }
    /// Receives progress after every batch.
    public var progress: (TrainingProgress) -> Void = { _ in }

    /// A new run from `model`'s current weights (fresh, or loaded with `--init`).
    public init(model: AcousticModel, training: TrainingCorpus, validation: TrainingCorpus, options: TrainingOptions,
                output: String, checkpoint: String) {
        self.model = model
        self.training = training
        self.validation = validation
        self.outputPath = output
        self.checkpointPath = checkpoint
        state = TrainingState(options: options)
        optimizer = Adam(parameters: model.network.parameters, options: .init(weightDecay: options.weightDecay))
    }

    /// Continues the run saved in `checkpoint` (a file written by a trainer).
    public init(resuming checkpoint: String, training: TrainingCorpus, validation: TrainingCorpus, output: String) throws {
        let container = try ModelContainer(contentsOf: checkpoint)
        guard let saved = try container.decodeMetadata(ModelFileHeader.self).training else {
            throw ModelLoadError(file: checkpoint, problem: "is a model file, not a training checkpoint (use --init to fine-tune a model)")
        }
        model = try AcousticModel(container: container, name: checkpoint)
        self.training = training
        self.validation = validation
        self.outputPath = output
        self.checkpointPath = checkpoint
        state = saved
        optimizer = Adam(parameters: model.network.parameters, options: .init(weightDecay: saved.options.weightDecay))
        var first: [[Float]] = [], second: [[Float]] = []
        for parameter in model.network.parameters {
            guard let m = container.tensor(named: "adam.m." + parameter.name), let v = container.tensor(named: "adam.v." + parameter.name),
                  m.values.count == parameter.count, v.values.count == parameter.count else {
                throw ModelLoadError(file: checkpoint, problem: "optimizer state for \(parameter.name) is missing or has the wrong size")
            }
            first.append(m.values)
            second.append(v.values)
        }
        optimizer.restore(step: saved.step, firstMoments: first, secondMoments: second)
    }

    private var options: TrainingOptions { state.options }

    /// The learning rate at the current step and epoch.
    var learningRate: Double {
        let warm = options.warmupSteps > 0 ? min(1, Double(state.step + 1) / Double(options.warmupSteps)) : 1
        return options.learningRate * warm * pow(options.decayPerEpoch, Double(state.epoch))
    }

    /// Trains until the epochs run out or validation stops improving; returns the final state.
    /// The best model (by validation CER) is at the output path, the latest state in the checkpoint.
    public func run() throws -> TrainingState {
        // A full disk or a read-only folder shows now, not after hours of training: the
        // checkpoint is written once before the first batch, at its full size.
        try checkWritable(outputPath)
        try saveCheckpoint()
        while !state.finished && state.epoch < options.epochs {
            try runEpoch()
        }
        state.finished = true
        try saveCheckpoint()
        return state
    }

    // MARK: - Epochs and batches

    private func runEpoch() throws {
        let batches = batchOrder(epoch: state.epoch)
        let started = Date()
        var frames = 0
        if state.nextBatch == 0 { (state.epochLossSum, state.epochLossCount) = (0, 0) }
        while state.nextBatch < batches.count {
            frames += trainBatch(batches[state.nextBatch], index: state.nextBatch)
            state.nextBatch += 1
            let elapsed = Date().timeIntervalSince(started)
            let rate = Double(frames) / max(elapsed, 1e-9)
            let left = elapsed / Double(max(1, frames)) * Double(batches[state.nextBatch...].reduce(0) { $0 + framesIn($1) })
            if state.step % options.checkpointEvery == 0 { try saveCheckpoint() }
            progress(TrainingProgress(epoch: state.epoch + 1, epochs: options.epochs, batch: state.nextBatch, batches: batches.count,
                                      step: state.step, loss: state.epochLossSum / Double(max(1, state.epochLossCount)),
                                      framesPerSecond: rate, epochSecondsLeft: left))
        }
        let validation = evaluate()
        let fit = evaluate(Array(trainingSample))
        let record = EpochRecord(epoch: state.epoch + 1, trainLoss: state.epochLossSum / Double(max(1, state.epochLossCount)),
                                 validLoss: validation.loss, validCER: validation.cer, validWER: validation.wer,
                                 trainCER: fit.cer, seconds: Date().timeIntervalSince(started))
        state.history.append(record)
        log(String(format: "epoch %d: train loss %.3f, train CER %.2f%%, valid loss %.3f, valid CER %.2f%%, WER %.2f%% (%.0f s)",
                   record.epoch, record.trainLoss, fit.cer, record.validLoss, record.validCER, record.validWER, record.seconds))
        if state.bestValidationCER.map({ validation.cer < $0 }) ?? true {
            state.bestValidationCER = validation.cer
            state.epochsWithoutImprovement = 0
            recordProvenance(validation)
            try model.write(to: outputPath, storage: outputStorage)
            log("epoch \(record.epoch): best so far, model written to \(outputPath)")
        } else {
            state.epochsWithoutImprovement += 1
            if state.epochsWithoutImprovement >= options.patience {
                log("stopping early: no better validation CER for \(options.patience) epochs")
                state.finished = true
            }
        }
        state.epoch += 1
        state.nextBatch = 0
        try saveCheckpoint()
    }

    /// Batches of utterance indices for `epoch`: sorted by length so a batch pads little, then
    /// the batches shuffled with a generator seeded by the epoch.
    func batchOrder(epoch: Int) -> [[Int]] {
        let sorted = training.utterances.indices.sorted { training.utterances[$0].features[0].frameCount < training.utterances[$1].features[0].frameCount }
        var batches = stride(from: 0, to: sorted.count, by: options.batchSize).map { Array(sorted[$0..<min(sorted.count, $0 + options.batchSize)]) }
        var random = SplitMix64(seed: options.seed &+ 0x9E37_79B9 &* UInt64(epoch + 1))
        batches.shuffle(using: &random)
        return batches
    }

    private func framesIn(_ batch: [Int]) -> Int { batch.reduce(0) { $0 + training.utterances[$1].features[0].frameCount } }

    /// One update; returns the input frames it processed.
    private func trainBatch(_ indices: [Int], index: Int) -> Int {
        var random = SplitMix64(seed: options.seed ^ (UInt64(state.epoch) << 32) ^ UInt64(index) &* 0xD1B5_4A32_D192_ED03)
        model.network.dropoutRandom = SplitMix64(seed: random.next())
        var sequences: [[Float]] = [], targets: [[Int]] = []
        var frames = 0
        for utterance in indices.map({ training.utterances[$0] }) {
            let choice = random.below(utterance.features.count)
            var values = model.normalized(utterance.features[choice]).values
            options.specAugment.apply(to: &values, dimension: model.description.network.inputSize, random: &random)
            frames += values.count / model.description.network.inputSize
            sequences.append(values)
            targets.append(utterance.labels)
        }
        let batch = SequenceBatch(sequences: sequences, width: model.description.network.inputSize)
        let output = model.network.forward(batch, training: true)
        let result = CTC.batchLoss(logits: output.logits, steps: output.steps, lengths: output.lengths,
                                   classes: model.description.network.classes, targets: targets,
                                   scale: 1 / Double(indices.count), threads: options.threads)
        for (skipped, reason) in result.skipped {
            log("warning: skipping \(training.utterances[indices[skipped]].path): \(reason)")
        }
        let losses = result.losses.compactMap { $0 }
        guard !losses.isEmpty else { return frames }
        model.network.zeroGradients()
        model.network.backward(result.gradient)
        let norm = gradientNorm(model.network.parameters)
        guard losses.allSatisfy(\.isFinite), norm.isFinite else {
            state.skippedBatches += 1
            log("warning: batch \(index + 1) of epoch \(state.epoch + 1) has a non-finite loss or gradient; skipped, weights unchanged")
            model.network.zeroGradients()
            return frames
        }
        if norm > options.clipNorm { scaleGradients(model.network.parameters, by: options.clipNorm / norm) }
        optimizer.update(learningRate: learningRate)
        state.step += 1
        state.epochLossSum += losses.reduce(0, +)
        state.epochLossCount += losses.count
        return frames
    }

    // MARK: - Validation

    /// A fixed sample of up to 200 training utterances (the same every epoch), for the training CER.
    private lazy var trainingSample: [PreparedUtterance] = {
        var random = SplitMix64(seed: options.seed ^ 0x7A11)
        return Array(training.utterances.shuffled(using: &random).prefix(200))
    }()

    /// Loss, CER and WER (percent) of greedy decoding on `utterances` (the validation corpus by default).
    public func evaluate(_ utterances: [PreparedUtterance]? = nil) -> (loss: Double, cer: Double, wer: Double) {
        let corpus = utterances ?? validation.utterances
        var loss = 0.0, counted = 0
        var characters = ErrorCounts(), words = ErrorCounts()
        let alphabet = model.description.alphabet
        let order = corpus.indices.sorted { corpus[$0].features[0].frameCount < corpus[$1].features[0].frameCount }
        for start in stride(from: 0, to: order.count, by: options.batchSize) {
            let indices = Array(order[start..<min(order.count, start + options.batchSize)])
            let utterances = indices.map { corpus[$0] }
            let batch = SequenceBatch(sequences: utterances.map { model.normalized($0.features[0]).values }, width: model.description.network.inputSize)
            let output = model.network.infer(batch)
            let classes = model.description.network.classes
            let result = CTC.batchLoss(logits: output.logits, steps: output.steps, lengths: output.lengths, classes: classes,
                                       targets: utterances.map(\.labels), threads: options.threads)
            // Non-finite losses (from damaged input) would poison the mean and cannot be stored in JSON.
            for value in result.losses.compactMap({ $0 }) where value.isFinite { loss += value; counted += 1 }
            for (b, utterance) in utterances.enumerated() {
                var scores = [Float](repeating: 0, count: output.lengths[b] * classes)
                for t in 0..<output.lengths[b] {
                    for k in 0..<classes { scores[t * classes + k] = output.logits[(t * utterances.count + b) * classes + k] }
                }
                let labels = scores.withUnsafeBufferPointer { GreedyDecoder.decode($0, frames: output.lengths[b], classes: classes).labels }
                let hypothesis = alphabet.decode(labels)
                characters += ErrorRate.characters(reference: utterance.text, hypothesis: hypothesis)
                words += ErrorRate.words(reference: utterance.text, hypothesis: hypothesis)
            }
        }
        return (loss / Double(max(1, counted)), characters.rate, words.rate)
    }

    // MARK: - Files

    private func recordProvenance(_ validation: (loss: Double, cer: Double, wer: Double)) {
        model.description.provenance.epochs = state.epoch + 1
        model.description.provenance.steps = state.step
        model.description.provenance.created = ISO8601DateFormatter().string(from: Date())
        model.description.provenance.metrics["valid_cer"] = validation.cer
        model.description.provenance.metrics["valid_wer"] = validation.wer
        model.description.provenance.metrics["valid_loss"] = validation.loss
    }

    /// Writes weights, optimizer moments and the state atomically.
    public func saveCheckpoint() throws {
        let moments = zip(model.network.parameters, zip(optimizer.firstMoments, optimizer.secondMoments)).flatMap { parameter, pair in
            [NamedTensor(name: "adam.m." + parameter.name, shape: parameter.shape, values: pair.0),
             NamedTensor(name: "adam.v." + parameter.name, shape: parameter.shape, values: pair.1)]
        }
        try model.container(training: state, extraTensors: moments).write(to: checkpointPath)
    }

    /// Fails now, not after hours of training, if `path`'s folder cannot take a file.
    private func checkWritable(_ path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let probe = folder + "/.steno-write-test-\(getpid())"
        try AtomicFile.write(Data(count: 1 << 20), to: probe)
        try? FileManager.default.removeItem(atPath: probe)
    }
}
