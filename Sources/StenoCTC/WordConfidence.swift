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
    /// Whether the acoustic model's best path has the same word at an overlapping time (true for
    /// best-path decoding itself).
    public var agreesWithBestPath: Bool
    /// log10 P(word | the words before it) by the language model (0 without one).
    public var languageModelLog10: Double

    public init(meanLogPosterior: Double, minLogPosterior: Double, logBeamPosterior: Double = 0, outOfVocabulary: Bool = false,
                length: Int, agreesWithBestPath: Bool = true, languageModelLog10: Double = 0) {
        self.meanLogPosterior = meanLogPosterior
        self.minLogPosterior = minLogPosterior
        self.logBeamPosterior = logBeamPosterior
        self.outOfVocabulary = outOfVocabulary
        self.length = length
        self.agreesWithBestPath = agreesWithBestPath
        self.languageModelLog10 = languageModelLog10
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
    /// Added when the best path disagrees.
    public var disagreesWithBestPath: Double
    /// The weight of the LM's log10 probability.
    public var languageModelLog10: Double

    public init(bias: Double, meanLogPosterior: Double, minLogPosterior: Double, logBeamPosterior: Double,
                outOfVocabulary: Double, inverseLength: Double, disagreesWithBestPath: Double = 0, languageModelLog10: Double = 0) {
        self.bias = bias
        self.meanLogPosterior = meanLogPosterior
        self.minLogPosterior = minLogPosterior
        self.logBeamPosterior = logBeamPosterior
        self.outOfVocabulary = outOfVocabulary
        self.inverseLength = inverseLength
        self.disagreesWithBestPath = disagreesWithBestPath
        self.languageModelLog10 = languageModelLog10
    }

    /// P(the word is right | evidence), in (0, 1).
    public func probability(_ evidence: WordEvidence) -> Double {
        var z = bias + meanLogPosterior * evidence.meanLogPosterior + minLogPosterior * evidence.minLogPosterior
        z += logBeamPosterior * max(evidence.logBeamPosterior, -50) + inverseLength / Double(max(1, evidence.length))
        if evidence.outOfVocabulary { z += outOfVocabulary }
        if !evidence.agreesWithBestPath { z += disagreesWithBestPath }
        z += languageModelLog10 * max(evidence.languageModelLog10, -20)
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
    /// validation speakers of every corpus by `tools/calibrate_confidence.sh` (fitted with the v2
    /// model's epoch 14). With the shipped epoch 22, on the held-out test speakers: ROC AUC 0.818 and
    /// expected calibration error 0.031 with the beam search, 0.844 and 0.035 on the best path (a refit
    /// on epoch 22's validation words measured 0.032 and 0.035, no better). Check, and refit, for a new model.
    public static let bundled = ConfidenceModel(
        beamSearch: ConfidenceCalibration(
            bias: 3.2274, meanLogPosterior: 0.7362, minLogPosterior: -0.1687, logBeamPosterior: 0.6732, outOfVocabulary: -0.1409,
            inverseLength: -0.9162, disagreesWithBestPath: -0.8260, languageModelLog10: 0.7547),
        bestPath: ConfidenceCalibration(
            bias: 1.3911, meanLogPosterior: 2.2749, minLogPosterior: 2.1812, logBeamPosterior: 0, outOfVocabulary: 0,
            inverseLength: 0.0653))
}
