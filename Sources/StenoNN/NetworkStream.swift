/// An ``InferenceNetwork`` run incrementally over a stream of frames: the computation of one pass
/// over the whole utterance, done as frames arrive, with state carried between calls.
///
/// Each layer projects new frames at once and runs its forward direction over them (carrying its
/// state); its backward direction runs chunk by chunk, as soon as a chunk's C frames and its R
/// lookahead frames of that layer's input exist. Memory stays bounded: only frames not yet emitted
/// are kept. With whole-utterance layers (`chunk == nil`) nothing leaves a layer before ``finish()``.
///
/// One instance per stream; an instance is not thread-safe, but many may share one network.
public final class NetworkStream {
    public let network: InferenceNetwork
    private var stackBuffer: [Float] = []   // input frames not yet stacked, [< k, F]
    private var layers: [LayerStream]
    /// Output frames emitted so far.
    public private(set) var framesEmitted = 0

    /// A stream over `network`.
    public init(network: InferenceNetwork) {
        self.network = network
        layers = network.layers.map(LayerStream.init)
    }

    /// Input frames buffered anywhere in the stack (for memory checks).
    public var bufferedFrames: Int {
        stackBuffer.count / network.configuration.inputSize + layers.reduce(0) { $0 + $1.available }
    }

    /// Feeds feature frames `[n, inputSize]` (normalized as the model expects); returns the logits
    /// `[m, classes]` of every output frame that became final.
    public func accept(_ frames: [Float]) -> [Float] {
        let width = network.configuration.inputSize * network.configuration.stacking
        precondition(frames.count % network.configuration.inputSize == 0,
                     "NetworkStream: frames must hold a multiple of \(network.configuration.inputSize) values")
        stackBuffer += frames
        let complete = stackBuffer.count / width * width
        let stacked = Array(stackBuffer[0..<complete])
        stackBuffer.removeFirst(complete)
        return run(stacked, finished: false)
    }

    /// Ends the stream: the last partial stack is zero-padded (as offline), every pending chunk is
    /// run, and the remaining logits are returned. The stream is then reset for a new utterance.
    public func finish() -> [Float] {
        let width = network.configuration.inputSize * network.configuration.stacking
        let last = stackBuffer.isEmpty ? [] : stackBuffer + [Float](repeating: 0, count: width - stackBuffer.count)
        let logits = run(last, finished: true)
        stackBuffer = []
        layers = network.layers.map(LayerStream.init)
        framesEmitted = 0
        return logits
    }

    private func run(_ stacked: [Float], finished: Bool) -> [Float] {
        var x = stacked
        for layer in layers { x = layer.accept(x, finished: finished) }
        let rows = x.count / (2 * network.configuration.hiddenSize)
        framesEmitted += rows
        return network.output(x, rows: rows)
    }

    /// One layer's streaming state.
    private final class LayerStream {
        let layer: InferenceLayer
        var forwardState: DirectionState
        var forwardOutputs: [Float] = []        // forward-direction outputs not yet emitted [n, H]
        var backwardProjections: [Float] = []   // backward-direction input projections from the first unemitted frame [n, G]
        var available = 0                       // frames in both

        init(_ layer: InferenceLayer) {
            self.layer = layer
            forwardState = DirectionState(size: layer.size)
        }

        /// Takes new input frames `[n, I]`; returns the output frames `[m, 2H]` that are now final.
        func accept(_ input: [Float], finished: Bool) -> [Float] {
            let H = layer.size, G = layer.backward.gates, width = layer.projectedWidth
            let newFrames = input.count / layer.inputSize
            if newFrames > 0 {
                let projected = layer.project(input, frames: newFrames)
                var outputs = [Float](repeating: 0, count: newFrames * H)
                projected.withUnsafeBufferPointer { p in
                    outputs.withUnsafeMutableBufferPointer { out in
                        layer.forward.run(0..<newFrames, projected: p.baseAddress!, projectedStride: width, state: &forwardState,
                                          output: out.baseAddress!, outputStride: H)
                    }
                }
                forwardOutputs += outputs
                for t in 0..<newFrames { backwardProjections += projected[t * width + G..<(t + 1) * width] }
                available += newFrames
            }
            // The chunks whose windows are complete (all that remain, at the end) run now, side by side.
            let emit: Int
            var backwardOutputs: [Float]
            if let chunk = layer.chunk {
                let starts = Array(stride(from: 0, to: available, by: chunk)).filter { finished || $0 + chunk + layer.lookahead <= available }
                emit = starts.last.map { min(available, $0 + chunk) } ?? 0
                backwardOutputs = [Float](repeating: 0, count: emit * H)
                backwardProjections.withUnsafeBufferPointer { p in
                    backwardOutputs.withUnsafeMutableBufferPointer { out in
                        layer.runChunks(starts: starts, chunk: chunk, frames: available, projected: p.baseAddress!, projectedStride: G,
                                        output: out.baseAddress!, outputStride: H)
                    }
                }
            } else {
                emit = finished ? available : 0
                backwardOutputs = [Float](repeating: 0, count: emit * H)
                var state = DirectionState(size: H)
                backwardProjections.withUnsafeBufferPointer { p in
                    backwardOutputs.withUnsafeMutableBufferPointer { out in
                        layer.backward.run((0..<emit).reversed(), projected: p.baseAddress!, projectedStride: G, state: &state,
                                           output: out.baseAddress!, outputStride: H)
                    }
                }
            }
            var output = [Float](repeating: 0, count: emit * 2 * H)
            for t in 0..<emit {
                output.replaceSubrange(t * 2 * H..<t * 2 * H + H, with: forwardOutputs[t * H..<(t + 1) * H])
                output.replaceSubrange(t * 2 * H + H..<(t + 1) * 2 * H, with: backwardOutputs[t * H..<(t + 1) * H])
            }
            forwardOutputs.removeFirst(emit * H)
            backwardProjections.removeFirst(emit * G)
            available -= emit
            return output
        }
    }
}
