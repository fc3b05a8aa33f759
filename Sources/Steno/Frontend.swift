/// Audio to feature frames in one pass: the audio is decoded block by block and fed to an
/// online extractor, so a long file's samples are never all in memory.
public struct Frontend: Sendable {
    /// What features to compute; `features.frame.sampleRate` is the rate audio is resampled to.
    public var features: FeatureOptions
    /// How audio at other rates is resampled.
    public var resampling: ResamplerQuality

    /// Creates a frontend.
    public init(features: FeatureOptions, resampling: ResamplerQuality = .medium) {
        self.features = features
        self.resampling = resampling
    }

    /// Computes the frames of `source`, `[frames, features.dimension]`.
    /// - Throws: ``AudioError`` for unreadable audio, ``FeatureError`` for invalid options.
    public func compute(_ source: AudioSource) throws -> FeatureMatrix {
        let extractor = try OnlineFeatureExtractor(options: features)
        let reader = try MonoAudioReader(source, sampleRate: Int(features.frame.sampleRate), quality: resampling)
        var frames = FeatureMatrix(dimension: features.dimension)
        // Room for the frames the header announces (an estimate for compressed files), up to an hour's.
        let seconds = min(reader.info.duration.isFinite ? max(reader.info.duration, 0) : 0, 3_600)
        frames.reserveCapacity(frames: Int(seconds * 1_000 / features.frame.frameShiftMs) + 1)
        while let block = try reader.nextBlock() {
            block.withUnsafeBufferPointer { extractor.accept($0, appendingTo: &frames) }
        }
        extractor.finish(appendingTo: &frames)
        return frames
    }
}
