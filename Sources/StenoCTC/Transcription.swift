import Foundation

/// A recognized word with its time span and confidence.
public struct WordTiming: Codable, Sendable, Equatable {
    /// The word, in the alphabet's characters.
    public var word: String
    /// Start and end in seconds from the beginning of the audio.
    public var start: Double, end: Double
    /// Confidence in [0, 1]: the estimated probability that the word is right, from ``evidence``
    /// through the decoder's ``ConfidenceCalibration`` (without one, the geometric mean of the
    /// posteriors of the word's characters where they were emitted).
    public var confidence: Double
    /// What the confidence was computed from, when a decoder made the word.
    public var evidence: WordEvidence?

    public init(word: String, start: Double, end: Double, confidence: Double, evidence: WordEvidence? = nil) {
        self.word = word
        self.start = start
        self.end = end
        self.confidence = confidence
        self.evidence = evidence
    }
}

/// One decoding hypothesis: the text, its words with times, and its score.
public struct Hypothesis: Sendable, Equatable {
    /// The words joined by single spaces.
    public var text: String
    /// The words with times (seconds) and confidences.
    public var words: [WordTiming]
    /// The decoder's total log score (natural log; acoustic + weighted LM + bonuses).
    public var score: Double
    /// Why this is not the search's own result, when it is not: the search ended with no words
    /// while the acoustic model's best path holds some, so the best path is given instead
    /// (``PrefixBeamSearch/hypotheses()``). Nil for an ordinary result.
    public var fallback: String?

    public init(text: String, words: [WordTiming], score: Double, fallback: String? = nil) {
        self.text = text
        self.words = words
        self.score = score
        self.fallback = fallback
    }
}

/// A character emitted by a CTC path: its class, the output frame where it was emitted and its log posterior there.
public struct EmittedLabel: Sendable, Equatable {
    public var label: Int
    public var frame: Int
    public var logProbability: Float
    public init(label: Int, frame: Int, logProbability: Float) {
        self.label = label
        self.frame = frame
        self.logProbability = logProbability
    }
}

extension Alphabet {
    /// Groups emitted labels into words at spaces, timed by `secondsPerFrame` (output frame duration).
    /// A word starts at its first character's frame and ends one frame after its last. Confidences
    /// are the uncalibrated geometric means; ``calibrated(_:with:)`` replaces them.
    public func words(from labels: [EmittedLabel], secondsPerFrame: Double) -> [WordTiming] {
        var words: [WordTiming] = []
        var current: [EmittedLabel] = []
        func close() {
            guard let first = current.first, let last = current.last else { return }
            let text = decode(current.map(\.label))
            let meanLog = current.reduce(0.0) { $0 + Double($1.logProbability) } / Double(current.count)
            let minLog = current.reduce(0.0) { min($0, Double($1.logProbability)) }
            let evidence = WordEvidence(meanLogPosterior: meanLog, minLogPosterior: minLog, length: current.count)
            words.append(WordTiming(word: text, start: Double(first.frame) * secondsPerFrame,
                                    end: Double(last.frame + 1) * secondsPerFrame, confidence: exp(meanLog), evidence: evidence))
            current = []
        }
        for label in labels {
            if decode([label.label]) == " " { close() } else { current.append(label) }
        }
        close()
        return words
    }
}

extension Array where Element == WordTiming {
    /// The words with confidences from their evidence through `calibration` (unchanged when nil).
    public func calibrated(with calibration: ConfidenceCalibration?) -> [WordTiming] {
        guard let calibration else { return self }
        return map { word in
            var word = word
            if let evidence = word.evidence { word.confidence = calibration.probability(evidence) }
            return word
        }
    }
}
