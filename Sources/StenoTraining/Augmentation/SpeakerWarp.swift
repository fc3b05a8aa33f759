import StenoNN

/// Vocal-tract-length perturbation (VTLP, Jaitly and Hinton 2013): every training utterance's
/// filterbank is warped by a factor drawn uniformly from a range (``StenoFeatures/MelOptions/vtlnWarp``),
/// so its formants sit as a speaker with a longer (α > 1 … shorter) vocal tract would put them.
/// Recognition never warps.
public struct SpeakerWarp: Codable, Sendable, Equatable {
    /// The range of warp factors α.
    public var lowest: Double, highest: Double

    /// Warp factors drawn from `lowest`…`highest` (e.g. 0.9…1.1).
    public init(lowest: Double, highest: Double) {
        self.lowest = lowest
        self.highest = highest
    }

    /// What is wrong, if anything.
    public var problem: String? {
        guard lowest.isFinite, highest.isFinite, lowest <= highest, lowest >= 0.7, highest <= 1.3 else {
            return "--vtlp must be LOW:HIGH warp factors with 0.7 ≤ LOW ≤ HIGH ≤ 1.3, e.g. 0.9:1.1"
        }
        return nil
    }

    /// A warp factor for one utterance.
    public func draw(_ random: inout SplitMix64) -> Float {
        Float(lowest + (highest - lowest) * random.uniform())
    }
}
