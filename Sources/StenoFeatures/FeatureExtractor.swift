/// Whole-signal feature extraction, through ``OnlineFeatureExtractor`` (one implementation for both).
public struct FeatureExtractor: Sendable {
    /// The options features are computed with.
    public var options: FeatureOptions

    /// Creates an extractor; the options are checked when computing.
    public init(options: FeatureOptions) {
        self.options = options
    }

    /// The features of a whole signal (mono, in [-1, 1], at `options.frame.sampleRate`),
    /// `[frames, options.dimension]`.
    /// - Throws: ``FeatureError`` naming the first invalid option.
    public func compute(_ samples: [Float]) throws(FeatureError) -> FeatureMatrix {
        let extractor = try OnlineFeatureExtractor(options: options)
        var frames = extractor.accept(samples)
        frames.append(extractor.finish())
        return frames
    }
}
