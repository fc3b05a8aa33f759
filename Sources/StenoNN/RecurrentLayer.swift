/// The recurrent cell a ``RecurrentLayer`` runs. All share one interface (an input projection,
/// a hidden projection, an elementwise step) and PyTorch's gate order and equations.
public enum RecurrentCellKind: String, Codable, Sendable, CaseIterable {
    /// Long short-term memory: gates i, f, g, o; c = f·c' + i·g, h = o·tanh(c).
    case lstm
    /// Gated recurrent unit: gates r, z, n; n = tanh(xₙ + r·hₙ), h = (1 − z)·n + z·h'.
    case gru
    /// Plain (Elman) recurrence: h = tanh(x + h').
    case rnn

    /// Blocks of `hidden` rows in the projections.
    public var gateCount: Int {
        switch self {
        case .lstm: 4
        case .gru: 3
        case .rnn: 1
        }
    }
}

/// A recurrent layer's state between frames: hidden and cell values `[B, H]` (the cell is unused by GRU and RNN).
public struct RecurrentState<Scalar: NetworkScalar>: Sendable, Equatable {
    public var hidden: [Scalar]
    public var cell: [Scalar]
    public init(hidden: [Scalar], cell: [Scalar]) {
        self.hidden = hidden
        self.cell = cell
    }
}

/// Scratch a recurrent layer needs only during one pass (projections `[T·B, G]`, gate gradients
/// `[T·B, G]`), kept from pass to pass: allocating tens of megabytes anew each time costs page faults.
/// The layers of one network run one after another, so they share one (``RecurrentLayer/share(_:)``).
final class RecurrentScratch<Scalar: NetworkScalar> {
    let projected = Workspace<Scalar>()          // wInput·x + bInput
    let gateGradient = Workspace<Scalar>()       // ∂/∂(input projection)
    let hiddenGateGradient = Workspace<Scalar>() // GRU: ∂/∂(hidden projection)
}

/// One direction of a recurrent layer over a time-major batch of sequences.
///
/// Shapes (row-major): input `[T·B, I]` with frame t of sequence b at row t·B + b; output `[T·B, H]`;
/// G = gates × H. Parameters: wInput `[G, I]`, wHidden `[G, H]`, bInput `[G]`, bHidden `[G]`.
/// A mask `[T·B]` (1 inside a sequence, 0 past its end) zeroes the state at padded frames, so a
/// reversed layer starts every sequence from a zero state at its own last frame.
public final class RecurrentLayer<Scalar: NetworkScalar> {
    public let cell: RecurrentCellKind
    public let inputSize: Int
    public let hiddenSize: Int
    /// Runs from the last frame to the first.
    public let reversed: Bool
    public let wInput: Parameter<Scalar>, wHidden: Parameter<Scalar>, bInput: Parameter<Scalar>, bHidden: Parameter<Scalar>

    /// What a forward pass keeps for the backward pass.
    final class Activations {
        var steps = 0, batch = 0
        var input: [Scalar] = []                  // [T·B, I], kept by reference (no copy)
        var mask: [Scalar] = []                   // [T·B]
        let gates = Workspace<Scalar>()           // [T·B, G] activated: LSTM i,f,g,o; GRU r,z,n; RNN h
        let previousHidden = Workspace<Scalar>()  // [T·B, H] the state each step started from
        let cellStates = Workspace<Scalar>()      // [T·B, H] LSTM: c before masking; GRU: the n block of the hidden projection
        let previousCell = Workspace<Scalar>()    // [T·B, H] LSTM: the cell state each step started from
        /// Float32: wHidden packed for the batched recurrent product (its transpose in the backward pass).
        let packedHidden = StripPackedMatrix()
        /// bfloat16 training passes: the whole-sequence products' packing, and wHidden packed once per pass.
        let bfloat16Products = BFloat16Products(), bfloat16Hidden = BFloat16Products()
        /// The pass's scratch: the network's shared one for training, a fresh one for inference.
        var scratch = RecurrentScratch<Scalar>()
    }
    /// The training forward pass's activations; inference uses its own and leaves the layer untouched.
    private let saved = Activations()
    /// Float32 layers run their recurrent products, and LSTMs their cells (``LSTMTrainingKernels``), in
    /// Steno's C kernels, vectorized when the CPU allows and this is true; Double (the gradient checks)
    /// uses BLAS and the loops below.
    var vectorizedKernels = InferenceKernels.vectorized
    private var cellKernels: Bool { cell == .lstm && Scalar.self == Float.self }
    /// How training passes (not inference) compute their matrix products; bfloat16 needs Float layers.
    var matrixPrecision = MatrixPrecision.float32 {
        didSet { precondition(matrixPrecision == .float32 || Scalar.self == Float.self, "RecurrentLayer: bfloat16 products need Float layers") }
    }
    /// Float32 with at most ``StripPackedMatrix/largestBatch`` sequences: the recurrent product over
    /// weights packed in strips, all sequences of a step at once, packed once per pass; faster than
    /// BLAS at a few rows (which repacks the weights at every step). Larger batches (latency
    /// control's chunks side by side) keep BLAS.
    private func stripProducts(batch: Int) -> Bool { Scalar.self == Float.self && batch <= StripPackedMatrix.largestBatch }

    /// A layer with weights uniform in ±1/√H (PyTorch's initialisation) and, for LSTM, a forget-gate
    /// bias of 1 so that early in training the cell keeps its memory.
    public init(cell: RecurrentCellKind, inputSize: Int, hiddenSize: Int, reversed: Bool, name: String, random: inout SplitMix64) {
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.reversed = reversed
        let rows = cell.gateCount * hiddenSize
        let bound = 1 / Double(hiddenSize).squareRoot()
        wInput = Parameter(name: name + ".wInput", shape: [rows, inputSize], uniformBound: bound, random: &random)
        wHidden = Parameter(name: name + ".wHidden", shape: [rows, hiddenSize], uniformBound: bound, random: &random)
        bInput = Parameter(name: name + ".bInput", shape: [rows], uniformBound: bound, random: &random)
        bHidden = Parameter(name: name + ".bHidden", shape: [rows], uniformBound: bound, random: &random)
        if cell == .lstm {
            for j in hiddenSize..<2 * hiddenSize {
                bInput.values[j] = 1
                bHidden.values[j] = 0
            }
        }
    }

    /// The layer's parameters.
    public var parameters: [Parameter<Scalar>] { [wInput, wHidden, bInput, bHidden] }

    /// Trains with `scratch`, which other layers that never run at the same time may share.
    func share(_ scratch: RecurrentScratch<Scalar>) { saved.scratch = scratch }

    /// Training: runs the recurrence over `input` `[steps·batch, I]` under `mask` `[steps·batch]`,
    /// keeping what ``backward(_:)`` needs; returns `[steps·batch, H]`.
    public func forward(_ inputValues: [Scalar], mask maskValues: [Scalar], steps: Int, batch: Int) -> [Scalar] {
        filledArray(count: steps * batch * hiddenSize) { forward(inputValues, mask: maskValues, steps: steps, batch: batch, into: $0, stride: hiddenSize) }
    }

    /// Training, writing the output's row r to `output + r·stride` (H values), so that a
    /// bidirectional layer's two directions fill one `[T·B, 2H]` array side by side.
    func forward(_ inputValues: [Scalar], mask maskValues: [Scalar], steps: Int, batch: Int,
                 into output: UnsafeMutablePointer<Scalar>, stride: Int) {
        _ = run(inputValues, mask: maskValues, steps: steps, batch: batch, initial: nil, keeping: saved, into: output, stride: stride)
    }

    /// Inference: the same computation, reading the weights only (so threads may share the layer).
    /// - Parameter initial: the state to start from (a stream's carried state); zero when `nil`.
    /// - Returns: the output `[steps·batch, H]` and the state after the last frame processed
    ///   (hidden and cell `[B, H]`), for carrying on over the next frames of a stream.
    public func infer(_ inputValues: [Scalar], mask maskValues: [Scalar], steps: Int, batch: Int,
                      initial: RecurrentState<Scalar>? = nil) -> (output: [Scalar], final: RecurrentState<Scalar>) {
        var final = RecurrentState<Scalar>(hidden: [], cell: [])
        let output = filledArray(count: steps * batch * hiddenSize) {
            final = run(inputValues, mask: maskValues, steps: steps, batch: batch, initial: initial, keeping: Activations(), into: $0, stride: hiddenSize)
        }
        return (output, final)
    }

    /// Inference from a zero state, writing output row r at `output + r·stride`.
    func infer(_ inputValues: [Scalar], mask maskValues: [Scalar], steps: Int, batch: Int, into output: UnsafeMutablePointer<Scalar>, stride: Int) {
        _ = run(inputValues, mask: maskValues, steps: steps, batch: batch, initial: nil, keeping: Activations(), into: output, stride: stride)
    }

    /// The recurrence, writing output row r (H values) at `out + r·stride`; returns the final state.
    private func run(_ inputValues: [Scalar], mask maskValues: [Scalar], steps: Int, batch: Int, initial: RecurrentState<Scalar>?,
                     keeping activations: Activations, into out: UnsafeMutablePointer<Scalar>, stride: Int) -> RecurrentState<Scalar> {
        let H = hiddenSize, G = cell.gateCount * H, rows = steps * batch
        precondition(inputValues.count == rows * inputSize && maskValues.count == rows, "RecurrentLayer: input or mask has the wrong size")
        let gates = activations.gates
        let previousHidden = activations.previousHidden, cellStates = activations.cellStates, previousCell = activations.previousCell
        activations.steps = steps
        activations.batch = batch
        activations.input = inputValues
        activations.mask = maskValues
        // Every step writes all of its rows of these: no need to clear them first.
        gates.resize(count: rows * G)
        previousHidden.resize(count: rows * H)
        cellStates.resize(count: cell == .rnn ? 0 : rows * H)
        previousCell.resize(count: cell == .lstm ? rows * H : 0)
        var hidden = initial?.hidden ?? [Scalar](repeating: 0, count: batch * H)      // h' [B, H]
        var cellState = initial?.cell ?? [Scalar](repeating: 0, count: batch * H)     // c' [B, H]
        precondition(hidden.count == batch * H && cellState.count == batch * H, "RecurrentLayer: initial state has the wrong size")
        guard rows > 0 else { return RecurrentState(hidden: hidden, cell: cellState) }
        var recurrent = [Scalar](repeating: 0, count: batch * G)   // wHidden·h' + bHidden [B, G]
        let projected = activations.scratch.projected             // wInput·x + bInput [T·B, G]
        projected.resize(count: rows * G)

        // bfloat16 products for the training pass only (inference passes bring their own activations).
        let bfloat16 = matrixPrecision == .bfloat16 && activations === saved
        activations.bfloat16Products.vectorized = vectorizedKernels
        activations.bfloat16Hidden.vectorized = vectorizedKernels
        bInput.values.withUnsafeBufferPointer { broadcastRows($0.baseAddress!, into: projected.pointer, rows: rows, columns: G) }
        inputValues.withUnsafeBufferPointer { x in
        wInput.values.withUnsafeBufferPointer { w in
            if bfloat16 {
                activations.bfloat16Products.multiply(readOnly(x.baseAddress!), readOnly(w.baseAddress!), transposeB: true, into: float(projected.pointer),
                                                      m: rows, n: G, k: inputSize, accumulate: true)
            } else {
                product(x.baseAddress!, w.baseAddress!, transposeB: true, into: projected.pointer, m: rows, n: G, k: inputSize, accumulate: true)
            }
        }}

        let packed = activations.packedHidden
        maskValues.withUnsafeBufferPointer { maskBuffer in
        wHidden.values.withUnsafeBufferPointer { wh in
        bHidden.values.withUnsafeBufferPointer { bh in
        hidden.withUnsafeMutableBufferPointer { h in
        cellState.withUnsafeMutableBufferPointer { cs in
        recurrent.withUnsafeMutableBufferPointer { rp in
            let mask = maskBuffer.baseAddress!
            let strips = !bfloat16 && stripProducts(batch: batch)
            if strips { packed.pack(readOnly(wh.baseAddress!), rows: G, columns: H, transposed: false) }
            if bfloat16 { activations.bfloat16Hidden.pack(readOnly(wh.baseAddress!), transposeB: true, k: H, n: G) }
            for step in 0..<steps {
                let t = reversed ? steps - 1 - step : step
                let first = t * batch
                broadcastRows(bh.baseAddress!, into: rp.baseAddress!, rows: batch, columns: G)
                if bfloat16 {
                    activations.bfloat16Hidden.multiply(readOnly(h.baseAddress!), into: float(rp.baseAddress!), m: batch, accumulate: true)
                } else if strips {
                    packed.multiplyAdd(float(h.baseAddress!), batch: batch, into: float(rp.baseAddress!), vectorized: vectorizedKernels)
                } else {
                    product(h.baseAddress!, wh.baseAddress!, transposeB: true, into: rp.baseAddress!, m: batch, n: G, k: H, accumulate: true)
                }
                (previousHidden.pointer + first * H).update(from: h.baseAddress!, count: batch * H)
                if cell == .lstm { (previousCell.pointer + first * H).update(from: cs.baseAddress!, count: batch * H) }
                for b in 0..<batch where cellKernels {
                    let row = first + b
                    LSTMTrainingKernels.forward(
                        float(projected.pointer + row * G), float(rp.baseAddress! + b * G), mask: Float(mask[row]),
                        hidden: float(h.baseAddress! + b * H), cell: float(cs.baseAddress! + b * H),
                        gates: float(gates.pointer + row * G), cellBeforeMask: float(cellStates.pointer + row * H),
                        size: H, vectorized: vectorizedKernels)
                }
                for b in 0..<batch where !cellKernels {
                    let row = first + b, m = mask[row]
                    let x = projected.pointer + row * G, r = rp.baseAddress! + b * G, a = gates.pointer + row * G
                    let hb = h.baseAddress! + b * H, cb = cs.baseAddress! + b * H
                    switch cell {
                    case .lstm:
                        let cNew = cellStates.pointer + row * H
                        for j in 0..<H {
                            let i = Scalar.sigmoid(x[j] + r[j]), f = Scalar.sigmoid(x[H + j] + r[H + j])
                            let g = Scalar.hyperbolicTangent(x[2 * H + j] + r[2 * H + j]), o = Scalar.sigmoid(x[3 * H + j] + r[3 * H + j])
                            a[j] = i; a[H + j] = f; a[2 * H + j] = g; a[3 * H + j] = o
                            let c = f * cb[j] + i * g
                            cNew[j] = c
                            cb[j] = c * m
                            hb[j] = o * Scalar.hyperbolicTangent(c) * m
                        }
                    case .gru:
                        let hn = cellStates.pointer + row * H
                        for j in 0..<H {
                            let rg = Scalar.sigmoid(x[j] + r[j]), z = Scalar.sigmoid(x[H + j] + r[H + j])
                            let n = Scalar.hyperbolicTangent(x[2 * H + j] + rg * r[2 * H + j])
                            a[j] = rg; a[H + j] = z; a[2 * H + j] = n
                            hn[j] = r[2 * H + j]
                            hb[j] = ((1 - z) * n + z * hb[j]) * m
                        }
                    case .rnn:
                        for j in 0..<H {
                            let value = Scalar.hyperbolicTangent(x[j] + r[j])
                            a[j] = value
                            hb[j] = value * m
                        }
                    }
                }
                if stride == H {
                    (out + first * H).update(from: h.baseAddress!, count: batch * H)
                } else {
                    for b in 0..<batch { (out + (first + b) * stride).update(from: h.baseAddress! + b * H, count: H) }
                }
            }
        }}}}}}
        return RecurrentState(hidden: hidden, cell: cellState)
    }

    /// Back-propagates `outputGradient` `[T·B, H]` through the last forward pass: adds to the
    /// parameters' gradients and returns ∂loss/∂input `[T·B, I]`.
    public func backward(_ outputGradient: [Scalar]) -> [Scalar] {
        let rows = saved.steps * saved.batch
        precondition(outputGradient.count == rows * hiddenSize, "RecurrentLayer.backward: gradient has the wrong size")
        guard rows > 0 else { return [] }
        return filledArray(count: rows * inputSize) { inputGradient in
            outputGradient.withUnsafeBufferPointer { backward($0.baseAddress!, stride: hiddenSize, inputGradient: inputGradient, accumulate: false) }
        }
    }

    /// Back-propagates ∂loss/∂output, row r (H values) at `dOut + r·stride`, through the last
    /// forward pass: adds to the parameters' gradients and writes ∂loss/∂input `[T·B, I]` to
    /// `inputGradient` (added to what is there when `accumulate`), or skips that product when it is `nil`
    /// (a network's first layer, whose input is the features).
    func backward(_ dOut: UnsafePointer<Scalar>, stride: Int, inputGradient: UnsafeMutablePointer<Scalar>?, accumulate: Bool) {
        let steps = saved.steps, batch = saved.batch
        let gates = saved.gates
        let previousHidden = saved.previousHidden, cellStates = saved.cellStates, previousCell = saved.previousCell
        let H = hiddenSize, G = cell.gateCount * H, rows = steps * batch
        guard rows > 0 else { return }
        let gateGradient = saved.scratch.gateGradient          // ∂/∂(input projection) [T·B, G]
        gateGradient.resize(count: rows * G)                   // every step writes all of its rows
        // ∂/∂(hidden projection) [T·B, G]: the same as gateGradient except for GRU's n block.
        let hiddenGateGradient = saved.scratch.hiddenGateGradient
        hiddenGateGradient.resize(count: cell == .gru ? rows * G : 0)
        let hiddenSource = cell == .gru ? hiddenGateGradient : gateGradient
        var hiddenNext = [Scalar](repeating: 0, count: batch * H)   // ∂/∂h' for the step that ran before [B, H]
        var cellNext = [Scalar](repeating: 0, count: batch * H)     // ∂/∂c' [B, H]

        let packed = saved.packedHidden
        let bfloat16 = matrixPrecision == .bfloat16
        saved.mask.withUnsafeBufferPointer { maskBuffer in
        wHidden.values.withUnsafeBufferPointer { wh in
        hiddenNext.withUnsafeMutableBufferPointer { dhNext in
        cellNext.withUnsafeMutableBufferPointer { dcNext in
            let mask = maskBuffer.baseAddress!
            // wHiddenᵀ [H, G], for ∂/∂h' = ∂(hidden projection) · wHidden.
            let strips = !bfloat16 && stripProducts(batch: batch)
            if strips { packed.pack(readOnly(wh.baseAddress!), rows: H, columns: G, transposed: true) }
            if bfloat16 { saved.bfloat16Hidden.pack(readOnly(wh.baseAddress!), transposeB: false, k: G, n: H) }
            for step in Swift.stride(from: steps - 1, through: 0, by: -1) {
                let t = reversed ? steps - 1 - step : step
                let first = t * batch
                for b in 0..<batch where cellKernels {
                    let row = first + b
                    LSTMTrainingKernels.backward(
                        gates: float(gates.pointer + row * G), cell: float(cellStates.pointer + row * H),
                        previousCell: float(previousCell.pointer + row * H), outputGradient: readOnly(dOut + row * stride),
                        hiddenGradient: float(dhNext.baseAddress! + b * H), cellGradient: float(dcNext.baseAddress! + b * H),
                        mask: Float(mask[row]), gateGradient: float(gateGradient.pointer + row * G),
                        size: H, vectorized: vectorizedKernels)
                }
                for b in 0..<batch where !cellKernels {
                    let row = first + b, m = mask[row]
                    let a = gates.pointer + row * G, d = gateGradient.pointer + row * G
                    let dy = dOut + row * stride, dhn = dhNext.baseAddress! + b * H, dcn = dcNext.baseAddress! + b * H
                    switch cell {
                    case .lstm:
                        let cells = cellStates.pointer + row * H, cPrevious = previousCell.pointer + row * H
                        for j in 0..<H {
                            // The output and the next step both read the masked state.
                            let dh = (dy[j] + dhn[j]) * m
                            let i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j]
                            let tc = Scalar.hyperbolicTangent(cells[j])
                            let dc = dcn[j] * m + dh * o * (1 - tc * tc)
                            d[j] = dc * g * i * (1 - i)
                            d[H + j] = dc * cPrevious[j] * f * (1 - f)
                            d[2 * H + j] = dc * i * (1 - g * g)
                            d[3 * H + j] = dh * tc * o * (1 - o)
                            dcn[j] = dc * f
                        }
                    case .gru:
                        let hn = cellStates.pointer + row * H, hPrevious = previousHidden.pointer + row * H
                        let dr2 = hiddenGateGradient.pointer + row * G
                        for j in 0..<H {
                            let dh = (dy[j] + dhn[j]) * m
                            let r = a[j], z = a[H + j], n = a[2 * H + j]
                            let dn = dh * (1 - z) * (1 - n * n)
                            let dr = dn * hn[j] * r * (1 - r)
                            let dz = dh * (hPrevious[j] - n) * z * (1 - z)
                            d[j] = dr; d[H + j] = dz; d[2 * H + j] = dn
                            dr2[j] = dr; dr2[H + j] = dz; dr2[2 * H + j] = dn * r
                            dcn[j] = dh * z      // the direct path h' → h, added below
                        }
                    case .rnn:
                        for j in 0..<H {
                            let dh = (dy[j] + dhn[j]) * m
                            d[j] = dh * (1 - a[j] * a[j])
                        }
                    }
                }
                // ∂/∂h' = ∂(hidden projection) · wHidden [B, G]·[G, H] (+ GRU's direct path).
                if bfloat16 {
                    saved.bfloat16Hidden.multiply(readOnly(hiddenSource.pointer + first * G), into: float(dhNext.baseAddress!), m: batch, accumulate: false)
                } else if strips {
                    dhNext.update(repeating: 0)
                    packed.multiplyAdd(float(hiddenSource.pointer + first * G), batch: batch, into: float(dhNext.baseAddress!), vectorized: vectorizedKernels)
                } else {
                    product(hiddenSource.pointer + first * G, wh.baseAddress!, transposeB: false, into: dhNext.baseAddress!, m: batch, n: H, k: G)
                }
                if cell == .gru {
                    for index in 0..<batch * H { dhNext[index] += dcNext[index] }
                }
            }
        }}}}

        // Whole-sequence parameter gradients, one product each.
        let products = saved.bfloat16Products
        saved.input.withUnsafeBufferPointer { input in
        wInput.gradient.withUnsafeMutableBufferPointer { dw in
            if bfloat16 {
                products.multiply(readOnly(gateGradient.pointer), transposeA: true, readOnly(input.baseAddress!), transposeB: false,
                                  into: float(dw.baseAddress!), m: G, n: inputSize, k: rows, accumulate: true)
            } else {
                transposedProduct(gateGradient.pointer, input.baseAddress!, into: dw.baseAddress!, m: G, n: inputSize, k: rows)
            }
        }}
        wHidden.gradient.withUnsafeMutableBufferPointer { dw in
            if bfloat16 {
                products.multiply(readOnly(hiddenSource.pointer), transposeA: true, readOnly(previousHidden.pointer), transposeB: false,
                                  into: float(dw.baseAddress!), m: G, n: H, k: rows, accumulate: true)
            } else {
                transposedProduct(hiddenSource.pointer, previousHidden.pointer, into: dw.baseAddress!, m: G, n: H, k: rows)
            }
        }
        bInput.gradient.withUnsafeMutableBufferPointer { accumulateColumnSums(gateGradient.pointer, rows: rows, columns: G, into: $0.baseAddress!) }
        bHidden.gradient.withUnsafeMutableBufferPointer { accumulateColumnSums(hiddenSource.pointer, rows: rows, columns: G, into: $0.baseAddress!) }
        // ∂/∂input = ∂(input projection) · wInput [T·B, G]·[G, I].
        if let inputGradient {
            wInput.values.withUnsafeBufferPointer { w in
                if bfloat16 {
                    products.multiply(readOnly(gateGradient.pointer), readOnly(w.baseAddress!), transposeB: false, into: float(inputGradient),
                                      m: rows, n: inputSize, k: G, accumulate: accumulate)
                } else {
                    product(gateGradient.pointer, w.baseAddress!, transposeB: false, into: inputGradient, m: rows, n: inputSize, k: G, accumulate: accumulate)
                }
            }
        }
    }

    /// The same memory seen as Float (only where `cellKernels` or `stripProducts` holds: Scalar is Float).
    private func readOnly(_ pointer: UnsafePointer<Scalar>) -> UnsafePointer<Float> {
        UnsafeRawPointer(pointer).assumingMemoryBound(to: Float.self)
    }
    private func float(_ pointer: UnsafeMutablePointer<Scalar>) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: Float.self)
    }
}
