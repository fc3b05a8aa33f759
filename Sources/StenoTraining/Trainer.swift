import Foundation
import Steno

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
    /// The same for the phone head's loss (nil without one, and in older checkpoints).
    public var epochPhoneLossSum: Double?, epochPhoneLossCount: Int?
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
    /// Mean phone CTC loss per utterance over the epoch's training batches (runs with a phone head only).
    public var phoneLoss: Double?
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
    /// Input feature frames processed per second in this epoch (by this process).
    public var framesPerSecond: Double
    /// Estimated seconds until the epoch ends.
    public var epochSecondsLeft: Double
}

/// Trains an ``AcousticModel`` with CTC: Adam, warm-up and decay, clipping, waveform augmentation,
/// SpecAugment, speed perturbation, validation every epoch, best-model keeping, early stopping and
/// checkpoints.
///
/// Data parallel: every batch is cut into one share per worker of every process in the
/// ``TrainingGroup``; each worker runs forward and backward on its share with its own copy of the
/// network, the gradients are summed (workers in order, then over processes) and one optimizer
/// step follows, the same on every process. Every random choice about an utterance is drawn from a
/// generator seeded by (seed, epoch, utterance), so the examples do not depend on how the batch was
/// cut, and a run resumed from a checkpoint takes the same path as one that never stopped.
public final class Trainer {
    public let model: AcousticModel
    public private(set) var state: TrainingState
    private let optimizer: Adam<Float>
    private let training: TrainingCorpus
    private var validation: TrainingCorpus
    private let outputPath: String
    private let checkpointPath: String
    private let group: TrainingGroup
    /// The auxiliary phone head (``TrainingOptions/phoneTarget``), and each training utterance's
    /// phone labels (nil where its dictionary lacks a word).
    public let phoneHead: PhoneHead?
    private let phoneLabels: [[Int]?]
    private let phoneDictionary: PronunciationDictionary?
    /// The workers of this process (made when training starts).
    private var workers: GradientWorkers?
    /// How the best model is stored at the output path (`.float16` halves its size).
    public var outputStorage: ModelContainer.Storage = .float32
    /// When set, every epoch's model is also written to `epoch-N.steno` in this folder (float32, that
    /// epoch's validation figures on its card), for checkpoint averaging (`steno average`); rank 0 only.
    public var epochModelsFolder: String?
    /// Receives one line per event worth logging (epoch results, warnings, checkpoints); rank 0 only.
    public var log: (String) -> Void = { _ in }
    /// Receives progress after every batch; rank 0 only.
    public var progress: (TrainingProgress) -> Void = { _ in }
    /// What augmentation did in the current epoch (this process).
    public private(set) var augmentation = AugmentationReport()

    /// A new run from `model`'s current weights (fresh, or loaded with `--init`). Throws when the
    /// phone target's dictionary cannot be read or names a layer the network lacks.
    public init(model: AcousticModel, training: TrainingCorpus, validation: TrainingCorpus, options: TrainingOptions,
                output: String, checkpoint: String, group: TrainingGroup = SingleProcess()) throws {
        self.model = model
        self.training = training
        self.validation = validation
        self.outputPath = output
        self.checkpointPath = checkpoint
        self.group = group
        state = TrainingState(options: options)
        (phoneHead, phoneDictionary, phoneLabels) = try Self.phoneTarget(options, network: model.network, training: training)
        optimizer = Adam(parameters: Self.trained(model.network, phoneHead), options: .init(weightDecay: options.weightDecay))
    }

    /// Continues the run saved in `checkpoint` (a file written by a trainer). `workers` and
    /// `matrixPrecision`, when given, replace the saved ones (the machine may differ); `epochs`, when
    /// given, replaces the saved limit, so a finished run can be extended.
    public init(resuming checkpoint: String, training: TrainingCorpus, validation: TrainingCorpus, output: String,
                workers: Int? = nil, matrixPrecision: MatrixPrecision? = nil, epochs: Int? = nil, group: TrainingGroup = SingleProcess()) throws {
        let container = try ModelContainer(contentsOf: checkpoint)
        guard let saved = try TrainingCheckpointHeader.trainingState(in: container) else {
            throw ModelLoadError(file: checkpoint, problem: "is a model file, not a training checkpoint (use --init to fine-tune a model)")
        }
        model = try AcousticModel(container: container, name: checkpoint)
        self.training = training
        self.validation = validation
        self.outputPath = output
        self.checkpointPath = checkpoint
        self.group = group
        state = saved
        if let workers { state.options.workers = workers }
        if let matrixPrecision { state.options.matrixPrecision = matrixPrecision }
        if let epochs, epochs != state.options.epochs {
            state.options.epochs = epochs
            state.finished = state.epoch >= epochs
            state.epochsWithoutImprovement = 0
        }
        (phoneHead, phoneDictionary, phoneLabels) = try Self.phoneTarget(state.options, network: model.network, training: training)
        if let phoneHead {
            for parameter in phoneHead.parameters {
                guard let saved = container.tensor(named: parameter.name) else { continue }
                guard saved.values.count == parameter.count else {
                    throw ModelLoadError(file: checkpoint, problem: "\(parameter.name) has \(saved.values.count) values, the phone head needs \(parameter.count) (was the pronunciation dictionary changed?)")
                }
                parameter.values = saved.values
            }
        }
        let parameters = Self.trained(model.network, phoneHead)
        optimizer = Adam(parameters: parameters, options: .init(weightDecay: saved.options.weightDecay))
        // A weights-only checkpoint (``TrainingCheckpoint/weightsOnly(_:)``) has no moments:
        // Adam starts its moments afresh, with fresh bias correction; the schedule keeps its step.
        let names = parameters.map(\.name)
        if names.allSatisfy({ container.tensor(named: "adam.m." + $0) == nil && container.tensor(named: "adam.v." + $0) == nil }) {
            restartedOptimizer = true
            return
        }
        var first: [[Float]] = [], second: [[Float]] = []
        for parameter in parameters {
            guard let m = container.tensor(named: "adam.m." + parameter.name), let v = container.tensor(named: "adam.v." + parameter.name),
                  m.values.count == parameter.count, v.values.count == parameter.count else {
                throw ModelLoadError(file: checkpoint, problem: "optimizer state for \(parameter.name) is missing or has the wrong size")
            }
            first.append(m.values)
            second.append(v.values)
        }
        optimizer.restore(step: saved.step, firstMoments: first, secondMoments: second)
    }

    /// True when the checkpoint resumed from held weights and state but no optimizer moments.
    public private(set) var restartedOptimizer = false

    /// The phone head, its dictionary and the training utterances' phone labels that `options` ask for.
    private static func phoneTarget(_ options: TrainingOptions, network: AcousticNetwork<Float>, training: TrainingCorpus) throws
        -> (PhoneHead?, PronunciationDictionary?, [[Int]?]) {
        guard let target = options.phoneTarget else { return (nil, nil, []) }
        guard target.layer <= network.configuration.layers else {
            throw PhoneTargetError(problem: "--phone-layer \(target.layer): the network has \(network.configuration.layers) recurrent layers")
        }
        let dictionary = try PronunciationDictionary(contentsOf: target.dictionary)
        let head = PhoneHead(options: target, inputSize: network.recurrentLayers[target.layer - 1].outputSize, classes: dictionary.classes, seed: options.seed)
        return (head, dictionary, training.utterances.map { dictionary.phoneLabels(of: $0.text) })
    }

    /// Every trained parameter: the network's, then the phone head's (the order of the optimizer,
    /// the checkpoints and the gradient sums).
    static func trained(_ network: AcousticNetwork<Float>, _ phoneHead: PhoneHead?) -> [Parameter<Float>] {
        network.parameters + (phoneHead?.parameters ?? [])
    }

    private var parameters: [Parameter<Float>] { Self.trained(model.network, phoneHead) }

    private var options: TrainingOptions { state.options }
    private var isLeader: Bool { group.rank == 0 }
    private var frameShift: Int { model.description.features.frame.frameShift }

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
        if isLeader { try checkWritable(outputPath) }
        try saveCheckpoint()
        validation = try validation.withFeatures(model.description.features, threads: options.workers)
        model.network.matrixPrecision = options.matrixPrecision
        workers = GradientWorkers(network: model.network, phoneHead: phoneHead, count: options.workers)
        if let phoneHead, let phoneDictionary, isLeader {
            let covered = phoneLabels.lazy.filter { $0 != nil }.count
            log("phone head on layer \(phoneHead.options.layer) (weight \(phoneHead.options.weight)): \(phoneDictionary.phones.count) phones, \(phoneDictionary.count) words; \(covered) of \(phoneLabels.count) training utterances have a pronunciation")
        }
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
        augmentation = AugmentationReport()
        if state.nextBatch == 0 {
            (state.epochLossSum, state.epochLossCount) = (0, 0)
            (state.epochPhoneLossSum, state.epochPhoneLossCount) = phoneHead == nil ? (nil, nil) : (0, 0)
        }
        while state.nextBatch < batches.count {
            frames += trainBatch(batches[state.nextBatch], index: state.nextBatch)
            state.nextBatch += 1
            let elapsed = Date().timeIntervalSince(started)
            let rate = Double(frames) / max(elapsed, 1e-9)
            let left = elapsed / Double(max(1, frames)) * Double(batches[state.nextBatch...].reduce(0) { $0 + framesIn($1) }) / Double(group.size)
            if state.step % options.checkpointEvery == 0 { try saveCheckpoint() }
            if isLeader {
                progress(TrainingProgress(epoch: state.epoch + 1, epochs: options.epochs, batch: state.nextBatch, batches: batches.count,
                                          step: state.step, loss: state.epochLossSum / Double(max(1, state.epochLossCount)),
                                          framesPerSecond: rate, epochSecondsLeft: left))
            }
        }
        let trainingSeconds = Date().timeIntervalSince(started)
        let validation = evaluate()
        let fit = evaluate(trainingSample)
        let record = EpochRecord(epoch: state.epoch + 1, trainLoss: state.epochLossSum / Double(max(1, state.epochLossCount)),
                                 validLoss: validation.loss,
                                 phoneLoss: state.epochPhoneLossSum.map { $0 / Double(max(1, state.epochPhoneLossCount ?? 0)) },
                                 validCER: validation.cer, validWER: validation.wer,
                                 trainCER: fit.cer, seconds: Date().timeIntervalSince(started))
        state.history.append(record)
        if isLeader {
            let a = augmentation
            log(String(format: "epoch %d: augmentation %.0f s of %.0f s worker time (%.1f%%): %d utterances, %d noisy, %d reverberated, %d padded, %d band-limited, %d through a codec%@, %d silence or noise only%@",
                       record.epoch, a.seconds, trainingSeconds * Double(options.workers), 100 * a.seconds / max(1e-9, trainingSeconds * Double(options.workers)),
                       a.utterances, a.noisy, a.reverberated, a.padded, a.bandLimited, a.coded,
                       a.failedCodecs > 0 ? " (\(a.failedCodecs) codec failures)" : "", a.backgroundOnly,
                       a.warped > 0 ? ", \(a.warped) speaker-warped" : ""))
            if a.unreadable > 0 { log("warning: \(a.unreadable) training files could not be decoded again this epoch; they trained as silence") }
            log(String(format: "epoch %d: train loss %.3f, train CER %.2f%%, valid loss %.3f, valid CER %.2f%%, WER %.2f%% (%.0f s)",
                       record.epoch, record.trainLoss, fit.cer, record.validLoss, record.validCER, record.validWER, record.seconds)
                + (record.phoneLoss.map { String(format: "; phone loss %.3f", $0) } ?? ""))
        }
        if isLeader, let folder = epochModelsFolder {
            let provenance = model.description.provenance
            recordProvenance(validation)
            try model.write(to: folder + "/epoch-\(record.epoch).steno")
            model.description.provenance = provenance
        }
        if state.bestValidationCER.map({ validation.cer < $0 }) ?? true {
            state.bestValidationCER = validation.cer
            state.epochsWithoutImprovement = 0
            recordProvenance(validation)
            if isLeader {
                try model.write(to: outputPath, storage: outputStorage)
                log("epoch \(record.epoch): best so far, model written to \(outputPath)")
            }
        } else {
            state.epochsWithoutImprovement += 1
            if state.epochsWithoutImprovement >= options.patience {
                if isLeader { log("stopping early: no better validation CER for \(options.patience) epochs") }
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
        let lengths = training.utterances.map { $0.frameCount(shift: frameShift) }
        let sorted = training.utterances.indices.sorted { lengths[$0] < lengths[$1] }
        var batches = stride(from: 0, to: sorted.count, by: options.batchSize).map { Array(sorted[$0..<min(sorted.count, $0 + options.batchSize)]) }
        var random = SplitMix64(seed: options.seed &+ 0x9E37_79B9 &* UInt64(epoch + 1))
        batches.shuffle(using: &random)
        return batches
    }

    private func framesIn(_ batch: [Int]) -> Int { batch.reduce(0) { $0 + training.utterances[$1].frameCount(shift: frameShift) } }

    /// One update; returns the input frames this process ran.
    private func trainBatch(_ indices: [Int], index: Int) -> Int {
        guard let workers else { return 0 }
        let all = shares(indices, parts: group.size * workers.count)
        let mine = Array(all[group.rank * workers.count..<(group.rank + 1) * workers.count])
        let examples = TrainingExamples(features: model.description.features, normalization: model.description.normalization, options: options)
        let (epoch, seed, rank, count) = (state.epoch, options.seed, group.rank, workers.count)
        let reports = Slots<AugmentationReport>(count: count)
        let outcomes = workers.accumulate(
            scale: 1 / Double(indices.count),
            dropoutSeed: { worker in seed ^ (UInt64(epoch) << 40) ^ (UInt64(index) << 16) ^ UInt64(rank * count + worker) },
            share: { [training] worker in
                var report = AugmentationReport()
                defer { reports.set(worker, report) }
                return mine[worker].map { utterance in
                    var random = TrainingExamples.random(seed: seed, epoch: epoch, utterance: utterance)
                    let example = examples.make(training.utterances[utterance], random: &random, report: &report)
                    // Silence in place of the utterance (no labels) has no phones either.
                    let phones = phoneLabels.isEmpty ? nil : example.labels.isEmpty ? [] : phoneLabels[utterance]
                    return TrainingExample(values: example.values, labels: example.labels, phoneLabels: phones, name: training.utterances[utterance].path)
                }
            })
        let parameters = self.parameters
        var frames = 0, lossSum = 0.0, lossCount = 0, phoneSum = 0.0, phoneCount = 0, finite = true
        for (worker, outcome) in outcomes.enumerated() {
            frames += outcome.frames
            lossSum += outcome.losses.reduce(0, +)
            lossCount += outcome.losses.count
            phoneSum += outcome.phoneLosses.reduce(0, +)
            phoneCount += outcome.phoneLosses.count
            finite = finite && outcome.losses.allSatisfy(\.isFinite) && phoneSum.isFinite
            if let report = reports.get(worker) { augmentation += report }
            if isLeader { for (name, reason) in outcome.skipped { log("warning: skipping \(name): \(reason)") } }
        }
        // Then over processes.
        if group.size > 1 {
            var flat = parameters.flatMap(\.gradient)
            group.sum(&flat)
            var offset = 0
            for parameter in parameters {
                parameter.gradient = Array(flat[offset..<offset + parameter.count])
                offset += parameter.count
            }
            var totals = [lossSum, Double(lossCount), finite ? 0 : 1, phoneSum, Double(phoneCount)]
            group.sum(&totals)
            (lossSum, lossCount, finite, phoneSum, phoneCount) = (totals[0], Int(totals[1]), totals[2] == 0, totals[3], Int(totals[4]))
        }
        guard lossCount > 0 else { return frames }
        let norm = gradientNorm(parameters)
        guard finite, lossSum.isFinite, norm.isFinite else {
            state.skippedBatches += 1
            if isLeader { log("warning: batch \(index + 1) of epoch \(state.epoch + 1) has a non-finite loss or gradient; skipped, weights unchanged") }
            for parameter in parameters { parameter.zeroGradient() }
            return frames
        }
        if norm > options.clipNorm { scaleGradients(parameters, by: options.clipNorm / norm) }
        optimizer.update(learningRate: learningRate)
        state.step += 1
        state.epochLossSum += lossSum
        state.epochLossCount += lossCount
        if phoneHead != nil {
            state.epochPhoneLossSum = (state.epochPhoneLossSum ?? 0) + phoneSum
            state.epochPhoneLossCount = (state.epochPhoneLossCount ?? 0) + phoneCount
        }
        return frames
    }

    // MARK: - Validation

    /// A fixed sample of up to 200 training utterances (the same every epoch), with their clean features.
    private lazy var trainingSample: [PreparedUtterance] = {
        var random = SplitMix64(seed: options.seed ^ 0x7A11)
        let sample = TrainingCorpus(utterances: Array(training.utterances.shuffled(using: &random).prefix(200)))
        return (try? sample.withFeatures(model.description.features, threads: options.workers).utterances) ?? []
    }()

    /// Loss, CER and WER (percent) of greedy decoding on `utterances` (the validation corpus by
    /// default), which must have features. The batches are dealt to every worker of every process
    /// and the counts summed, so every process gets the same figures.
    public func evaluate(_ utterances: [PreparedUtterance]? = nil) -> (loss: Double, cer: Double, wer: Double) {
        let corpus = (utterances ?? validation.utterances).filter { $0.features != nil }
        let order = corpus.indices.sorted { corpus[$0].features!.frameCount < corpus[$1].features!.frameCount }
        let batches = stride(from: 0, to: order.count, by: options.batchSize).map { Array(order[$0..<min(order.count, $0 + options.batchSize)]) }
        let workers = max(1, options.workers), lanes = group.size * workers
        let results = Slots<[Double]>(count: workers)
        let (network, alphabet) = (model.network, model.description.alphabet)
        let work = { [model, group] (worker: Int) in
            var totals = [Double](repeating: 0, count: 10)  // loss, counted, then character and word counts
            for batchIndex in stride(from: group.rank * workers + worker, to: batches.count, by: lanes) {
                let utterances = batches[batchIndex].map { corpus[$0] }
                let batch = SequenceBatch(sequences: utterances.map { model.normalized($0.features!).values }, width: model.description.network.inputSize)
                let output = network.infer(batch)
                let classes = model.description.network.classes
                let result = CTC.batchLoss(logits: output.logits, steps: output.steps, lengths: output.lengths, classes: classes,
                                           targets: utterances.map(\.labels), threads: 1)
                // Non-finite losses (from damaged input) would poison the mean and cannot be stored in JSON.
                for value in result.losses.compactMap({ $0 }) where value.isFinite { totals[0] += value; totals[1] += 1 }
                for (b, utterance) in utterances.enumerated() {
                    var scores = [Float](repeating: 0, count: output.lengths[b] * classes)
                    for t in 0..<output.lengths[b] {
                        for k in 0..<classes { scores[t * classes + k] = output.logits[(t * utterances.count + b) * classes + k] }
                    }
                    let labels = scores.withUnsafeBufferPointer { GreedyDecoder.decode($0, frames: output.lengths[b], classes: classes).labels }
                    let hypothesis = alphabet.decode(labels)
                    let c = ErrorRate.characters(reference: utterance.text, hypothesis: hypothesis)
                    let w = ErrorRate.words(reference: utterance.text, hypothesis: hypothesis)
                    for (k, value) in [c.substitutions, c.deletions, c.insertions, c.referenceLength,
                                       w.substitutions, w.deletions, w.insertions, w.referenceLength].enumerated() {
                        totals[2 + k] += Double(value)
                    }
                }
            }
            results.set(worker, totals)
        }
        runWorkers(workers, work)
        var totals = [Double](repeating: 0, count: 10)
        for worker in 0..<workers { for (k, value) in results.get(worker)!.enumerated() { totals[k] += value } }
        group.sum(&totals)
        let counts = { (k: Int) in ErrorCounts(substitutions: Int(totals[k]), deletions: Int(totals[k + 1]), insertions: Int(totals[k + 2]), referenceLength: Int(totals[k + 3])) }
        return (totals[0] / max(1, totals[1]), counts(2).rate, counts(6).rate)
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

    /// Writes weights, optimizer moments and the state atomically (rank 0 only).
    public func saveCheckpoint() throws {
        guard isLeader else { return }
        let moments = zip(parameters, zip(optimizer.firstMoments, optimizer.secondMoments)).flatMap { parameter, pair in
            [NamedTensor(name: "adam.m." + parameter.name, shape: parameter.shape, values: pair.0),
             NamedTensor(name: "adam.v." + parameter.name, shape: parameter.shape, values: pair.1)]
        }
        let head = (phoneHead?.parameters ?? []).map { NamedTensor(name: $0.name, shape: $0.shape, values: $0.values) }
        let header = TrainingCheckpointHeader(model: model.description, training: state)
        try model.container(header: header, extraTensors: head + moments).write(to: checkpointPath)
    }

    /// Fails now, not after hours of training, if `path`'s folder cannot take a file.
    private func checkWritable(_ path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let probe = folder + "/.steno-write-test-\(getpid())"
        try AtomicFile.write(Data(count: 1 << 20), to: probe)
        try? FileManager.default.removeItem(atPath: probe)
    }
}
