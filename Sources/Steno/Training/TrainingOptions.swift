import Foundation
import StenoNN

/// How `steno train` trains: optimisation, schedule, augmentation, checkpoints.
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
    /// Additive noise: a noisy copy of every utterance (at every speed) beside the clean one; each
    /// epoch takes one of them at random. nil: none.
    public var noise: NoiseAugmentation?
    /// Stop after this many epochs without a better validation CER.
    public var patience = 5
    /// Write a checkpoint every this many updates (and at every epoch's end).
    public var checkpointEvery = 200
    /// Threads for OpenBLAS and for per-utterance work.
    public var threads = 1
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
        if threads < 1 { return "--threads must be at least 1" }
        if !(maximumSeconds > 0) { return "--max-seconds must be positive" }
        if let problem = noise?.problem { return problem }
        return specAugment.problem
    }
}

/// SpecAugment (Park et al., 2019) without time warping: bands of feature bins and runs of frames
/// set to zero (the mean, after normalization) in training.
public struct SpecAugmentOptions: Codable, Sendable, Equatable {
    /// Masks over feature bins per utterance.
    public var frequencyMasks = 2
    /// Widest frequency mask, in bins.
    public var frequencyWidth = 10
    /// Masks over frames per utterance.
    public var timeMasks = 2
    /// Widest time mask, in input frames.
    public var timeWidth = 20
    /// No time mask is wider than this fraction of the utterance.
    public var timeFraction = 0.1

    public init() {}

    /// No masking at all.
    public static let off: SpecAugmentOptions = {
        var options = SpecAugmentOptions()
        options.frequencyMasks = 0
        options.timeMasks = 0
        return options
    }()

    var problem: String? {
        if frequencyMasks < 0 || timeMasks < 0 || frequencyWidth < 0 || timeWidth < 0 { return "SpecAugment sizes must not be negative" }
        if !(0...1).contains(timeFraction) { return "SpecAugment's time fraction must be in [0, 1]" }
        return nil
    }

    /// Masks `values` (`[frames, dimension]` row-major) in place with bands drawn from `random`.
    func apply(to values: inout [Float], dimension: Int, random: inout SplitMix64) {
        let count = values.count / dimension
        guard count > 0 else { return }
        for _ in 0..<frequencyMasks {
            let width = random.below(min(frequencyWidth, dimension) + 1)
            let start = random.below(dimension - width + 1)
            for t in 0..<count { for k in start..<start + width { values[t * dimension + k] = 0 } }
        }
        let widest = min(timeWidth, Int(timeFraction * Double(count)))
        for _ in 0..<timeMasks {
            let width = random.below(widest + 1)
            let start = random.below(count - width + 1)
            for t in start..<start + width { for k in 0..<dimension { values[t * dimension + k] = 0 } }
        }
    }
}

/// Additive noise for training: white noise coloured by a random one-pole low-pass filter (from
/// white to a brown-like rumble), scaled to a signal-to-noise ratio drawn uniformly from a range.
public struct NoiseAugmentation: Codable, Sendable, Equatable {
    /// The range of signal-to-noise ratios, in dB (signal power over noise power, whole utterance).
    public var lowestSNR: Double, highestSNR: Double

    /// Noise at `lowestSNR`…`highestSNR` dB.
    public init(lowestSNR: Double, highestSNR: Double) {
        self.lowestSNR = lowestSNR
        self.highestSNR = highestSNR
    }

    /// What is wrong, if anything.
    public var problem: String? {
        guard lowestSNR.isFinite, highestSNR.isFinite, lowestSNR <= highestSNR else {
            return "--noise-snr must be LOW:HIGH in dB with LOW ≤ HIGH, e.g. 5:30"
        }
        return nil
    }

    /// `samples` with noise added at an SNR drawn from the range; silence stays silent.
    public func apply(to samples: [Float], random: inout SplitMix64) -> [Float] {
        let snr = lowestSNR + (highestSNR - lowestSNR) * random.uniform()
        let smoothing = random.uniform() * 0.98  // 0: white … 0.98: rumble
        var noise = [Double](repeating: 0, count: samples.count)
        var state = 0.0
        for i in noise.indices {
            state = smoothing * state + (1 - smoothing) * random.normal()
            noise[i] = state
        }
        let signalPower = samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, samples.count))
        let noisePower = noise.reduce(0.0) { $0 + $1 * $1 } / Double(max(1, noise.count))
        guard signalPower > 0, noisePower > 0 else { return samples }
        let scale = (signalPower / noisePower / pow(10, snr / 10)).squareRoot()
        return zip(samples, noise).map { Float(Double($0) + scale * $1) }
    }
}
