import StenoNN

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
