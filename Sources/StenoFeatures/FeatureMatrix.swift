/// Feature frames: `frameCount` rows of `dimension` values, row-major `[frames, dimension]` in ``values``.
public struct FeatureMatrix: Sendable, Equatable {
    /// Values per frame.
    public let dimension: Int
    /// Number of frames (rows).
    public private(set) var frameCount: Int
    /// All values, frame after frame: value `d` of frame `t` is `values[t * dimension + d]`.
    public internal(set) var values: [Float]

    /// An empty matrix whose frames will have `dimension` values.
    public init(dimension: Int) {
        precondition(dimension >= 0, "FeatureMatrix: negative dimension \(dimension)")
        self.dimension = dimension
        self.frameCount = 0
        self.values = []
    }

    /// A matrix over `values`, row-major `[values.count / dimension, dimension]`.
    /// - Precondition: `dimension > 0` and `values.count` is a multiple of it.
    public init(dimension: Int, values: [Float]) {
        precondition(dimension > 0 && values.count % dimension == 0,
                     "FeatureMatrix: \(values.count) values do not make whole frames of \(dimension)")
        self.dimension = dimension
        self.frameCount = values.count / dimension
        self.values = values
    }

    /// The `dimension` values of frame `frame`, as a new array indexed from 0.
    /// (For bulk work, index ``values`` directly: `values[frame * dimension + d]`.)
    public subscript(frame: Int) -> [Float] {
        precondition(frame >= 0 && frame < frameCount, "FeatureMatrix: frame \(frame) out of 0..<\(frameCount)")
        return Array(values[frame * dimension ..< (frame + 1) * dimension])
    }

    /// Whether there are no frames.
    public var isEmpty: Bool { frameCount == 0 }

    /// Appends the frames of `other`, which must have the same dimension.
    public mutating func append(_ other: FeatureMatrix) {
        precondition(other.dimension == dimension || other.frameCount == 0,
                     "FeatureMatrix: appending frames of \(other.dimension) values to frames of \(dimension)")
        values.append(contentsOf: other.values)
        frameCount += other.frameCount
    }

    /// Appends one frame of `dimension` values.
    public mutating func append(frame: some Collection<Float>) {
        precondition(frame.count == dimension, "FeatureMatrix: a frame of \(frame.count) values, expected \(dimension)")
        values.append(contentsOf: frame)
        frameCount += 1
    }

    /// Reserves room for `frames` more frames.
    public mutating func reserveCapacity(frames: Int) {
        values.reserveCapacity(values.count + frames * dimension)
    }
}
