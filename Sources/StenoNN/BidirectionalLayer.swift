/// A recurrent layer run both ways over a batch, with the two outputs side by side: `[T·B, 2H]`,
/// the forward direction's H columns first.
///
/// Latency control (Chen & Huo, 2016; Zhang et al., 2016): with `chunk` = C frames and
/// `lookahead` = R, the backward direction runs over each chunk of C frames plus the R frames
/// after it, starting from a zero state, and keeps only the C outputs; the forward direction
/// carries its state across chunks as usual. A frame's output then depends on at most R frames
/// of the future beyond its chunk, so streaming gives the same result as offline.
/// `chunk == nil` is the ordinary bidirectional layer over whole sequences.
public final class BidirectionalLayer<Scalar: NetworkScalar> {
    public let forwardDirection: RecurrentLayer<Scalar>
    public let backwardDirection: RecurrentLayer<Scalar>
    /// Frames per backward-direction chunk, or `nil` for whole sequences.
    public let chunk: Int?
    /// Frames of lookahead after each chunk.
    public let lookahead: Int

    private var steps = 0, batch = 0

    /// A layer of `hiddenSize` units per direction.
    public init(cell: RecurrentCellKind, inputSize: Int, hiddenSize: Int, chunk: Int?, lookahead: Int, name: String, random: inout SplitMix64) {
        precondition(chunk.map { $0 > 0 } ?? true && lookahead >= 0, "BidirectionalLayer: chunk must be positive and lookahead non-negative")
        forwardDirection = RecurrentLayer(cell: cell, inputSize: inputSize, hiddenSize: hiddenSize, reversed: false, name: name + ".forward", random: &random)
        backwardDirection = RecurrentLayer(cell: cell, inputSize: inputSize, hiddenSize: hiddenSize, reversed: true, name: name + ".backward", random: &random)
        self.chunk = chunk
        self.lookahead = lookahead
    }

    /// Both directions' parameters.
    public var parameters: [Parameter<Scalar>] { forwardDirection.parameters + backwardDirection.parameters }

    /// Output columns: 2H.
    public var outputSize: Int { 2 * forwardDirection.hiddenSize }

    /// Training: runs both directions over `input` `[steps·batch, I]` under `mask` `[steps·batch]`,
    /// keeping what ``backward(_:)`` needs; returns `[steps·batch, 2H]`.
    public func forward(_ input: [Scalar], mask: [Scalar], steps: Int, batch: Int) -> [Scalar] {
        self.steps = steps
        self.batch = batch
        return run(input, mask: mask, steps: steps, batch: batch) { $0.forward($1, mask: $2, steps: $3, batch: $4) }
    }

    /// Inference: the same computation, reading the weights only (so threads may share the layer).
    public func infer(_ input: [Scalar], mask: [Scalar], steps: Int, batch: Int) -> [Scalar] {
        run(input, mask: mask, steps: steps, batch: batch) { $0.infer($1, mask: $2, steps: $3, batch: $4).output }
    }

    private func run(_ input: [Scalar], mask: [Scalar], steps: Int, batch: Int,
                     direction: (RecurrentLayer<Scalar>, [Scalar], [Scalar], Int, Int) -> [Scalar]) -> [Scalar] {
        let forwardOutput = direction(forwardDirection, input, mask, steps, batch)
        let backwardOutput: [Scalar]
        if let chunk {
            let layout = ChunkLayout(steps: steps, batch: batch, chunk: chunk, lookahead: lookahead)
            let chunked = direction(backwardDirection, layout.gather(input, width: forwardDirection.inputSize),
                                    layout.gather(mask, width: 1), layout.window, layout.sequences)
            backwardOutput = layout.keepChunks(chunked, width: backwardDirection.hiddenSize)
        } else {
            backwardOutput = direction(backwardDirection, input, mask, steps, batch)
        }
        return interleaveColumns(forwardOutput, backwardOutput, rows: steps * batch, width: forwardDirection.hiddenSize)
    }

    /// Back-propagates `outputGradient` `[T·B, 2H]`; returns ∂loss/∂input `[T·B, I]`.
    public func backward(_ outputGradient: [Scalar]) -> [Scalar] {
        let H = forwardDirection.hiddenSize, rows = steps * batch
        let (forwardGradient, backwardGradient) = splitColumns(outputGradient, rows: rows, width: H)
        var inputGradient = forwardDirection.backward(forwardGradient)
        let backwardInputGradient: [Scalar]
        if let chunk {
            let layout = ChunkLayout(steps: steps, batch: batch, chunk: chunk, lookahead: lookahead)
            let chunkedGradient = backwardDirection.backward(layout.spreadChunks(backwardGradient, width: H))
            backwardInputGradient = layout.scatterAdd(chunkedGradient, width: backwardDirection.inputSize)
        } else {
            backwardInputGradient = backwardDirection.backward(backwardGradient)
        }
        for index in inputGradient.indices { inputGradient[index] += backwardInputGradient[index] }
        return inputGradient
    }
}

/// How latency control lays a batch out for the backward direction: every chunk of every sequence
/// becomes its own sequence of `window` = C + R frames, time-major, chunk j of sequence b at column j·B + b.
struct ChunkLayout {
    let steps: Int, batch: Int, chunk: Int, lookahead: Int
    /// Chunks per sequence.
    var chunks: Int { max(1, (steps + chunk - 1) / chunk) }
    /// Frames each chunk's backward pass sees.
    var window: Int { chunk + lookahead }
    /// Sequences in the chunked layout.
    var sequences: Int { chunks * batch }

    /// Calls `body(original, chunked)` with the row of frame (t, b) in the `[steps·batch]` layout and
    /// in the chunked layout, for the first `span` frames of every chunk's window that exist.
    private func forEachRow(span: Int, _ body: (_ original: Int, _ chunked: Int) -> Void) {
        for j in 0..<chunks {
            for u in 0..<span {
                let t = j * chunk + u
                guard t < steps else { break }
                for b in 0..<batch { body(t * batch + b, u * sequences + j * batch + b) }
            }
        }
    }

    /// Copies `width` values per row from `source` rows to `target` rows (adding when `accumulate`).
    private func copyRows<S: NetworkScalar>(_ values: [S], into out: inout [S], width: Int, span: Int, toChunked: Bool, accumulate: Bool = false) {
        forEachRow(span: span) { original, chunked in
            let (from, to) = toChunked ? (original * width, chunked * width) : (chunked * width, original * width)
            for k in 0..<width {
                if accumulate { out[to + k] += values[from + k] } else { out[to + k] = values[from + k] }
            }
        }
    }

    /// `[window·sequences, width]` from `[steps·batch, width]`; frames past the end are zero.
    func gather<S: NetworkScalar>(_ values: [S], width: Int) -> [S] {
        var out = [S](repeating: 0, count: window * sequences * width)
        copyRows(values, into: &out, width: width, span: window, toChunked: true)
        return out
    }

    /// `[steps·batch, width]` from the chunked layout, keeping each chunk's first C frames.
    func keepChunks<S: NetworkScalar>(_ values: [S], width: Int) -> [S] {
        var out = [S](repeating: 0, count: steps * batch * width)
        copyRows(values, into: &out, width: width, span: chunk, toChunked: false)
        return out
    }

    /// The transpose of ``keepChunks``: gradients at kept frames, zero at lookahead frames.
    func spreadChunks<S: NetworkScalar>(_ values: [S], width: Int) -> [S] {
        var out = [S](repeating: 0, count: window * sequences * width)
        copyRows(values, into: &out, width: width, span: chunk, toChunked: true)
        return out
    }

    /// The transpose of ``gather``: sums every copy of a frame back into `[steps·batch, width]`.
    func scatterAdd<S: NetworkScalar>(_ values: [S], width: Int) -> [S] {
        var out = [S](repeating: 0, count: steps * batch * width)
        copyRows(values, into: &out, width: width, span: window, toChunked: false, accumulate: true)
        return out
    }
}

/// `[rows, 2·width]` with `left`'s columns first, from two `[rows, width]`.
func interleaveColumns<S: NetworkScalar>(_ left: [S], _ right: [S], rows: Int, width: Int) -> [S] {
    var out = [S](repeating: 0, count: rows * 2 * width)
    for r in 0..<rows {
        for k in 0..<width {
            out[r * 2 * width + k] = left[r * width + k]
            out[r * 2 * width + width + k] = right[r * width + k]
        }
    }
    return out
}

/// The inverse of ``interleaveColumns``.
func splitColumns<S: NetworkScalar>(_ values: [S], rows: Int, width: Int) -> ([S], [S]) {
    var left = [S](repeating: 0, count: rows * width), right = left
    for r in 0..<rows {
        for k in 0..<width {
            left[r * width + k] = values[r * 2 * width + k]
            right[r * width + k] = values[r * 2 * width + width + k]
        }
    }
    return (left, right)
}
