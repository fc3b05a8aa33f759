import Testing
@testable import StenoFeatures

@Suite("Normalization")
struct NormalizationTests {
    static let frames = try! FeatureExtractor(options: .fbank(bins: 40)).compute(testSignal(samples: 16_000))

    static func columnStatistics(_ m: FeatureMatrix) -> (mean: [Double], std: [Double]) {
        (0..<m.dimension).map { d in
            let column = (0..<m.frameCount).map { Double(m.values[$0 * m.dimension + d]) }
            let mean = column.reduce(0, +) / Double(column.count)
            let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(column.count)
            return (mean, variance.squareRoot())
        }.reduce(into: ([Double](), [Double]())) { $0.0.append($1.0); $0.1.append($1.1) }
    }

    @Test("Utterance CMVN gives mean 0 and standard deviation 1 per dimension")
    func utterance() {
        let normalized = Self.frames.normalizedUtterance(variance: true)
        let (mean, std) = Self.columnStatistics(normalized)
        // Results are rounded to float: |x| up to ~5 with ulp ~5e-7, so sums over 98 frames stay < 1e-5.
        #expect(mean.allSatisfy { abs($0) < 1e-5 })
        #expect(std.allSatisfy { abs($0 - 1) < 1e-5 })
        let centred = Self.frames.normalizedUtterance(variance: false)
        let (mean2, std2) = Self.columnStatistics(centred)
        let (_, original) = Self.columnStatistics(Self.frames)
        #expect(mean2.allSatisfy { abs($0) < 1e-5 })
        #expect(zip(std2, original).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    @Test("Constant columns and empty matrices give no NaN")
    func constant() {
        var m = FeatureMatrix(dimension: 3, values: [1, 5, 0.1, 2, 5, 0.1, 3, 5, 0.1])
        m.normalizeUtterance(variance: true)
        #expect(m.values.allSatisfy { $0.isFinite })
        #expect(m[0][1] == 0 && m[2][2] == 0)
        var stats = NormalizationStatistics(dimension: 3)
        #expect(stats.mean == [0, 0, 0] && stats.standardDeviation() == [1, 1, 1])
        stats.accumulate(FeatureMatrix(dimension: 3, values: [7, 7, 7, 7, 7, 7]))
        var n = FeatureMatrix(dimension: 3, values: [7, 8, 7])
        n.normalize(using: stats)
        #expect(n.values.allSatisfy { $0.isFinite })
        #expect(n.values[0] == 0)
        var empty = FeatureMatrix(dimension: 3)
        empty.normalizeUtterance(variance: true)
        #expect(empty.isEmpty)
    }

    @Test("Accumulating in parts and merging equals accumulating the whole")
    func merge() {
        let whole = NormalizationStatistics(Self.frames)
        let half = Self.frames.frameCount / 2
        let first = FeatureMatrix(dimension: 40, values: Array(Self.frames.values[..<(half * 40)]))
        let second = FeatureMatrix(dimension: 40, values: Array(Self.frames.values[(half * 40)...]))
        var a = NormalizationStatistics(first)
        a.merge(NormalizationStatistics(second))
        #expect(a.count == whole.count)
        // Sums in a different order: relative differences at double precision only.
        for d in 0..<40 {
            #expect(abs(a.sum[d] - whole.sum[d]) <= 1e-9 * abs(whole.sum[d]) + 1e-9)
            #expect(abs(a.sumOfSquares[d] - whole.sumOfSquares[d]) <= 1e-9 * whole.sumOfSquares[d] + 1e-9)
        }
        var sequential = NormalizationStatistics(dimension: 40)
        sequential.accumulate(first)
        sequential.accumulate(second)
        #expect(sequential == whole)  // same order of additions: exactly equal
    }

    @Test("Global normalization with the utterance's own statistics equals utterance CMVN")
    func global() {
        var global = Self.frames
        global.normalize(using: NormalizationStatistics(Self.frames), variance: true)
        let utterance = Self.frames.normalizedUtterance(variance: true)
        // One-pass (sum of squares) against two-pass variance: log-mel values ~10-20 lose ~1e-12 relative.
        #expect(zip(global.values, utterance.values).allSatisfy { abs($0 - $1) < 1e-4 })
    }

    @Test("FeatureMatrix rows and appending")
    func matrix() {
        var m = FeatureMatrix(dimension: 2)
        m.append(frame: [1, 2])
        m.append(FeatureMatrix(dimension: 2, values: [3, 4, 5, 6]))
        #expect(m.frameCount == 3 && m.values == [1, 2, 3, 4, 5, 6])
        #expect(Array(m[1]) == [3, 4])
    }
}
