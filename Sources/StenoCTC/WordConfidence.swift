import Foundation

/// What a word's confidence is computed from, all taken from the decoder's own posteriors.
public struct WordEvidence: Sendable, Equatable, Codable {
    /// The mean natural-log posterior of the word's characters at the frames where they were emitted.
    public var meanLogPosterior: Double
    /// The lowest of those log posteriors.
    public var minLogPosterior: Double
    /// The natural log of the share of the final beam's probability (acoustic + weighted LM) held by
    /// the hypotheses that have this word at an overlapping time: 0 (all of it) for best-path decoding.
    public var logBeamPosterior: Double
    /// Whether a language model was used and the word is outside its vocabulary.
    public var outOfVocabulary: Bool
    /// The number of characters.
    public var length: Int

    public init(meanLogPosterior: Double, minLogPosterior: Double, logBeamPosterior: Double = 0, outOfVocabulary: Bool = false, length: Int) {
        self.meanLogPosterior = meanLogPosterior
        self.minLogPosterior = minLogPosterior
        self.logBeamPosterior = logBeamPosterior
        self.outOfVocabulary = outOfVocabulary
        self.length = length
    }
}

/// Turns ``WordEvidence`` into the probability that the word is right: a logistic regression
/// fitted on held-out validation speakers by `tools/calibrate_confidence.sh`, which prints the
/// coefficients for a new model. Two fits, because best-path decoding has no beam to weigh
/// alternatives with: one for the prefix beam search, one for the best path.
public struct ConfidenceCalibration: Sendable, Equatable, Codable {
    public var bias: Double
    public var meanLogPosterior: Double
    public var minLogPosterior: Double
    public var logBeamPosterior: Double
    public var outOfVocabulary: Double
    /// The weight of 1 / length.
    public var inverseLength: Double

    public init(bias: Double, meanLogPosterior: Double, minLogPosterior: Double, logBeamPosterior: Double,
                outOfVocabulary: Double, inverseLength: Double) {
        self.bias = bias
        self.meanLogPosterior = meanLogPosterior
        self.minLogPosterior = minLogPosterior
        self.logBeamPosterior = logBeamPosterior
        self.outOfVocabulary = outOfVocabulary
        self.inverseLength = inverseLength
    }

    /// P(the word is right | evidence), in (0, 1).
    public func probability(_ evidence: WordEvidence) -> Double {
        var z = bias + meanLogPosterior * evidence.meanLogPosterior + minLogPosterior * evidence.minLogPosterior
        z += logBeamPosterior * max(evidence.logBeamPosterior, -50) + inverseLength / Double(max(1, evidence.length))
        if evidence.outOfVocabulary { z += outOfVocabulary }
        return 1 / (1 + exp(-z))
    }

}

/// The calibrations a decoder uses: one for the prefix beam search, one for the best path.
public struct ConfidenceModel: Sendable, Equatable, Codable {
    public var beamSearch: ConfidenceCalibration
    public var bestPath: ConfidenceCalibration

    public init(beamSearch: ConfidenceCalibration, bestPath: ConfidenceCalibration) {
        self.beamSearch = beamSearch
        self.bestPath = bestPath
    }

    /// Fitted for the bundled model and LM (default decoding: beam 16, open vocabulary) on the
    /// validation speakers of every corpus by `tools/calibrate_confidence.sh`.
    public static let bundled = ConfidenceModel(
        beamSearch: ConfidenceCalibration(bias: 0, meanLogPosterior: 1, minLogPosterior: 0, logBeamPosterior: 0, outOfVocabulary: 0, inverseLength: 0),
        bestPath: ConfidenceCalibration(bias: 0, meanLogPosterior: 1, minLogPosterior: 0, logBeamPosterior: 0, outOfVocabulary: 0, inverseLength: 0))
}
