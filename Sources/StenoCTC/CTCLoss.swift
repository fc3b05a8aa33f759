import Foundation

/// Connectionist Temporal Classification (Graves et al., 2006): the negative log-likelihood of a
/// label sequence summed over all its alignments to the frames, and its gradient.
///
/// Computed with the forward-backward recursions in log space, in `Double` whatever the
/// network's scalar type, so long utterances neither underflow nor lose precision.
public enum CTC {
    /// The loss of one utterance and the gradient with respect to its logits.
    public struct Result<Scalar: BinaryFloatingPoint>: Sendable where Scalar: Sendable {
        /// −log p(targets | input), in nats.
        public var loss: Double
        /// ∂loss/∂logits, `[frames, classes]` row-major: softmax(logits) − the posterior occupancy of each class.
        public var gradient: [Scalar]
    }

    /// Why an utterance has no CTC loss.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The targets need more frames than there are: each label takes one, and a repeated label one more for the blank between.
        case targetsTooLong(frames: Int, framesNeeded: Int)
        /// A target is the blank or outside `0..<classes`.
        case invalidLabel(Int)

        public var description: String {
            switch self {
            case .targetsTooLong(let frames, let needed):
                "the transcript needs at least \(needed) output frames but the audio gives \(frames)"
            case .invalidLabel(let label): "label \(label) is the blank or out of range"
            }
        }
    }

    /// The CTC loss of `targets` given unnormalised scores `logits` `[frames, classes]` (row-major),
    /// with the softmax over classes applied inside, and the gradient with respect to the logits.
    ///
    /// - Parameters:
    ///   - frames: the utterance's frames; only the first `frames` rows of `logits` are read.
    ///   - targets: label indices in `0..<classes`, none equal to `blank`; may be empty.
    /// - Throws: ``Failure`` when the targets cannot be aligned to the frames.
    public static func loss<Scalar: BinaryFloatingPoint>(
        logits: UnsafeBufferPointer<Scalar>, frames: Int, classes: Int, targets: [Int], blank: Int = 0
    ) throws(Failure) -> Result<Scalar> {
        precondition(logits.count >= frames * classes, "logits hold \(logits.count) values, need \(frames) × \(classes)")
        for label in targets where label == blank || !(0..<classes).contains(label) { throw .invalidLabel(label) }
        let repeats = zip(targets, targets.dropFirst()).filter { $0 == $1 }.count
        if frames < targets.count + repeats || frames == 0 {
            throw .targetsTooLong(frames: frames, framesNeeded: max(1, targets.count + repeats))
        }

        // Log-softmax of every frame, in Double.
        var logProbabilities = [Double](repeating: 0, count: frames * classes)
        for t in 0..<frames {
            let row = t * classes
            var maximum = -Double.infinity
            for k in 0..<classes { maximum = max(maximum, Double(logits[row + k])) }
            var sum = 0.0
            for k in 0..<classes { sum += exp(Double(logits[row + k]) - maximum) }
            let normaliser = maximum + log(sum)
            for k in 0..<classes { logProbabilities[row + k] = Double(logits[row + k]) - normaliser }
        }

        // The extended label sequence: blank, l1, blank, l2, ..., blank (length S = 2L + 1).
        let extended = [blank] + targets.flatMap { [$0, blank] }
        let states = extended.count
        // A state may be entered from two back when it is a label different from the label two back.
        let canSkip = (0..<states).map { s in s >= 2 && extended[s] != blank && extended[s] != extended[s - 2] }

        // alpha[t][s] = log p(prefix ending in state s at frame t); beta the same from the end.
        var alpha = [Double](repeating: -.infinity, count: frames * states)
        var beta = [Double](repeating: -.infinity, count: frames * states)
        alpha[0] = logProbabilities[blank]
        if states > 1 { alpha[1] = logProbabilities[extended[1]] }
        for t in 1..<max(frames, 1) {
            let previous = (t - 1) * states, current = t * states
            for s in 0..<states {
                var total = alpha[previous + s]
                if s >= 1 { total = logAdd(total, alpha[previous + s - 1]) }
                if canSkip[s] { total = logAdd(total, alpha[previous + s - 2]) }
                alpha[current + s] = total + logProbabilities[t * classes + extended[s]]
            }
        }
        let last = (frames - 1) * states
        beta[last + states - 1] = logProbabilities[(frames - 1) * classes + extended[states - 1]]
        if states > 1 { beta[last + states - 2] = logProbabilities[(frames - 1) * classes + extended[states - 2]] }
        for t in stride(from: frames - 2, through: 0, by: -1) {
            let next = (t + 1) * states, current = t * states
            for s in 0..<states {
                var total = beta[next + s]
                if s + 1 < states { total = logAdd(total, beta[next + s + 1]) }
                if s + 2 < states && canSkip[s + 2] { total = logAdd(total, beta[next + s + 2]) }
                beta[current + s] = total + logProbabilities[t * classes + extended[s]]
            }
        }
        var logLikelihood = alpha[last + states - 1]
        if states > 1 { logLikelihood = logAdd(logLikelihood, alpha[last + states - 2]) }

        // ∂loss/∂logit[t,k] = p[t,k] − Σ_{s: label s = k} exp(alpha[t,s] + beta[t,s] − log p[t,k] − log-likelihood).
        var gradient = [Scalar](repeating: 0, count: frames * classes)
        var occupancy = [Double](repeating: -.infinity, count: classes)
        for t in 0..<frames {
            for k in 0..<classes { occupancy[k] = -.infinity }
            for s in 0..<states {
                occupancy[extended[s]] = logAdd(occupancy[extended[s]], alpha[t * states + s] + beta[t * states + s])
            }
            for k in 0..<classes {
                let logProbability = logProbabilities[t * classes + k]
                let posterior = exp(occupancy[k] - logProbability - logLikelihood)
                gradient[t * classes + k] = Scalar(exp(logProbability) - posterior)
            }
        }
        return Result(loss: -logLikelihood, gradient: gradient)
    }

    /// log(exp(a) + exp(b)) without overflow; −∞ is the log of zero.
    @inline(__always)
    static func logAdd(_ a: Double, _ b: Double) -> Double {
        if a == -.infinity { return b }
        if b == -.infinity { return a }
        return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b))
    }
}
