/// Best-path CTC decoding: the most probable class at each frame, repeats merged, blanks removed.
public enum GreedyDecoder {
    /// Labels (blanks removed) for the first `frames` rows of `scores` `[frames, classes]` (logits or
    /// log-probabilities: the arg-max is the same), with the frame at which each label starts.
    @_specialize(exported: true, where Scalar == Float)
    public static func decode<Scalar: BinaryFloatingPoint>(
        _ scores: UnsafeBufferPointer<Scalar>, frames: Int, classes: Int, blank: Int = 0
    ) -> (labels: [Int], frames: [Int]) {
        var labels: [Int] = [], starts: [Int] = []
        var previous = blank
        for t in 0..<frames {
            var best = 0
            for k in 1..<classes where scores[t * classes + k] > scores[t * classes + best] { best = k }
            if best != blank && best != previous {
                labels.append(best)
                starts.append(t)
            }
            previous = best
        }
        return (labels, starts)
    }
}

/// Decodes a CTC stream frame by frame, keeping the most probable class at each frame.
///
/// Takes log-probabilities `[frames, classes]` in pieces of any size; the result does not depend on the pieces.
public final class StreamingGreedyDecoder {
    public let alphabet: Alphabet
    /// Seconds per output frame (input frame shift × stacking).
    public let secondsPerFrame: Double
    private var previous: Int
    private var frame = 0
    private var emitted: [EmittedLabel] = []
    private var logScore = 0.0

    public init(alphabet: Alphabet, secondsPerFrame: Double) {
        self.alphabet = alphabet
        self.secondsPerFrame = secondsPerFrame
        previous = alphabet.blank
    }

    /// Output frames seen so far.
    public var frames: Int { frame }

    /// Feeds log-probabilities `[n, classes]`.
    public func accept(_ logProbabilities: [Float]) {
        let classes = alphabet.classCount
        for row in stride(from: 0, to: logProbabilities.count, by: classes) {
            var best = 0
            for k in 1..<classes where logProbabilities[row + k] > logProbabilities[row + best] { best = k }
            logScore += Double(logProbabilities[row + best])
            if best != alphabet.blank && best != previous {
                emitted.append(EmittedLabel(label: best, frame: frame, logProbability: logProbabilities[row + best]))
            }
            previous = best
            frame += 1
        }
    }

    /// Turns each word's evidence into its confidence; nil keeps the uncalibrated geometric mean.
    public var calibration: ConfidenceCalibration? = ConfidenceModel.bundled.bestPath

    /// The best path so far, as text with word timings.
    public var hypothesis: Hypothesis {
        let words = alphabet.words(from: emitted, secondsPerFrame: secondsPerFrame).calibrated(with: calibration)
        return Hypothesis(text: words.map(\.word).joined(separator: " "), words: words, score: logScore)
    }

    /// Forgets everything, for the next utterance.
    public func reset() {
        previous = alphabet.blank
        frame = 0
        emitted = []
        logScore = 0
    }
}
