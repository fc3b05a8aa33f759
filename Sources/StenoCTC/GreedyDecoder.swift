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
