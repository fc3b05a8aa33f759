/// An ``AcousticNetwork``'s weights, frozen and laid out for fast inference on one utterance at a
/// time: the computation of ``AcousticNetwork/infer(_:)`` for batch 1, done the quick way.
///
/// - Each layer projects its input for both directions in one matrix product (`[T, I]·[I, 2G]`).
/// - Recurrent steps run Steno's own kernels (CStenoKernels): the hidden product over weights packed
///   for one row vector, then the cell's gates fused over the unit's values, with nothing kept for a
///   backward pass.
/// - With latency control, the backward direction's chunks run side by side (one matrix product per
///   step for all chunks), and each chunk's first step, from a zero state, skips its hidden product.
/// - ``WeightPrecision/int8`` keeps the recurrent layers' weights as int8 with a scale per row, so a
///   step reads a quarter of the bytes; they then compute as their int8 round trip.
///
/// Immutable after creation: any number of threads and streams (``NetworkStream``) may share one.
/// Changing the source network's weights afterwards does not change it.
public final class InferenceNetwork: Sendable {
    public let configuration: NetworkConfiguration
    public let precision: WeightPrecision
    let layers: [InferenceLayer]
    private let outputWeight: [Float]   // [classes, 2H]
    private let outputBias: [Float]     // [classes]

    /// A frozen copy of `network`'s weights in `precision`.
    public init(_ network: AcousticNetwork<Float>, precision: WeightPrecision = .float32) {
        configuration = network.configuration
        self.precision = precision
        layers = network.recurrentLayers.map { InferenceLayer($0, precision: precision) }
        outputWeight = network.output.weight.values   // float32 in every precision: it makes the logits
        outputBias = network.output.bias.values
    }

    /// Logits `[outputFrames, classes]` for one utterance's features `[frames, inputSize]`
    /// (row-major, normalized as the model expects); output frames = ⌈frames / stacking⌉.
    public func logits(_ features: [Float]) -> (values: [Float], frames: Int) {
        let width = configuration.inputSize * configuration.stacking
        precondition(features.count % configuration.inputSize == 0, "InferenceNetwork: features must hold whole frames of \(configuration.inputSize)")
        // One sequence stacks by reading k consecutive frames as one, zero-padded to whole stacks.
        var x = features + [Float](repeating: 0, count: (width - features.count % width) % width)
        let frames = x.count / width
        for layer in layers { x = layer.run(x, frames: frames) }
        return (output(x, rows: frames), frames)
    }

    /// The output layer: logits `[rows, classes]` from the last layer's `[rows, 2H]`.
    func output(_ x: [Float], rows: Int) -> [Float] {
        guard rows > 0 else { return [] }
        let classes = configuration.classes, inputs = outputWeight.count / classes
        var y = [Float](repeating: 0, count: rows * classes)
        y.withUnsafeMutableBufferPointer { out in
            outputBias.withUnsafeBufferPointer { broadcastRows($0.baseAddress!, into: out.baseAddress!, rows: rows, columns: classes) }
            x.withUnsafeBufferPointer { input in
                outputWeight.withUnsafeBufferPointer {
                    product(input.baseAddress!, $0.baseAddress!, transposeB: true, into: out.baseAddress!, m: rows, n: classes, k: inputs, accumulate: true)
                }
            }
        }
        return y
    }
}

extension WeightPrecision {
    /// A recurrent layer parameter's values as this precision computes with them: as they are, or
    /// their int8 round trip for matrices (vectors, the biases, stay float32).
    func stored(_ parameter: Parameter<Float>) -> [Float] {
        guard self == .int8, parameter.shape.count == 2 else { return parameter.values }
        return QuantizedMatrix.roundTrip(parameter.values, rows: parameter.shape[0], columns: parameter.shape[1])
    }
}

/// A recurrent state for one sequence: hidden and cell values `[H]` (the cell unused by GRU and RNN),
/// and whether both are still zero (a step from a zero state needs no hidden product).
struct DirectionState {
    var hidden: [Float], cell: [Float]
    var isZero = true
    init(size: Int) {
        hidden = [Float](repeating: 0, count: size)
        cell = hidden
    }
}

/// One direction of a layer, ready to step.
struct InferenceDirection: Sendable {
    let cell: RecurrentCellKind
    let size: Int
    let hiddenBias: [Float]       // [G]
    let hiddenWeights: [Float]    // [G, H] as computed with, for products over many sequences
    let packed: PackedMatrix      // the same, packed for one sequence

    var gates: Int { cell.gateCount * size }

    init(_ layer: RecurrentLayer<Float>, precision: WeightPrecision) {
        cell = layer.cell
        size = layer.hiddenSize
        hiddenBias = layer.bHidden.values
        hiddenWeights = precision.stored(layer.wHidden)
        let rows = layer.wHidden.shape[0], columns = layer.wHidden.shape[1]
        switch precision {
        case .float32: packed = PackedMatrix(floats: hiddenWeights, rows: rows, columns: columns)
        case .int8: packed = PackedMatrix(QuantizedMatrix(layer.wHidden.values, rows: rows, columns: columns))
        }
    }

    /// Steps over `rows` (frame indices, in the order to visit them) from `state`: the input
    /// projection of frame t is at `projected + t·projectedStride`; its hidden output is written at
    /// `output + t·outputStride` when t < `keepBelow`.
    func run(_ rows: some Sequence<Int>, projected: UnsafePointer<Float>, projectedStride: Int, state: inout DirectionState,
             output: UnsafeMutablePointer<Float>, outputStride: Int, keepBelow limit: Int = .max) {
        var recurrent = [Float](repeating: 0, count: gates)
        let size = size, cell = cell
        recurrent.withUnsafeMutableBufferPointer { r in
        hiddenBias.withUnsafeBufferPointer { bias in
        state.hidden.withUnsafeMutableBufferPointer { h in
        state.cell.withUnsafeMutableBufferPointer { c in
            for t in rows {
                r.baseAddress!.update(from: bias.baseAddress!, count: bias.count)
                if !state.isZero { packed.multiplyAdd(h.baseAddress!, into: r.baseAddress!) }
                cell.step(projected + t * projectedStride, r.baseAddress!, hidden: h.baseAddress!, cell: c.baseAddress!, size: size)
                state.isZero = false
                if t < limit { (output + t * outputStride).update(from: h.baseAddress!, count: size) }
            }
        }}}}
    }
}

/// One bidirectional layer, ready to run.
struct InferenceLayer: Sendable {
    let inputSize: Int, size: Int
    let chunk: Int?, lookahead: Int
    let forward: InferenceDirection, backward: InferenceDirection
    private let inputWeights: [Float]   // [2G, I]: the forward direction's rows, then the backward's
    private let packedInput: PackedMatrix   // the same, packed for a few frames at a time (streaming)
    private let inputBias: [Float]      // [2G]

    /// Up to this many frames, ``project(_:frames:)`` runs frame by frame over the packed weights: a
    /// matrix product would first copy all the weights into its own layout, for a few rows only.
    static let frameByFrameLimit = 8

    init(_ layer: BidirectionalLayer<Float>, precision: WeightPrecision) {
        inputSize = layer.forwardDirection.inputSize
        size = layer.forwardDirection.hiddenSize
        chunk = layer.chunk
        lookahead = layer.lookahead
        forward = InferenceDirection(layer.forwardDirection, precision: precision)
        backward = InferenceDirection(layer.backwardDirection, precision: precision)
        inputWeights = precision.stored(layer.forwardDirection.wInput) + precision.stored(layer.backwardDirection.wInput)
        inputBias = layer.forwardDirection.bInput.values + layer.backwardDirection.bInput.values
        let rows = inputBias.count, original = layer.forwardDirection.wInput.values + layer.backwardDirection.wInput.values
        switch precision {
        case .float32: packedInput = PackedMatrix(floats: inputWeights, rows: rows, columns: inputSize)
        case .int8: packedInput = PackedMatrix(QuantizedMatrix(original, rows: rows, columns: inputSize))
        }
    }

    /// Columns of a projected frame: both directions' gates, G = gates·H each.
    var projectedWidth: Int { 2 * forward.gates }

    /// Both directions' input projections `[frames, 2G]` of `input` `[frames, I]`, biases included.
    func project(_ input: [Float], frames: Int) -> [Float] {
        let width = projectedWidth
        var projected = [Float](repeating: 0, count: frames * width)
        guard frames > 0 else { return projected }
        projected.withUnsafeMutableBufferPointer { out in
            inputBias.withUnsafeBufferPointer { broadcastRows($0.baseAddress!, into: out.baseAddress!, rows: frames, columns: width) }
            input.withUnsafeBufferPointer { x in
                if frames <= Self.frameByFrameLimit {
                    for t in 0..<frames { packedInput.multiplyAdd(x.baseAddress! + t * inputSize, into: out.baseAddress! + t * width) }
                    return
                }
                inputWeights.withUnsafeBufferPointer {
                    product(x.baseAddress!, $0.baseAddress!, transposeB: true, into: out.baseAddress!, m: frames, n: width, k: inputSize, accumulate: true)
                }
            }
        }
        return projected
    }

    /// The layer over one whole utterance: `[frames, 2H]` (forward direction's H columns first) from `[frames, I]`.
    func run(_ input: [Float], frames: Int) -> [Float] {
        let projected = project(input, frames: frames)
        let width = projectedWidth, G = forward.gates, H = size
        var output = [Float](repeating: 0, count: frames * 2 * H)
        projected.withUnsafeBufferPointer { p in
        output.withUnsafeMutableBufferPointer { out in
            var state = DirectionState(size: H)
            forward.run(0..<frames, projected: p.baseAddress!, projectedStride: width, state: &state, output: out.baseAddress!, outputStride: 2 * H)
            if let chunk {
                runChunks(starts: Array(Swift.stride(from: 0, to: frames, by: chunk)), chunk: chunk, frames: frames,
                          projected: p.baseAddress! + G, projectedStride: width, output: out.baseAddress! + H, outputStride: 2 * H)
            } else {
                var state = DirectionState(size: H)
                backward.run((0..<frames).reversed(), projected: p.baseAddress! + G, projectedStride: width, state: &state,
                             output: out.baseAddress! + H, outputStride: 2 * H)
            }
        }}
        return output
    }

    /// Latency control: chunk j's backward pass runs over frames s_j ..< s_j + C + R (of the `frames`
    /// there are) from a zero state and keeps its first C outputs, for each chunk start s_j in `starts`.
    /// Frame t's backward input projection is at `projected + t·projectedStride`; its output goes to
    /// `output + t·outputStride`. Whole windows run side by side, one step of all at a time (a matrix
    /// product each); windows cut short by the end of the frames run one by one.
    func runChunks(starts: [Int], chunk: Int, frames: Int, projected: UnsafePointer<Float>, projectedStride width: Int,
                   output: UnsafeMutablePointer<Float>, outputStride stride: Int) {
        let window = chunk + lookahead, G = backward.gates, H = size
        let whole = starts.filter { $0 + window <= frames }
        for start in starts where start + window > frames {
            var state = DirectionState(size: H)
            backward.run((start..<frames).reversed(), projected: projected, projectedStride: width, state: &state,
                         output: output, outputStride: stride, keepBelow: start + chunk)
        }
        let n = whole.count
        guard n > 0 else { return }
        var hidden = [Float](repeating: 0, count: n * H), cells = hidden
        var recurrent = [Float](repeating: 0, count: n * G)
        let cell = backward.cell
        hidden.withUnsafeMutableBufferPointer { h in
        cells.withUnsafeMutableBufferPointer { c in
        recurrent.withUnsafeMutableBufferPointer { r in
        backward.hiddenBias.withUnsafeBufferPointer { bias in
        backward.hiddenWeights.withUnsafeBufferPointer { weights in
            for u in (0..<window).reversed() {
                broadcastRows(bias.baseAddress!, into: r.baseAddress!, rows: n, columns: G)
                if u < window - 1 {
                    product(h.baseAddress!, weights.baseAddress!, transposeB: true, into: r.baseAddress!, m: n, n: G, k: H, accumulate: true)
                }
                for (j, start) in whole.enumerated() {
                    let t = start + u, hj = h.baseAddress! + j * H
                    cell.step(projected + t * width, r.baseAddress! + j * G, hidden: hj, cell: c.baseAddress! + j * H, size: H)
                    if u < chunk { (output + t * stride).update(from: hj, count: H) }
                }
            }
        }}}}}
    }
}
