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

    /// How training passes compute the layer's matrix products (``MatrixPrecision``); inference
    /// always runs float32.
    public var matrixPrecision: MatrixPrecision {
        get { forwardDirection.matrixPrecision }
        set { forwardDirection.matrixPrecision = newValue; backwardDirection.matrixPrecision = newValue }
    }

    /// Training: runs both directions over `input` `[steps·batch, I]` under `mask` `[steps·batch]`,
    /// keeping what ``backward(_:inputGradient:)`` needs; returns `[steps·batch, 2H]`.
    public func forward(_ input: [Scalar], mask: [Scalar], steps: Int, batch: Int) -> [Scalar] {
        self.steps = steps
        self.batch = batch
        return run(input, mask: mask, steps: steps, batch: batch) { $0.forward($1, mask: $2, steps: $3, batch: $4, into: $5, stride: $6) }
    }

    /// Inference: the same computation, reading the weights only (so threads may share the layer).
    public func infer(_ input: [Scalar], mask: [Scalar], steps: Int, batch: Int) -> [Scalar] {
        run(input, mask: mask, steps: steps, batch: batch) { $0.infer($1, mask: $2, steps: $3, batch: $4, into: $5, stride: $6) }
    }

    /// Runs one direction over (input, mask, steps, batch), writing output row r at `out + r·stride`.
    private typealias Direction = (RecurrentLayer<Scalar>, [Scalar], [Scalar], Int, Int, UnsafeMutablePointer<Scalar>, Int) -> Void

    private func run(_ input: [Scalar], mask: [Scalar], steps: Int, batch: Int, direction: Direction) -> [Scalar] {
        let H = forwardDirection.hiddenSize
        // Each direction writes its H columns of every row in place.
        return filledArray(count: steps * batch * 2 * H) { out in
            direction(forwardDirection, input, mask, steps, batch, out, 2 * H)
            if let chunk {
                let layout = ChunkLayout(steps: steps, batch: batch, chunk: chunk, lookahead: lookahead)
                let chunked = filledArray(count: layout.window * layout.sequences * H) {
                    direction(backwardDirection, layout.gather(input, width: forwardDirection.inputSize), layout.gather(mask, width: 1),
                              layout.window, layout.sequences, $0, H)
                }
                layout.keepChunks(chunked, width: H, into: out + H, stride: 2 * H)
            } else {
                direction(backwardDirection, input, mask, steps, batch, out + H, 2 * H)
            }
        }
    }

    /// Back-propagates `outputGradient` `[T·B, 2H]`; returns ∂loss/∂input `[T·B, I]`, or an empty
    /// array without computing it when `inputGradient` is false (a network's first layer).
    public func backward(_ outputGradient: [Scalar], inputGradient: Bool = true) -> [Scalar] {
        let H = forwardDirection.hiddenSize, I = forwardDirection.inputSize, rows = steps * batch
        precondition(outputGradient.count == rows * 2 * H, "BidirectionalLayer.backward: gradient has the wrong size")
        guard rows > 0 else { return [] }
        let pass = { (dx: UnsafeMutablePointer<Scalar>?) in
            outputGradient.withUnsafeBufferPointer { gradient in
                let dy = gradient.baseAddress!
                self.forwardDirection.backward(dy, stride: 2 * H, inputGradient: dx, accumulate: false)
                guard let chunk = self.chunk else {
                    self.backwardDirection.backward(dy + H, stride: 2 * H, inputGradient: dx, accumulate: true)
                    return
                }
                let layout = ChunkLayout(steps: self.steps, batch: self.batch, chunk: chunk, lookahead: self.lookahead)
                layout.spreadChunks(dy + H, stride: 2 * H, width: H).withUnsafeBufferPointer { chunkGradient in
                    guard let dx else {
                        self.backwardDirection.backward(chunkGradient.baseAddress!, stride: H, inputGradient: nil, accumulate: false)
                        return
                    }
                    let chunkedInputGradient = filledArray(count: layout.window * layout.sequences * I) {
                        self.backwardDirection.backward(chunkGradient.baseAddress!, stride: H, inputGradient: $0, accumulate: false)
                    }
                    layout.scatterAdd(chunkedInputGradient, width: I, into: dx)
                }
            }
        }
        guard inputGradient else {
            pass(nil)
            return []
        }
        return filledArray(count: rows * I) { pass($0) }
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

    /// Copies `width` values per row from `source` (row r at `source + r·sourceStride`) to `target`
    /// (row r at `target + r·targetStride`), the original layout to the chunked one or back (adding
    /// when `accumulate`), for the first `span` frames of every window.
    private func copyRows<S: NetworkScalar>(from source: UnsafePointer<S>, stride sourceStride: Int, to target: UnsafeMutablePointer<S>,
                                            stride targetStride: Int, width: Int, span: Int, toChunked: Bool, accumulate: Bool = false) {
        forEachRow(span: span) { original, chunked in
            let (from, to) = toChunked ? (original, chunked) : (chunked, original)
            let row = source + from * sourceStride, out = target + to * targetStride
            if accumulate {
                for k in 0..<width { out[k] += row[k] }
            } else {
                out.update(from: row, count: width)
            }
        }
    }

    /// `[window·sequences, width]` from `[steps·batch, width]`; frames past the end are zero.
    func gather<S: NetworkScalar>(_ values: [S], width: Int) -> [S] {
        var out = [S](repeating: 0, count: window * sequences * width)
        values.withUnsafeBufferPointer { source in
        out.withUnsafeMutableBufferPointer { target in
            guard let source = source.baseAddress, let target = target.baseAddress else { return }
            copyRows(from: source, stride: width, to: target, stride: width, width: width, span: window, toChunked: true)
        }}
        return out
    }

    /// Writes each chunk's first C frames of `values` `[window·sequences, width]` to the original
    /// layout, row r at `out + r·stride`: every frame of `[steps·batch]` once.
    func keepChunks<S: NetworkScalar>(_ values: [S], width: Int, into out: UnsafeMutablePointer<S>, stride: Int) {
        values.withUnsafeBufferPointer { source in
            guard let source = source.baseAddress else { return }
            copyRows(from: source, stride: width, to: out, stride: stride, width: width, span: chunk, toChunked: false)
        }
    }

    /// The transpose of ``keepChunks(_:width:into:stride:)``: `[window·sequences, width]` with the
    /// gradients of kept frames (row r of the original layout at `values + r·stride`), zero at lookahead frames.
    func spreadChunks<S: NetworkScalar>(_ values: UnsafePointer<S>, stride: Int, width: Int) -> [S] {
        var out = [S](repeating: 0, count: window * sequences * width)
        out.withUnsafeMutableBufferPointer { target in
            guard let target = target.baseAddress else { return }
            copyRows(from: values, stride: stride, to: target, stride: width, width: width, span: chunk, toChunked: true)
        }
        return out
    }

    /// The transpose of ``gather(_:width:)``: adds every copy of a frame into `out` `[steps·batch, width]`.
    func scatterAdd<S: NetworkScalar>(_ values: [S], width: Int, into out: UnsafeMutablePointer<S>) {
        values.withUnsafeBufferPointer { source in
            guard let source = source.baseAddress else { return }
            copyRows(from: source, stride: width, to: out, stride: width, width: width, span: window, toChunked: false, accumulate: true)
        }
    }
}

/// An array of `count` scalars that `body` fills in full through the pointer it is given.
func filledArray<S>(count: Int, _ body: (UnsafeMutablePointer<S>) -> Void) -> [S] {
    // Capacity ≥ 1, so the pointer exists even for an empty array.
    [S](unsafeUninitializedCapacity: max(count, 1)) { buffer, initialized in
        body(buffer.baseAddress!)
        initialized = count
    }
}
