/// An ``AcousticNetwork`` run incrementally over a stream of frames: the same computation as one
/// forward pass over the whole utterance, done as frames arrive, with state carried between calls.
///
/// Each bidirectional layer runs its forward direction on new frames at once (carrying its state)
/// and its backward direction chunk by chunk, as soon as a chunk's C frames and its R lookahead frames
/// of that layer's input exist. Memory stays bounded: only frames not yet consumed are kept.
/// With whole-utterance layers (`chunk == nil`) nothing leaves a layer before ``finish()``.
///
/// Inference only, reading the network's weights: many streams (on many threads) may share one
/// network. One instance per stream; an instance itself is not thread-safe.
public final class StreamingNetwork<Scalar: NetworkScalar> {
    public let network: AcousticNetwork<Scalar>
    private var stackBuffer: [Scalar] = []     // input frames not yet stacked, [< k, F]
    private var layers: [LayerStream]
    /// Output frames emitted so far.
    public private(set) var framesEmitted = 0

    /// A stream over `network`'s weights.
    public init(network: AcousticNetwork<Scalar>) {
        self.network = network
        layers = network.recurrentLayers.map { LayerStream(layer: $0) }
    }

    /// Input frames buffered anywhere in the stack (for memory checks).
    public var bufferedFrames: Int {
        stackBuffer.count / network.configuration.inputSize + layers.reduce(0) { $0 + $1.buffered }
    }

    /// Feeds feature frames `[n, inputSize]` (normalized as the model expects); returns the logits
    /// `[m, classes]` of every output frame that became final.
    @_specialize(exported: true, where Scalar == Float)
    public func accept(_ frames: [Scalar]) -> [Scalar] {
        let width = network.configuration.inputSize, k = network.configuration.stacking
        precondition(frames.count % width == 0, "StreamingNetwork: frames must hold a multiple of \(width) values")
        stackBuffer += frames
        let complete = stackBuffer.count / (width * k)
        let stacked = Array(stackBuffer[0..<complete * width * k])
        stackBuffer.removeFirst(complete * width * k)
        return run(stacked, finished: false)
    }

    /// Ends the stream: the last partial stack is zero-padded (as offline), every pending chunk is
    /// run, and the remaining logits are returned. The stream is then reset for a new utterance.
    @_specialize(exported: true, where Scalar == Float)
    public func finish() -> [Scalar] {
        let width = network.configuration.inputSize, k = network.configuration.stacking
        var last: [Scalar] = []
        if !stackBuffer.isEmpty {
            last = stackBuffer + [Scalar](repeating: 0, count: width * k - stackBuffer.count)
        }
        let logits = run(last, finished: true)
        stackBuffer = []
        layers = network.recurrentLayers.map { LayerStream(layer: $0) }
        framesEmitted = 0
        return logits
    }

    private func run(_ stacked: [Scalar], finished: Bool) -> [Scalar] {
        var x = stacked
        for layer in layers { x = layer.accept(x, finished: finished) }
        let rows = x.count / network.recurrentLayers.last!.outputSize
        framesEmitted += rows
        return rows > 0 ? network.output.infer(x, rows: rows) : []
    }

    /// One bidirectional layer's streaming state.
    private final class LayerStream {
        let layer: BidirectionalLayer<Scalar>
        var forwardState: RecurrentState<Scalar>?
        var forwardOutputs: [Scalar] = []   // forward-direction outputs not yet emitted [n, H]
        var inputs: [Scalar] = []           // layer inputs from the first unemitted frame on [n, I]
        var available = 0                   // frames in `inputs`

        init(layer: BidirectionalLayer<Scalar>) { self.layer = layer }

        var buffered: Int { available }

        /// Takes new input frames `[n, I]`; returns the output frames `[m, 2H]` that are now final.
        func accept(_ input: [Scalar], finished: Bool) -> [Scalar] {
            let inputSize = layer.forwardDirection.inputSize, H = layer.forwardDirection.hiddenSize
            let newFrames = input.count / inputSize
            if newFrames > 0 {
                let ones = [Scalar](repeating: 1, count: newFrames)
                let (output, state) = layer.forwardDirection.infer(input, mask: ones, steps: newFrames, batch: 1, initial: forwardState)
                forwardOutputs += output
                forwardState = state
                inputs += input
                available += newFrames
            }
            var output: [Scalar] = []
            let chunk = layer.chunk ?? Int.max
            while available > 0 {
                let ready = chunk <= available - layer.lookahead
                guard ready || finished else { break }
                let emit = min(chunk, available), window = min(available, chunk == Int.max ? available : chunk + layer.lookahead)
                let ones = [Scalar](repeating: 1, count: window)
                let backward = layer.backwardDirection.infer(Array(inputs[0..<window * inputSize]), mask: ones, steps: window, batch: 1).output
                for t in 0..<emit {
                    output += forwardOutputs[t * H..<(t + 1) * H]
                    output += backward[t * H..<(t + 1) * H]
                }
                forwardOutputs.removeFirst(emit * H)
                inputs.removeFirst(emit * inputSize)
                available -= emit
            }
            return output
        }
    }
}
