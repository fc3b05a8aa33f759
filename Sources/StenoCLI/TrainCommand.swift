import ArgumentParser
import Foundation
import Steno
import StenoMPI
import StenoTraining

extension MatrixPrecision: ExpressibleByArgument {}

extension RecurrentCellKind: ExpressibleByArgument {}

/// `steno train`: an acoustic model from labeled audio.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a CTC acoustic model (stacked bidirectional LSTM by default) on labeled audio.",
        discussion: """
            Manifests are TSV (path<TAB>transcript, paths relative to the manifest, # comments) or JSON lines \
            ({"audio_filepath": ..., "text": ...}). Transcripts are normalized (lowercase, numbers to words, \
            punctuation dropped). Audio is decoded once; every epoch each utterance is heard anew through the \
            augmentation chain (speed, noise, room, silence, gain, DC, band limit, codec) before its features are computed, \
            by --workers threads that each run forward and backward on their share of every batch. Under mpirun every \
            rank takes its share too (gradients summed over ranks; rank 0 validates, logs and writes). The model with the best \
            validation CER is written to --output; the full training state to --checkpoint every \
            --checkpoint-every updates and at every epoch's end, so --resume continues exactly where it stopped.
            """
    )

    @Option(name: .customLong("train"), help: "Training manifest (repeat for several).")
    var trainManifests: [String] = []

    @Option(name: .customLong("valid"), help: "Validation manifest: never trained on; picks the best epoch.")
    var validManifest: String

    @Option(name: .shortAndLong, help: "Where the best model is written (atomically).")
    var output: String

    @Option(help: "Checkpoint file (default: OUTPUT.checkpoint).")
    var checkpoint: String?

    @Option(help: ArgumentHelp("Also write every epoch's model to FOLDER/epoch-N.steno (float32, with that epoch's validation figures), for 'steno average'. Created if missing; may be given with --resume.", valueName: "folder"))
    var keepEpochs: String?

    @Option(help: "Continue the run saved in this checkpoint; its network and training options are used.")
    var resume: String?

    @Option(name: .customLong("init"), help: "Start from this model's weights (fine-tuning) instead of random ones.")
    var initialModel: String?

    @Option(help: ArgumentHelp("With --init: first widen every recurrent layer of the initial model to this many units per direction. The added units start with zero weights towards everything the old ones feed, so training starts from the initial model's outputs with more capacity.", valueName: "units"))
    var widen: Int?

    @Option(help: ArgumentHelp("With --init: first add this many bidirectional LSTM layers on top of the initial model's, each set up to pass its input through nearly unchanged (training then grows their weights), so training starts close to the initial model's outputs with more depth.", valueName: "layers"))
    var deepen: Int?

    @Option(help: "Log-mel bins per frame (fbank, Kaldi definitions).")
    var bins: Int = 80

    @Option(help: "Feature noise floor: the mean power of white noise of this standard deviation (16-bit scale) is added to every spectrum bin, so quiet bands (8 kHz audio, silence) look alike whatever the recording; recorded in the model. Default 2; with --init, the initial model's floor unless given.")
    var noiseFloor: Float?

    @Option(help: "Recurrent cell.")
    var cell: RecurrentCellKind = .lstm

    @Option(help: "Bidirectional recurrent layers.")
    var layers: Int = 3

    @Option(help: "Units per direction.")
    var hidden: Int = 256

    @Option(help: "Frames stacked into one (and the frame rate divided by it).")
    var stacking: Int = 3

    @Option(help: "Latency control: frames (after stacking) per backward-direction chunk; 0 = whole utterances. Streaming latency is layers × chunk + lookahead frames.")
    var chunk: Int = 2

    @Option(help: "Latency control: frames (after stacking) of lookahead after each chunk.")
    var lookahead: Int = 1

    @Option(help: "Dropout after each recurrent layer.")
    var dropout: Double = 0.1

    @Option(help: "Epochs at most (default 30); with --resume, a new limit that extends (or shortens) the saved run.")
    var epochs: Int?

    @Option(help: "Utterances per update.")
    var batchSize: Int = 16

    @Option(help: "Peak learning rate (Adam).")
    var learningRate: Double = 1e-3

    @Option(help: "Warm-up updates.")
    var warmup: Int = 200

    @Option(help: "Learning-rate factor per epoch after warm-up.")
    var decay: Double = 0.9

    @Option(help: "Decoupled weight decay (AdamW).")
    var weightDecay: Double = 0

    @Option(help: "Clip the global gradient norm to this.")
    var clipNorm: Double = 5

    @Option(help: "Seed for initialisation, batch order, augmentation and dropout.")
    var seed: UInt64 = 1

    @Flag(inversion: .prefixedNo, help: "SpecAugment: two frequency and two time masks per utterance.")
    var specAugment = true

    @Option(help: "Speed-perturbation factors, comma-separated (e.g. 0.9,1.0,1.1).")
    var speeds: String = "1.0"

    @Option(help: ArgumentHelp("Additive noise: a noisy copy of every utterance at a random SNR in this range (dB), e.g. 5:30.", valueName: "low:high"))
    var noiseSnr: String?

    @Option(help: "With --noise-snr: the probability that the noise is white (hiss); the rest is coloured at random, from white to rumble.")
    var noiseWhite: Double = 0

    @Flag(inversion: .prefixedNo, help: "Channel augmentation on the waveform, with the probabilities below.")
    var channelAugmentation = true

    @Option(help: "Probability of reverberation (simulated room impulse responses, RT60 0.15–0.8 s).")
    var reverb: Double = ChannelAugmentation().reverbProbability

    @Option(help: "Probability of up to --padding-seconds of silence or faint noise before and after the speech.")
    var padding: Double = ChannelAugmentation().paddingProbability

    @Option(help: "Longest silence added at each end, in seconds.")
    var paddingSeconds: Double = ChannelAugmentation().paddingSeconds

    @Option(help: "Probability of a gain change (then clipping to full scale).")
    var gain: Double = ChannelAugmentation().gainProbability

    @Option(help: ArgumentHelp("Gain range in dB.", valueName: "low:high"))
    var gainRange: String = "-30:10"

    @Option(help: "Probability of a DC offset (up to 0.05 of full scale).")
    var dc: Double = ChannelAugmentation().dcProbability

    @Option(help: "Probability of band-limiting: an 8 kHz round trip or the telephone band (300–3400 Hz).")
    var bandLimit: Double = ChannelAugmentation().bandLimitProbability

    @Option(help: "Probability of a codec round trip through libsndfile's encoders.")
    var codec: Double = ChannelAugmentation().codecProbability

    @Option(help: "Codecs for the round trips, comma-separated.")
    var codecs: String = Codec.defaultNames.joined(separator: ",")

    @Option(help: "Probability that an utterance is replaced by silence or noise alone, with an empty transcript.")
    var backgroundOnly: Double = ChannelAugmentation().backgroundOnlyProbability

    @Option(help: ArgumentHelp("Vocal-tract-length perturbation: warp each utterance's filterbank by a factor drawn from this range, e.g. 0.9:1.1 (off by default).", valueName: "low:high"))
    var vtlp: String?

    @Option(help: ArgumentHelp("Auxiliary phone CTC loss: a pronunciation dictionary (word<TAB>phones, as tools/make_pronunciations.py writes) whose phones a linear head on --phone-layer learns alongside the characters. Training only; the model written does not change shape.", valueName: "file"))
    var phoneDictionary: String?

    @Option(help: "The recurrent layer (from 1) the phone head reads.")
    var phoneLayer: Int = 1

    @Option(help: "Weight of the phone loss against the character loss.")
    var phoneWeight: Double = 0.3

    @Option(help: "Stop after this many epochs without a better validation CER.")
    var patience: Int = 5

    @Option(help: "Write a checkpoint every this many updates.")
    var checkpointEvery: Int = 200

    @Option(help: "Workers in this process (default: the number of cores): each trains on its share of every batch with single-threaded matrix products.")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "How the recurrent layers' matrix products run: float32, or bfloat16 (operands rounded to bfloat16, float32 sums and weights; needs a CPU with AVX512_BF16). Default float32; with --resume, the run's own.")
    var matrixPrecision: MatrixPrecision?

    @Option(help: "Leave out utterances longer than this, in seconds.")
    var maxSeconds: Double = 30

    @Flag(inversion: .prefixedNo, help: "Keep the decoded training audio in memory (about 230 MB an hour); without it, each file is decoded again when its batch needs it. Off under mpirun, where each rank reads only its shares of every batch.")
    var audioInMemory = true

    @Flag(help: "Store the output model in float16 (half the size).")
    var float16 = false

    func validate() throws {
        if resume == nil && trainManifests.isEmpty { throw ValidationError("give at least one --train manifest") }
        if resume != nil && initialModel != nil { throw ValidationError("--resume and --init cannot be combined") }
        if widen != nil && initialModel == nil { throw ValidationError("--widen needs --init: the model to widen") }
        if deepen != nil && initialModel == nil { throw ValidationError("--deepen needs --init: the model to deepen") }
        if let deepen, deepen < 1 { throw ValidationError("--deepen must add at least one layer") }
        if noiseWhite != 0 && noiseSnr == nil { throw ValidationError("--noise-white needs --noise-snr: the noise's level") }
        if let problem = try trainingOptions().problem { throw ValidationError(problem) }
        if let problem = networkConfiguration(classes: 2).problem { throw ValidationError(problem) }
        if bins < 1 { throw ValidationError("--bins must be at least 1") }
        if let noiseFloor, !(noiseFloor.isFinite && noiseFloor >= 0) { throw ValidationError("--noise-floor must be 0 (off) or a positive standard deviation") }
    }

    func trainingOptions() throws -> TrainingOptions {
        var options = TrainingOptions()
        options.epochs = epochs ?? 30
        options.batchSize = batchSize
        options.learningRate = learningRate
        options.warmupSteps = warmup
        options.decayPerEpoch = decay
        options.weightDecay = weightDecay
        options.clipNorm = clipNorm
        options.seed = seed
        options.specAugment = specAugment ? SpecAugmentOptions() : .off
        let factors = speeds.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard factors.allSatisfy({ $0 != nil }) else { throw ValidationError("--speeds must be numbers separated by commas, e.g. 0.9,1.0,1.1") }
        options.speeds = factors.map { $0! }
        if let noiseSnr {
            let (low, high) = try Self.range(noiseSnr, "--noise-snr must be LOW:HIGH in dB, e.g. 5:30")
            options.noise = NoiseAugmentation(lowestSNR: low, highestSNR: high, whiteShare: noiseWhite)
        }
        if channelAugmentation {
            var channel = ChannelAugmentation()
            channel.reverbProbability = reverb
            channel.paddingProbability = padding
            channel.paddingSeconds = paddingSeconds
            channel.gainProbability = gain
            (channel.gainLow, channel.gainHigh) = try Self.range(gainRange, "--gain-range must be LOW:HIGH in dB, e.g. -30:10")
            channel.dcProbability = dc
            channel.bandLimitProbability = bandLimit
            channel.codecProbability = codec
            channel.codecs = codecs.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            channel.backgroundOnlyProbability = backgroundOnly
            options.channel = channel
        }
        if let vtlp {
            let (low, high) = try Self.range(vtlp, "--vtlp must be LOW:HIGH warp factors, e.g. 0.9:1.1")
            options.speakerWarp = SpeakerWarp(lowest: low, highest: high)
        }
        if let phoneDictionary {
            // Absolute, so --resume finds it from any folder.
            options.phoneTarget = PhoneTargetOptions(dictionary: URL(fileURLWithPath: phoneDictionary).path, layer: phoneLayer, weight: phoneWeight)
        }
        options.patience = patience
        options.checkpointEvery = checkpointEvery
        options.workers = workers
        options.matrixPrecision = matrixPrecision ?? .float32
        options.maximumSeconds = maxSeconds
        return options
    }

    /// The options on this command line that would change the run being resumed: given (their values
    /// differ from the defaults) and different from what the run was saved with. A resumed run keeps its
    /// network and training options, so these are refused rather than silently ignored; repeating the
    /// run's own command line with `--resume` is fine.
    func optionsConflicting(with saved: TrainingOptions, model: ModelDescription) throws -> [String] {
        let defaults = try Self.parse(["--train", "-", "--valid", validManifest, "--output", output])
        let mine = try trainingOptions(), network = networkConfiguration(classes: model.network.classes)
        let (channel, savedChannel) = (mine.channel ?? ChannelAugmentation(), saved.channel ?? ChannelAugmentation())
        var conflicts: [String] = []
        func check<Value: Equatable>(_ flag: String, _ option: KeyPath<TrainCommand, Value>, changes: Bool) {
            if changes && self[keyPath: option] != defaults[keyPath: option] { conflicts.append(flag) }
        }
        check("--bins", \.bins, changes: bins != model.features.mel.bins)
        check("--noise-floor", \.noiseFloor, changes: noiseFloor != model.features.noiseFloor)
        check("--cell", \.cell, changes: network.cell != model.network.cell)
        check("--layers", \.layers, changes: network.layers != model.network.layers)
        check("--hidden", \.hidden, changes: network.hiddenSize != model.network.hiddenSize)
        check("--stacking", \.stacking, changes: network.stacking != model.network.stacking)
        check("--chunk", \.chunk, changes: network.chunk != model.network.chunk)
        check("--lookahead", \.lookahead, changes: network.lookahead != model.network.lookahead)
        check("--dropout", \.dropout, changes: network.dropout != model.network.dropout)
        check("--batch-size", \.batchSize, changes: mine.batchSize != saved.batchSize)
        check("--learning-rate", \.learningRate, changes: mine.learningRate != saved.learningRate)
        check("--warmup", \.warmup, changes: mine.warmupSteps != saved.warmupSteps)
        check("--decay", \.decay, changes: mine.decayPerEpoch != saved.decayPerEpoch)
        check("--weight-decay", \.weightDecay, changes: mine.weightDecay != saved.weightDecay)
        check("--clip-norm", \.clipNorm, changes: mine.clipNorm != saved.clipNorm)
        check("--seed", \.seed, changes: mine.seed != saved.seed)
        check("--no-spec-augment", \.specAugment, changes: mine.specAugment != saved.specAugment)
        check("--speeds", \.speeds, changes: mine.speeds != saved.speeds)
        check("--noise-snr", \.noiseSnr, changes: mine.noise?.lowestSNR != saved.noise?.lowestSNR || mine.noise?.highestSNR != saved.noise?.highestSNR)
        check("--noise-white", \.noiseWhite, changes: (mine.noise?.whiteShare ?? 0) != (saved.noise?.whiteShare ?? 0))
        check("--no-channel-augmentation", \.channelAugmentation, changes: (mine.channel == nil) != (saved.channel == nil))
        check("--reverb", \.reverb, changes: channel.reverbProbability != savedChannel.reverbProbability)
        check("--padding", \.padding, changes: channel.paddingProbability != savedChannel.paddingProbability)
        check("--padding-seconds", \.paddingSeconds, changes: channel.paddingSeconds != savedChannel.paddingSeconds)
        check("--gain", \.gain, changes: channel.gainProbability != savedChannel.gainProbability)
        check("--gain-range", \.gainRange, changes: channel.gainLow != savedChannel.gainLow || channel.gainHigh != savedChannel.gainHigh)
        check("--dc", \.dc, changes: channel.dcProbability != savedChannel.dcProbability)
        check("--band-limit", \.bandLimit, changes: channel.bandLimitProbability != savedChannel.bandLimitProbability)
        check("--codec", \.codec, changes: channel.codecProbability != savedChannel.codecProbability)
        check("--codecs", \.codecs, changes: channel.codecs != savedChannel.codecs)
        check("--background-only", \.backgroundOnly, changes: channel.backgroundOnlyProbability != savedChannel.backgroundOnlyProbability)
        check("--vtlp", \.vtlp, changes: mine.speakerWarp != saved.speakerWarp)
        check("--phone-dictionary", \.phoneDictionary, changes: mine.phoneTarget?.dictionary != saved.phoneTarget?.dictionary)
        check("--phone-layer", \.phoneLayer, changes: mine.phoneTarget?.layer != saved.phoneTarget?.layer)
        check("--phone-weight", \.phoneWeight, changes: mine.phoneTarget?.weight != saved.phoneTarget?.weight)
        check("--patience", \.patience, changes: mine.patience != saved.patience)
        check("--checkpoint-every", \.checkpointEvery, changes: mine.checkpointEvery != saved.checkpointEvery)
        check("--max-seconds", \.maxSeconds, changes: mine.maximumSeconds != saved.maximumSeconds)
        return conflicts
    }

    /// The two numbers of a `LOW:HIGH` option, or `requirement` and what was given as the error.
    private static func range(_ text: String, _ requirement: String) throws -> (Double, Double) {
        let bounds = text.split(separator: ":").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard bounds.count == 2, let low = bounds[0], let high = bounds[1] else {
            throw ValidationError("\(requirement), got '\(text)'")
        }
        return (low, high)
    }

    func networkConfiguration(classes: Int) -> NetworkConfiguration {
        NetworkConfiguration(inputSize: bins, classes: classes, stacking: stacking, cell: cell, layers: layers, hiddenSize: hidden,
                             chunk: chunk == 0 ? nil : chunk, lookahead: lookahead, dropout: dropout)
    }

    func run() throws {
        // Under mpirun (or srun) every rank trains on its share of every batch; rank 0 speaks.
        let group: TrainingGroup = try MPIGroup.joinIfLaunched() ?? SingleProcess()
        let leader = group.rank == 0
        let note = { (message: String) in if leader { printError(message) } }
        let checkpointPath = resume ?? checkpoint ?? output + ".checkpoint"
        for path in [output, checkpointPath] + (initialModel.map { [$0] } ?? []) where trainManifests.contains(path) || path == validManifest {
            throw ValidationError("\(path) is a manifest; choose another file for the model or checkpoint")
        }

        // The model's description decides the features, so it comes first.
        let model: AcousticModel
        let savedState: TrainingState?
        if let resume {
            let container = try ModelContainer(contentsOf: resume)
            model = try AcousticModel(container: container, name: resume)
            savedState = try TrainingCheckpointHeader.trainingState(in: container)
        } else if let initialModel {
            var initial = try AcousticModel(contentsOf: initialModel)
            if let deepen {
                guard initial.description.network.cell == .lstm else {
                    throw ValidationError("--deepen: \(initialModel) has \(initial.description.network.cell.rawValue) cells; pass-through layers need LSTM cells")
                }
                let layers = initial.description.network.layers
                note("deepening \(initialModel) from \(layers) to \(layers + deepen) layers (the added ones pass their input through)")
                initial = initial.deepened(by: deepen)
            }
            if let widen {
                let units = initial.description.network.hiddenSize
                guard widen > units else { throw ValidationError("--widen \(widen): \(initialModel) already has \(units) units per direction; give more") }
                note("widening \(initialModel) from \(units) to \(widen) units per direction")
                model = initial.widened(to: widen, seed: seed)
            } else {
                model = initial
            }
            // The initial model's measured figures and notes describe it, not what this run makes of it.
            model.description.provenance.metrics = [:]
            model.description.provenance.notes = "Fine-tuned from \(initialModel)."
            if let noiseFloor, noiseFloor != model.description.features.noiseFloor {
                note("\(initialModel) was trained with noise floor \(model.description.features.noiseFloor); fine-tuning with \(noiseFloor)")
                model.description.features.noiseFloor = noiseFloor
            }
            savedState = nil
        } else {
            var features = FeatureOptions.fbank(bins: bins)
            features.noiseFloor = noiseFloor ?? 2
            let description = ModelDescription(alphabet: .english, features: features, network: networkConfiguration(classes: Alphabet.english.classCount))
            model = AcousticModel(description, seed: seed)
            savedState = nil
        }
        var options = try savedState?.options ?? trainingOptions()
        if savedState != nil {
            let conflicts = try optionsConflicting(with: options, model: model.description)
            if !conflicts.isEmpty {
                throw ValidationError("\(resume ?? ""): a resumed run keeps the network and training options it was saved with, so \(conflicts.joined(separator: ", ")) cannot change with --resume (only --epochs, --workers, --matrix-precision and the data and output files can); to train on with other options, start a new run from its weights with --init")
            }
            options.workers = workers
            if let matrixPrecision { options.matrixPrecision = matrixPrecision }
        }
        if options.matrixPrecision == .bfloat16 && !MatrixPrecision.bfloat16InHardware {
            if savedState != nil && matrixPrecision == nil {
                // A run saved on another machine: carry on in float32 rather than stop.
                note("note: this run trained with bfloat16 products, but this CPU has no AVX512_BF16: continuing with float32 products")
                options.matrixPrecision = .float32
            } else {
                throw ValidationError("--matrix-precision bfloat16: this CPU has no AVX512_BF16, so bfloat16 products would be emulated, far slower than float32")
            }
        }
        if let channel = options.channel {
            let (writable, dropped) = channel.keepingWritableCodecs()
            if !dropped.isEmpty { note("warning: this libsndfile cannot write \(dropped.joined(separator: ", ")); codec round trips use the others") }
            options.channel = writable
        }

        let trainList = try trainManifests.map { path throws in try Manifest.load(path) }
        let validList = try Manifest.load(validManifest)
        note("decoding \(trainList.map(\.entries.count).reduce(0, +)) training and \(validList.entries.count) validation utterances…")
        let (training, trainReport) = TrainingCorpus.prepare(
            manifests: trainList, features: model.description.features, alphabet: model.description.alphabet,
            keep: audioInMemory && group.size == 1 ? .samples : .paths, maximumSeconds: options.maximumSeconds, threads: options.workers)
        if leader { report(trainReport, name: "training") }
        let (validation, validReport) = TrainingCorpus.prepare(
            manifests: [validList], features: model.description.features, alphabet: model.description.alphabet,
            keep: .features, maximumSeconds: .infinity, threads: options.workers)
        if leader { report(validReport, name: "validation") }
        guard !training.utterances.isEmpty else { throw ValidationError("no usable training utterances") }
        guard !validation.utterances.isEmpty else { throw ValidationError("no usable validation utterances") }

        let trainer: Trainer
        if let resume {
            trainer = try Trainer(resuming: resume, training: training, validation: validation, output: output, workers: options.workers,
                                  matrixPrecision: options.matrixPrecision, epochs: epochs, group: group)
            if trainer.restartedOptimizer { note("note: \(resume) holds no optimizer moments (a weights-only checkpoint); Adam starts them afresh") }
            note("resuming \(resume): epoch \(trainer.state.epoch + 1), batch \(trainer.state.nextBatch + 1), update \(trainer.state.step)")
        } else {
            if initialModel == nil { model.description.normalization = try training.statistics(model.description.features, threads: options.workers) }
            model.description.provenance.trainingData = trainManifests
            model.description.provenance.validationData = [validManifest]
            trainer = try Trainer(model: model, training: training, validation: validation, options: options, output: output, checkpoint: checkpointPath, group: group)
        }
        trainer.outputStorage = float16 ? .float16 : .float32
        if let keepEpochs, leader {
            try FileManager.default.createDirectory(atPath: keepEpochs, withIntermediateDirectories: true)
            guard FileManager.default.isWritableFile(atPath: keepEpochs) else { throw ValidationError("--keep-epochs \(keepEpochs): the folder cannot be written") }
            trainer.epochModelsFolder = keepEpochs
        }
        let bar = ProgressPrinter()
        trainer.log = { bar.log($0) }
        trainer.progress = { bar.show($0) }
        note("training \(trainer.model.parameterCount) parameters on \(training.utterances.count) utterances (\(String(format: "%.2f", trainReport.seconds / 3600)) h), validating on \(validation.utterances.count), \(options.workers) worker(s)\(group.size > 1 ? " in each of \(group.size) ranks" : "")\(options.matrixPrecision == .bfloat16 ? ", bfloat16 products" : "")")
        let state = try trainer.run()
        bar.finish()
        if leader, let best = state.history.min(by: { $0.validCER < $1.validCER }) {
            try StandardOutput.emit(String(format: "best epoch %d: valid CER %.2f%%, WER %.2f%%, loss %.3f; model in %@\n", best.epoch, best.validCER, best.validWER, best.validLoss, output))
        }
    }

    private func report(_ report: PreparationReport, name: String) {
        printError("\(name): \(report.prepared) utterances, \(String(format: "%.1f", report.seconds / 60)) min of audio")
        for message in report.unreadable.prefix(20) { printError("warning: skipped \(message)") }
        if report.unreadable.count > 20 { printError("warning: … and \(report.unreadable.count - 20) more unreadable files") }
        if !report.emptyTranscripts.isEmpty { printError("warning: \(report.emptyTranscripts.count) \(name) utterances have no usable transcript (e.g. \(report.emptyTranscripts[0]))") }
        if !report.tooLong.isEmpty { printError("warning: \(report.tooLong.count) \(name) utterances are longer than --max-seconds and left out") }
        if !report.unknownCharacters.isEmpty {
            let list = report.unknownCharacters.sorted().map { "\"\($0)\"" }.joined(separator: " ")
            printError("warning: characters outside the alphabet dropped from \(name) transcripts: \(list)")
        }
    }
}

/// A progress bar on standard error when it is a terminal; otherwise a plain line every 30 seconds.
final class ProgressPrinter {
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastLine = Date.distantPast
    private var drawn = false

    func show(_ p: TrainingProgress) {
        let eta = Int(p.epochSecondsLeft.rounded())
        let text = String(format: "epoch %d/%d  batch %d/%d  loss %.3f  %.0f frames/s  ETA %d:%02d",
                          p.epoch, p.epochs, p.batch, p.batches, p.loss, p.framesPerSecond, eta / 60, eta % 60)
        if isTerminal {
            let width = 24, filled = p.batches > 0 ? width * p.batch / p.batches : 0
            let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(text)\u{1B}[K".utf8))
            drawn = true
        } else if Date().timeIntervalSince(lastLine) >= 30 || p.batch == p.batches {
            printError(text)
            lastLine = Date()
        }
    }

    /// A log line that does not collide with the bar.
    func log(_ message: String) {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        printError(message)
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
