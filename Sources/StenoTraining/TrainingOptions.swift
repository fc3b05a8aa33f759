import Foundation
import StenoNN

/// How `steno train` trains: optimisation, schedule, augmentation, workers, checkpoints.
public struct TrainingOptions: Codable, Sendable, Equatable {
    /// Passes over the training data at most.
    public var epochs = 30
    /// Utterances per update.
    public var batchSize = 16
    /// Adam's peak learning rate.
    public var learningRate = 1e-3
    /// Updates over which the learning rate rises linearly from 0 to its peak.
    public var warmupSteps = 200
    /// After warm-up the rate is multiplied by this once per epoch.
    public var decayPerEpoch = 0.9
    /// Decoupled (AdamW) weight decay.
    public var weightDecay = 0.0
    /// Gradients whose global norm exceeds this are scaled down to it.
    public var clipNorm = 5.0
    /// Seeds initialisation, batch order, augmentation and dropout.
    public var seed: UInt64 = 1
    /// Time and frequency masking of the input features.
    public var specAugment = SpecAugmentOptions()
    /// Speed-perturbation factors; each utterance takes one at random per epoch.
    public var speeds: [Double] = [1]
    /// Additive noise, on half of the utterances of each epoch (drawn at random). nil: none.
    public var noise: NoiseAugmentation?
    /// How recording rooms, devices and channels are simulated on the waveform. nil: none.
    public var channel: ChannelAugmentation?
    /// Vocal-tract-length perturbation of every utterance's filterbank; nil is off.
    public var speakerWarp: SpeakerWarp?
    /// An auxiliary phone CTC loss on a lower layer; nil is off.
    public var phoneTarget: PhoneTargetOptions?
    /// Stop after this many epochs without a better validation CER.
    public var patience = 5
    /// Write a checkpoint every this many updates (and at every epoch's end).
    public var checkpointEvery = 200
    /// Workers in this process: each runs forward and backward on its share of every batch, with
    /// single-threaded matrix products, and their gradients are summed in worker order.
    public var workers = 1
    /// How the recurrent layers' matrix products are computed (bfloat16: AVX512_BF16, float32 sums).
    public var matrixPrecision = MatrixPrecision.float32
    /// Longer utterances are left out of training, in seconds.
    public var maximumSeconds = 30.0

    public init() {}

    /// What is wrong with the options, if anything.
    public var problem: String? {
        if epochs < 1 { return "--epochs must be at least 1" }
        if batchSize < 1 { return "--batch-size must be at least 1" }
        if !(learningRate > 0) { return "--learning-rate must be positive" }
        if warmupSteps < 0 { return "--warmup must not be negative" }
        if !(decayPerEpoch > 0 && decayPerEpoch <= 1) { return "--decay must be in (0, 1]" }
        if !(weightDecay >= 0) { return "--weight-decay must not be negative" }
        if !(clipNorm > 0) { return "--clip-norm must be positive" }
        if speeds.isEmpty || speeds.contains(where: { !($0 >= 0.5 && $0 <= 2) }) { return "--speeds must be factors between 0.5 and 2" }
        if patience < 1 { return "--patience must be at least 1" }
        if checkpointEvery < 1 { return "--checkpoint-every must be at least 1" }
        if workers < 1 { return "--workers must be at least 1" }
        if !(maximumSeconds > 0) { return "--max-seconds must be positive" }
        if let problem = noise?.problem { return problem }
        if let problem = channel?.problem { return problem }
        if let problem = speakerWarp?.problem { return problem }
        if let problem = phoneTarget?.problem { return problem }
        return specAugment.problem
    }

    private enum CodingKeys: String, CodingKey {
        case epochs, batchSize, learningRate, warmupSteps, decayPerEpoch, weightDecay, clipNorm, seed, specAugment, speeds, noise,
             channel, speakerWarp, phoneTarget, patience, checkpointEvery, workers, matrixPrecision, maximumSeconds
    }

    /// Decodes options; keys a checkpoint from an older Steno lacks keep their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? epochs
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? batchSize
        learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate) ?? learningRate
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? warmupSteps
        decayPerEpoch = try c.decodeIfPresent(Double.self, forKey: .decayPerEpoch) ?? decayPerEpoch
        weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? weightDecay
        clipNorm = try c.decodeIfPresent(Double.self, forKey: .clipNorm) ?? clipNorm
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? seed
        specAugment = try c.decodeIfPresent(SpecAugmentOptions.self, forKey: .specAugment) ?? specAugment
        speeds = try c.decodeIfPresent([Double].self, forKey: .speeds) ?? speeds
        noise = try c.decodeIfPresent(NoiseAugmentation.self, forKey: .noise)
        channel = try c.decodeIfPresent(ChannelAugmentation.self, forKey: .channel)
        speakerWarp = try c.decodeIfPresent(SpeakerWarp.self, forKey: .speakerWarp)
        phoneTarget = try c.decodeIfPresent(PhoneTargetOptions.self, forKey: .phoneTarget)
        patience = try c.decodeIfPresent(Int.self, forKey: .patience) ?? patience
        checkpointEvery = try c.decodeIfPresent(Int.self, forKey: .checkpointEvery) ?? checkpointEvery
        workers = try c.decodeIfPresent(Int.self, forKey: .workers) ?? workers
        matrixPrecision = try c.decodeIfPresent(MatrixPrecision.self, forKey: .matrixPrecision) ?? matrixPrecision
        maximumSeconds = try c.decodeIfPresent(Double.self, forKey: .maximumSeconds) ?? maximumSeconds
    }
}
