/// Per-dimension statistics of feature frames, for mean and variance normalization (Kaldi's CMVN stats):
/// the frame count, and the sum and sum of squares of each dimension, in double precision.
///
/// Accumulate over a corpus (or merge statistics made in parallel), then normalize with
/// ``FeatureMatrix/normalize(using:variance:floor:)``.
public struct NormalizationStatistics: Sendable, Codable, Equatable {
    /// Values per frame.
    public private(set) var dimension: Int
    /// Frames accumulated.
    public private(set) var count: Int
    /// Sum of each dimension over the frames, `dimension` values.
    public private(set) var sum: [Double]
    /// Sum of squares of each dimension over the frames, `dimension` values.
    public private(set) var sumOfSquares: [Double]

    /// Empty statistics for frames of `dimension` values.
    public init(dimension: Int) {
        self.dimension = dimension
        count = 0
        sum = [Double](repeating: 0, count: dimension)
        sumOfSquares = sum
    }

    /// Statistics of `frames`.
    public init(_ frames: FeatureMatrix) {
        self.init(dimension: frames.dimension)
        accumulate(frames)
    }

    /// Adds the frames of `frames`, which must have this dimension.
    public mutating func accumulate(_ frames: FeatureMatrix) {
        precondition(frames.dimension == dimension || frames.isEmpty,
                     "NormalizationStatistics: frames of \(frames.dimension) values, statistics of \(dimension)")
        for t in 0..<frames.frameCount {
            let base = t * dimension
            for d in 0..<dimension {
                let x = Double(frames.values[base + d])
                sum[d] += x
                sumOfSquares[d] += x * x
            }
        }
        count += frames.frameCount
    }

    /// Adds statistics gathered elsewhere (for example on another thread) with the same dimension.
    public mutating func merge(_ other: NormalizationStatistics) {
        precondition(other.dimension == dimension, "NormalizationStatistics: merging dimension \(other.dimension) into \(dimension)")
        for d in 0..<dimension {
            sum[d] += other.sum[d]
            sumOfSquares[d] += other.sumOfSquares[d]
        }
        count += other.count
    }

    /// Mean of each dimension; zeros when no frame has been accumulated.
    public var mean: [Double] {
        guard count > 0 else { return [Double](repeating: 0, count: dimension) }
        return sum.map { $0 / Double(count) }
    }

    /// Standard deviation of each dimension, at least `floor` (so constant dimensions are not
    /// divided by zero); ones when no frame has been accumulated. Default floor 1e-5.
    public func standardDeviation(floor: Double = 1e-5) -> [Double] {
        guard count > 0 else { return [Double](repeating: 1, count: dimension) }
        let n = Double(count)
        return (0..<dimension).map { d in
            let mean = sum[d] / n
            let variance = max(sumOfSquares[d] / n - mean * mean, 0)
            return max(variance.squareRoot(), floor)
        }
    }
}

extension FeatureMatrix {
    /// Subtracts `statistics.mean` from every frame and, if `variance`, divides by
    /// `statistics.standardDeviation(floor:)` (global normalization, for example from training data).
    public mutating func normalize(using statistics: NormalizationStatistics, variance: Bool = true, floor: Double = 1e-5) {
        precondition(statistics.dimension == dimension || isEmpty,
                     "normalize: statistics of dimension \(statistics.dimension), frames of \(dimension)")
        let scale = variance ? statistics.standardDeviation(floor: floor).map { 1 / $0 } : [Double](repeating: 1, count: dimension)
        apply(mean: statistics.mean, scale: scale)
    }

    /// Per-utterance normalization: each dimension gets mean 0 over these frames and, if `variance`,
    /// standard deviation 1 (a constant dimension becomes 0, never NaN). Two passes in double
    /// precision, so the result does not depend on the size of the mean.
    public mutating func normalizeUtterance(variance: Bool = false, floor: Double = 1e-5) {
        guard frameCount > 0 else { return }
        var mean = [Double](repeating: 0, count: dimension)
        for t in 0..<frameCount {
            for d in 0..<dimension { mean[d] += Double(values[t * dimension + d]) }
        }
        mean = mean.map { $0 / Double(frameCount) }
        var scale = [Double](repeating: 1, count: dimension)
        if variance {
            var squares = [Double](repeating: 0, count: dimension)
            for t in 0..<frameCount {
                for d in 0..<dimension {
                    let x = Double(values[t * dimension + d]) - mean[d]
                    squares[d] += x * x
                }
            }
            scale = squares.map { 1 / max(($0 / Double(frameCount)).squareRoot(), floor) }
        }
        apply(mean: mean, scale: scale)
    }

    /// A copy normalized with ``normalizeUtterance(variance:floor:)``.
    public func normalizedUtterance(variance: Bool = false, floor: Double = 1e-5) -> FeatureMatrix {
        var copy = self
        copy.normalizeUtterance(variance: variance, floor: floor)
        return copy
    }

    /// `x[t, d] = (x[t, d] - mean[d]) * scale[d]`, in double precision.
    private mutating func apply(mean: [Double], scale: [Double]) {
        let dimension = dimension
        for t in 0..<frameCount {
            for d in 0..<dimension {
                let i = t * dimension + d
                values[i] = Float((Double(values[i]) - mean[d]) * scale[d])
            }
        }
    }
}
