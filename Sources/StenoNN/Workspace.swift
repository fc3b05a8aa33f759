/// Scalars a layer keeps between its forward and backward passes, or reuses between steps:
/// one allocation, grown when needed, reached through `pointer` only inside the owning layer's methods.
final class Workspace<Scalar: NetworkScalar> {
    private(set) var pointer: UnsafeMutablePointer<Scalar>
    private var capacity: Int
    /// Scalars in use.
    private(set) var count = 0

    init() {
        capacity = 1
        pointer = .allocate(capacity: 1)
    }

    deinit { pointer.deallocate() }

    /// Makes room for `count` scalars whose values are left as they are (stale or zero): for
    /// scratch the caller writes in full before reading.
    func resize(count: Int) {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: count)
            pointer.initialize(repeating: 0, count: count)
        }
        self.count = count
    }
}

/// `c [m, n] = a [m, k] · op(b) (+ c when accumulate)`, row-major, `op(b)` = bᵀ of `[n, k]` or b of `[k, n]`.
@inline(__always)
func product<S: NetworkScalar>(_ a: UnsafePointer<S>, _ b: UnsafePointer<S>, transposeB: Bool, into c: UnsafeMutablePointer<S>,
                               m: Int, n: Int, k: Int, accumulate: Bool = false) {
    guard m > 0, n > 0 else { return }
    if m == 1 {
        // One row (a streaming or single-utterance step): gemv is faster than a 1-row gemm.
        // c [n] = op(b) · a, with op(b) = b [n, k] when transposed, else bᵀ of b [k, n].
        // c may be uninitialized: clear it rather than trust gemv's β = 0 to ignore NaN there.
        if !accumulate { c.update(repeating: 0, count: n) }
        S.blasGemv(transpose: !transposeB, rows: transposeB ? n : k, columns: transposeB ? k : n, alpha: 1,
                   a: b, lda: transposeB ? k : n, x: a, incX: 1, beta: accumulate ? 1 : 0, y: c, incY: 1)
        return
    }
    S.blasGemm(transposeA: false, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
               a: a, lda: k, b: b, ldb: transposeB ? k : n, beta: accumulate ? 1 : 0, c: c, ldc: n)
}

/// `c [m, n] += aᵀ · b` for `a` `[k, m]` and `b` `[k, n]`: the weight gradient of a product over k rows.
@inline(__always)
func transposedProduct<S: NetworkScalar>(_ a: UnsafePointer<S>, _ b: UnsafePointer<S>, into c: UnsafeMutablePointer<S>, m: Int, n: Int, k: Int) {
    guard m > 0, n > 0, k > 0 else { return }
    S.blasGemm(transposeA: true, transposeB: false, m: m, n: n, k: k, alpha: 1,
               a: a, lda: m, b: b, ldb: n, beta: 1, c: c, ldc: n)
}

/// Sets each of `rows` rows of `out` `[rows, columns]` to `bias` `[columns]`.
@inline(__always)
func broadcastRows<S: NetworkScalar>(_ bias: UnsafePointer<S>, into out: UnsafeMutablePointer<S>, rows: Int, columns: Int) {
    for r in 0..<rows { (out + r * columns).update(from: bias, count: columns) }
}

/// `sums [columns] += Σ over rows of values [rows, columns]`.
@inline(__always)
func accumulateColumnSums<S: NetworkScalar>(_ values: UnsafePointer<S>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<S>) {
    for r in 0..<rows {
        let row = values + r * columns
        for j in 0..<columns { sums[j] += row[j] }
    }
}
