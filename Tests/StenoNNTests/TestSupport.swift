import StenoNN

// Helpers shared by the StenoNN tests: integer-valued test data and naive reference
// products written directly against the row-major storage (`values`), independent of
// BLAS and of `Matrix`'s subscripts.
//
// Why integer data: every element is an integer in -3...3 and every alpha/beta used is a
// small dyadic number (0.5, -2, 1.5, ...). All products, sums and scalings then stay far
// below 2^24, so they are exact in Float and in Double whatever the summation order or
// FMA use inside BLAS. The tests can therefore compare BLAS with the naive loop using `==`,
// and any indexing or transposition error shows up as an exact mismatch.

/// A `[rows, columns]` matrix of integers in -3...3, fixed by `seed`.
func integerMatrix<S: BLASScalar>(_: S.Type, rows: Int, columns: Int, seed: UInt64) -> Matrix<S> {
    var rng = SplitMix64(seed: seed)
    return Matrix(rows: rows, columns: columns, values: (0..<rows * columns).map { _ in S(Int(rng.next() % 7) - 3) })
}

/// A vector of `count` integers in -3...3, fixed by `seed`.
func integerVector<S: BLASScalar>(_: S.Type, count: Int, seed: UInt64) -> [S] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in S(Int(rng.next() % 7) - 3) }
}

/// `alpha · op(A) · op(B) + beta · C` by the textbook triple loop.
func naiveGemm<S: BLASScalar>(
    _ a: Matrix<S>, transposeA: Bool, _ b: Matrix<S>, transposeB: Bool,
    alpha: S, beta: S, c: Matrix<S>
) -> Matrix<S> {
    let m = transposeA ? a.columns : a.rows
    let k = transposeA ? a.rows : a.columns
    let n = transposeB ? b.rows : b.columns
    precondition((transposeB ? b.columns : b.rows) == k && c.rows == m && c.columns == n, "test shapes")
    var out = [S](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var sum: S = 0
            for p in 0..<k {
                let aip = transposeA ? a.values[p * a.columns + i] : a.values[i * a.columns + p]
                let bpj = transposeB ? b.values[j * b.columns + p] : b.values[p * b.columns + j]
                sum += aip * bpj
            }
            out[i * n + j] = alpha * sum + beta * c.values[i * n + j]
        }
    }
    return Matrix(rows: m, columns: n, values: out)
}

/// `alpha · op(A) · x + beta · y` by the textbook double loop.
func naiveGemv<S: BLASScalar>(_ a: Matrix<S>, transpose: Bool, _ x: [S], alpha: S, beta: S, y: [S]) -> [S] {
    let (outCount, inCount) = transpose ? (a.columns, a.rows) : (a.rows, a.columns)
    precondition(x.count == inCount && y.count == outCount, "test shapes")
    return (0..<outCount).map { i in
        var sum: S = 0
        for p in 0..<inCount {
            sum += (transpose ? a.values[p * a.columns + i] : a.values[i * a.columns + p]) * x[p]
        }
        return alpha * sum + beta * y[i]
    }
}

/// Rows `range` of `matrix`, copied into a new matrix.
func copyRows<S: BLASScalar>(_ range: Range<Int>, of matrix: Matrix<S>) -> Matrix<S> {
    Matrix(rows: range.count, columns: matrix.columns,
           values: Array(matrix.values[range.lowerBound * matrix.columns ..< range.upperBound * matrix.columns]))
}
