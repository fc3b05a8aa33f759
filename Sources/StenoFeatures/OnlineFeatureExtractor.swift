/// Streaming feature extraction: samples go in, in chunks of any size, and the frames they complete
/// come out. The frames are bit for bit the same whatever the chunking, including a single chunk.
///
/// Keeps only the samples that frames still to come need (less than a frame after each call,
/// plus at most ``blockSize`` while a call runs), so memory does not grow with the stream.
/// One extractor per stream; not thread-safe. After ``finish()`` it is ready for a new stream.
public final class OnlineFeatureExtractor {
    /// The options the features are computed with (validated).
    public let options: FeatureOptions
    /// Values per frame, ``FeatureOptions/dimension``.
    public var dimension: Int { processor.dimension }
    /// Frames output so far in this stream.
    public private(set) var framesOutput = 0
    /// Samples accepted so far in this stream.
    public private(set) var samplesAccepted = 0

    /// Samples appended to the buffer at a time; bounds the buffer whatever the size of a chunk.
    static let blockSize = 4096

    private let processor: FrameProcessor
    private let geometry: FrameGeometry
    private let scale: Float
    /// Unscaled input samples, the first being sample number `bufferStart` of the stream.
    private var buffer: [Float] = []
    private var bufferStart = 0

    /// Creates an extractor after checking `options`.
    /// - Throws: ``FeatureError`` naming the first invalid option.
    public init(options: FeatureOptions) throws(FeatureError) {
        processor = try FrameProcessor(options: options)
        self.options = options
        geometry = FrameGeometry(options.frame)
        scale = options.frame.inputScale
        buffer.reserveCapacity(geometry.length + Self.blockSize)
    }

    /// Samples held for frames to come (for tests of the memory bound).
    package var bufferedSampleCount: Int { buffer.count }
    /// Capacity of the sample buffer, in samples (for tests of the memory bound).
    package var bufferCapacity: Int { buffer.capacity }

    /// Takes the next samples (mono, in [-1, 1], at `options.frame.sampleRate`) and returns the
    /// frames they complete, `[frames, dimension]`; possibly none.
    public func accept(_ samples: UnsafeBufferPointer<Float>) -> FeatureMatrix {
        var output = FeatureMatrix(dimension: dimension)
        accept(samples, appendingTo: &output)
        return output
    }

    /// Takes the next samples as ``accept(_:)-(UnsafeBufferPointer<Float>)`` does, and appends the
    /// frames they complete to `output` (whose dimension must be the extractor's): no copy of its own.
    public func accept(_ samples: UnsafeBufferPointer<Float>, appendingTo output: inout FeatureMatrix) {
        var start = 0
        while start < samples.count {
            let end = min(start + Self.blockSize, samples.count)
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: samples[start..<end]))
            samplesAccepted += end - start
            emitFrames(upTo: geometry.frameCount(samples: samplesAccepted, flush: false), into: &output)
            start = end
        }
    }

    /// Takes the next samples (any collection of them, e.g. `[Float]` or an `ArraySlice`) and returns
    /// the frames they complete, `[frames, dimension]`, as the buffer-pointer variant does.
    public func accept(_ samples: some Collection<Float>) -> FeatureMatrix {
        if let frames = samples.withContiguousStorageIfAvailable({ accept($0) }) { return frames }
        return Array(samples).withUnsafeBufferPointer { accept($0) }
    }

    /// Ends the stream and returns the frames not yet output, `[frames, dimension]`: none with
    /// `snipEdges`, otherwise the last frames, which reach past the end of the signal and see its
    /// samples reflected. Then resets the extractor (dither restarts from its seed) for a new stream.
    public func finish() -> FeatureMatrix {
        var output = FeatureMatrix(dimension: dimension)
        finish(appendingTo: &output)
        return output
    }

    /// Ends the stream as ``finish()`` does, appending the last frames to `output`.
    public func finish(appendingTo output: inout FeatureMatrix) {
        emitFrames(upTo: geometry.frameCount(samples: samplesAccepted, flush: true), into: &output)
        reset()
    }

    /// Forgets the current stream without output, ready for a new one.
    public func reset() {
        buffer.removeAll(keepingCapacity: true)
        bufferStart = 0
        samplesAccepted = 0
        framesOutput = 0
        processor.reset()
    }

    /// Computes frames `framesOutput..<end` into `output`, then drops samples no later frame needs.
    private func emitFrames(upTo end: Int, into output: inout FeatureMatrix) {
        guard end > framesOutput else { return }
        output.reserveCapacity(frames: end - framesOutput)
        for frame in framesOutput..<end {
            let first = geometry.firstSample(of: frame)
            processor.process { window in extract(from: first, into: window) }
            output.append(frame: processor.row)
        }
        framesOutput = end
        let drop = min(max(geometry.firstSample(of: end) - bufferStart, 0), buffer.count)
        if drop > 0 {
            buffer.removeFirst(drop)
            bufferStart += drop
        }
    }

    /// Copies the `window.count` samples from stream sample `first` on, scaled, reflecting indices
    /// outside the signal at its edges (Kaldi's `ExtractWindow`).
    private func extract(from first: Int, into window: UnsafeMutableBufferPointer<Float>) {
        let total = samplesAccepted, scale = scale, bufferStart = bufferStart
        buffer.withUnsafeBufferPointer { buffer in
            if first >= 0 && first + window.count <= total {
                let offset = first - bufferStart
                for s in window.indices { window[s] = scale * buffer[offset + s] }
                return
            }
            for s in window.indices {
                var i = first + s
                while i < 0 || i >= total {
                    i = i < 0 ? -i - 1 : 2 * total - 1 - i
                }
                assert(i >= bufferStart, "reflected sample \(i) already dropped (buffer starts at \(bufferStart))")
                window[s] = scale * buffer[i - bufferStart]
            }
        }
    }
}
