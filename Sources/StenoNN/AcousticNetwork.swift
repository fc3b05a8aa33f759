/// The shape of an acoustic network: frame stacking, stacked bidirectional recurrent layers,
/// a linear output over the CTC classes. Stored in model files.
public struct NetworkConfiguration: Codable, Sendable, Equatable {
    /// Features per input frame (e.g. 80 log-mel bins).
    public var inputSize: Int
    /// Input frames stacked into one and the frame rate divided by this (1 = none).
    public var stacking: Int
    /// The recurrent cell.
    public var cell: RecurrentCellKind
    /// Bidirectional recurrent layers.
    public var layers: Int
    /// Units per direction.
    public var hiddenSize: Int
    /// Latency control: frames (after stacking) per backward-direction chunk; `nil` for whole utterances.
    public var chunk: Int?
    /// Latency control: frames (after stacking) of lookahead after each chunk.
    public var lookahead: Int
    /// Dropout probability after each recurrent layer, in training only.
    public var dropout: Double
    /// Output classes, the CTC blank (index 0) included.
    public var classes: Int

    /// A configuration; the defaults give a 3 × 256 BiLSTM over 3-frame stacks (30 ms) whose backward
    /// directions see chunks of 2 stacked frames plus 1 of lookahead.
    ///
    /// Latency: a layer's chunk waits for the next layer down to finish the chunk holding its lookahead,
    /// so L layers wait L·chunk + lookahead stacked frames: 7 × 30 ms = 210 ms here (220 ms measured
    /// with the 25 ms feature window), within the streaming target of 300 ms.
    public init(inputSize: Int, classes: Int, stacking: Int = 3, cell: RecurrentCellKind = .lstm, layers: Int = 3, hiddenSize: Int = 256,
                chunk: Int? = 2, lookahead: Int = 1, dropout: Double = 0.1) {
        self.inputSize = inputSize
        self.classes = classes
        self.stacking = stacking
        self.cell = cell
        self.layers = layers
        self.hiddenSize = hiddenSize
        self.chunk = chunk
        self.lookahead = lookahead
        self.dropout = dropout
    }

    /// What is wrong with the configuration, if anything.
    public var problem: String? {
        if inputSize < 1 { return "input size must be at least 1" }
        if classes < 2 { return "need at least 2 classes (blank and one label)" }
        if stacking < 1 { return "stacking must be at least 1" }
        if layers < 1 { return "need at least 1 recurrent layer" }
        if hiddenSize < 1 { return "hidden size must be at least 1" }
        if let chunk, chunk < 1 { return "chunk must be at least 1 frame" }
        if lookahead < 0 { return "lookahead must not be negative" }
        if !(0..<1).contains(dropout) { return "dropout must be in [0, 1)" }
        return nil
    }

    /// Multiply-adds ×2 per output frame of one forward pass (with latency control's extra backward-direction work).
    public var flopsPerFrame: Double {
        let gates = Double(cell.gateCount * hiddenSize), h = Double(hiddenSize)
        let backwardShare = chunk.map { Double($0 + lookahead) / Double($0) } ?? 1
        var total = 0.0
        for layer in 0..<layers {
            let input = Double(layer == 0 ? inputSize * stacking : 2 * hiddenSize)
            total += 2 * gates * (input + h) * (1 + backwardShare)
        }
        return total + 2 * Double(2 * hiddenSize * classes)
    }
}

/// A batch of feature sequences, time-major: `values` `[T·B, F]` with frame t of sequence b at
/// row t·B + b, zero past each sequence's length.
public struct SequenceBatch<Scalar: NetworkScalar>: Sendable {
    public var values: [Scalar]
    /// Frames per sequence, each ≤ `steps`.
    public var lengths: [Int]
    /// T: frames in the longest sequence.
    public var steps: Int
    /// F: values per frame.
    public var width: Int
    public var batch: Int { lengths.count }

    public init(values: [Scalar], lengths: [Int], steps: Int, width: Int) {
        precondition(values.count == steps * lengths.count * width && lengths.allSatisfy { $0 <= steps }, "SequenceBatch: inconsistent shape")
        self.values = values
        self.lengths = lengths
        self.steps = steps
        self.width = width
    }

    /// Packs sequences `[frames_b, width]` (row-major each) into one time-major batch.
    @_specialize(exported: true, where Scalar == Float)
    public init(sequences: [[Scalar]], width: Int) {
        let lengths = sequences.map { $0.count / width }
        let steps = lengths.max() ?? 0, batch = sequences.count
        var values = [Scalar](repeating: 0, count: steps * batch * width)
        for (b, sequence) in sequences.enumerated() {
            for t in 0..<lengths[b] {
                values.replaceSubrange((t * batch + b) * width..<(t * batch + b + 1) * width, with: sequence[t * width..<(t + 1) * width])
            }
        }
        self.init(values: values, lengths: lengths, steps: steps, width: width)
    }

    /// 1 inside each sequence, 0 past its end: `[T·B]`.
    public var mask: [Scalar] {
        (0..<steps * batch).map { lengths[$0 % batch] > $0 / batch ? 1 : 0 }
    }

    /// Stacks `factor` consecutive frames into one: `[⌈T/k⌉·B, k·F]`, zero-padded at the end.
    @_specialize(exported: true, where Scalar == Float)
    public func stacked(_ factor: Int) -> SequenceBatch {
        guard factor > 1 else { return self }
        let outSteps = (steps + factor - 1) / factor, outWidth = width * factor
        var out = [Scalar](repeating: 0, count: outSteps * batch * outWidth)
        for t in 0..<steps {
            for b in 0..<batch {
                let target = ((t / factor) * batch + b) * outWidth + (t % factor) * width
                out.replaceSubrange(target..<target + width, with: values[(t * batch + b) * width..<(t * batch + b + 1) * width])
            }
        }
        return SequenceBatch(values: out, lengths: lengths.map { ($0 + factor - 1) / factor }, steps: outSteps, width: outWidth)
    }
}

/// The acoustic model: frame stacking → bidirectional recurrent layers (dropout between) → linear
/// logits over the CTC classes. Training and inference run this one definition.
public final class AcousticNetwork<Scalar: NetworkScalar> {
    public let configuration: NetworkConfiguration
    public let recurrentLayers: [BidirectionalLayer<Scalar>]
    public let output: Linear<Scalar>
    /// Draws dropout masks; part of a training checkpoint's state.
    public var dropoutRandom: SplitMix64
    private var dropoutMasks: [[Scalar]] = []
    private var tappedLayer: Int?

    /// A network with freshly initialised weights drawn from `seed`.
    public init(_ configuration: NetworkConfiguration, seed: UInt64) {
        precondition(configuration.problem == nil, "NetworkConfiguration: \(configuration.problem ?? "")")
        self.configuration = configuration
        var random = SplitMix64(seed: seed)
        var layers: [BidirectionalLayer<Scalar>] = []
        var inputSize = configuration.inputSize * configuration.stacking
        for index in 0..<configuration.layers {
            let layer = BidirectionalLayer<Scalar>(
                cell: configuration.cell, inputSize: inputSize, hiddenSize: configuration.hiddenSize,
                chunk: configuration.chunk, lookahead: configuration.lookahead, name: "layer\(index + 1)", random: &random)
            layers.append(layer)
            inputSize = layer.outputSize
        }
        recurrentLayers = layers
        // The layers train one after another: one scratch serves them all.
        let scratch = RecurrentScratch<Scalar>()
        for layer in layers { layer.forwardDirection.share(scratch); layer.backwardDirection.share(scratch) }
        output = Linear(inputSize: inputSize, outputSize: configuration.classes, name: "output", random: &random)
        dropoutRandom = SplitMix64(seed: seed ^ 0x5DEE_CE66_D1CE_5EED)
    }

    /// Every parameter, in a fixed order.
    public var parameters: [Parameter<Scalar>] { recurrentLayers.flatMap(\.parameters) + output.parameters }

    /// How training passes compute the recurrent layers' matrix products (``MatrixPrecision``; the
    /// output layer's, a few columns wide, stay float32); inference always runs float32.
    public var matrixPrecision: MatrixPrecision {
        get { recurrentLayers.first?.matrixPrecision ?? .float32 }
        set { for layer in recurrentLayers { layer.matrixPrecision = newValue } }
    }

    /// Training: logits `[T'·B, classes]` for `batch` (features `[T·B, inputSize]`), with T' = ⌈T / stacking⌉
    /// frames, and each sequence's output length; keeps what ``backward(_:tapGradient:)`` needs, so it
    /// must not run on two threads at once. `training` turns dropout on. `tap` (1-based) also returns
    /// that recurrent layer's output `[T'·B, 2·hiddenSize]` (after its dropout), for an auxiliary loss.
    @_specialize(exported: true, where Scalar == Float)
    public func forward(_ batch: SequenceBatch<Scalar>, training: Bool, tap: Int? = nil) -> (logits: [Scalar], steps: Int, lengths: [Int], tapped: [Scalar]) {
        precondition(batch.width == configuration.inputSize, "AcousticNetwork: frames have \(batch.width) features, the network expects \(configuration.inputSize)")
        precondition(tap.map { (1...configuration.layers).contains($0) } ?? true, "AcousticNetwork: no layer \(tap ?? 0) to tap")
        let stacked = batch.stacked(configuration.stacking)
        let mask = stacked.mask
        let rows = stacked.steps * stacked.batch
        dropoutMasks = []
        tappedLayer = tap
        var x = stacked.values, tapped: [Scalar] = []
        for (index, layer) in recurrentLayers.enumerated() {
            x = layer.forward(x, mask: mask, steps: stacked.steps, batch: stacked.batch)
            if training && configuration.dropout > 0 {
                let keep = 1 - configuration.dropout, scale = Scalar(1 / keep)
                let dropout = x.withUnsafeMutableBufferPointer { values in
                    [Scalar](unsafeUninitializedCapacity: values.count) { mask, count in
                        for index in 0..<values.count {
                            let factor = dropoutRandom.uniform() < keep ? scale : 0
                            mask.initializeElement(at: index, to: factor)
                            values[index] *= factor
                        }
                        count = values.count
                    }
                }
                dropoutMasks.append(dropout)
            }
            if index + 1 == tap { tapped = x }
        }
        return (output.forward(x, rows: rows), stacked.steps, stacked.lengths, tapped)
    }

    /// Inference: logits `[T'·B, classes]` for `batch` and each sequence's output length, reading the
    /// weights only, so any number of threads may run it on one network at once.
    @_specialize(exported: true, where Scalar == Float)
    public func infer(_ batch: SequenceBatch<Scalar>) -> (logits: [Scalar], steps: Int, lengths: [Int]) {
        precondition(batch.width == configuration.inputSize, "AcousticNetwork: frames have \(batch.width) features, the network expects \(configuration.inputSize)")
        let stacked = batch.stacked(configuration.stacking)
        let mask = stacked.mask
        var x = stacked.values
        for layer in recurrentLayers { x = layer.infer(x, mask: mask, steps: stacked.steps, batch: stacked.batch) }
        return (output.infer(x, rows: stacked.steps * stacked.batch), stacked.steps, stacked.lengths)
    }

    /// Back-propagates ∂loss/∂logits `[T'·B, classes]` from the last forward pass into every
    /// parameter's gradient (added to what is there). `tapGradient`, with the last forward pass's
    /// `tap`, is ∂loss/∂(the tapped layer's output) `[T'·B, 2·hiddenSize]` from an auxiliary loss.
    @_specialize(exported: true, where Scalar == Float)
    public func backward(_ logitGradient: [Scalar], tapGradient: [Scalar]? = nil) {
        precondition(tapGradient == nil || tappedLayer != nil, "AcousticNetwork.backward: a tap gradient but no layer tapped in the forward pass")
        var gradient = output.backward(logitGradient)
        for (index, layer) in recurrentLayers.enumerated().reversed() {
            if index + 1 == tappedLayer, let tapGradient {
                precondition(tapGradient.count == gradient.count, "AcousticNetwork.backward: tap gradient has the wrong size")
                for k in gradient.indices { gradient[k] += tapGradient[k] }
            }
            if index < dropoutMasks.count {
                let dropout = dropoutMasks[index]
                for k in gradient.indices { gradient[k] *= dropout[k] }
            }
            // The first layer's input is the features: no gradient to compute there.
            gradient = layer.backward(gradient, inputGradient: index > 0)
        }
    }

    /// Sets every gradient to zero.
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }
}
