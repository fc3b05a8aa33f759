// Shape-checked products and updates over BLAS. All matrices are row-major
// `[rows, columns]`; vectors are `[Scalar]`. Shapes are checked with preconditions
// whose messages name both shapes.

/// General matrix product into an existing matrix:
/// `C = alpha · op(A) · op(B) + beta · C`, where `op(X)` is `Xᵀ` when its flag is set.
///
/// Shapes: `op(A)` is `[m, k]`, `op(B)` is `[k, n]`, `C` is `[m, n]`. With `beta == 0`
/// the old contents of `C` are ignored (even NaN), as in BLAS.
///
/// Each operand may be restricted to a contiguous block of its rows (`aRows`, `bRows`,
/// `cRows`), used in place without copying. For `A` that block is `[aRows.count,
/// a.columns]` before the optional transpose; likewise for `B`. For `C` only the rows in
/// `cRows` are read and written. For example, one LSTM time step
/// `gates[t] += h[t-1] · U` is
/// `gemm(h, aRows: t-1..<t, u, beta: 1, into: &gates, cRows: t..<t+1)`.
///
/// If `C` is also passed as `A` or `B`, copy-on-write gives `A`/`B` the old values.
public func gemm<Scalar: BLASScalar>(
    _ a: Matrix<Scalar>, aRows: Range<Int>? = nil, transposeA: Bool = false,
    _ b: Matrix<Scalar>, bRows: Range<Int>? = nil, transposeB: Bool = false,
    alpha: Scalar = 1, beta: Scalar = 0,
    into c: inout Matrix<Scalar>, cRows: Range<Int>? = nil
) {
    let aBlock = rowBlock(aRows, of: a, name: "A")
    let bBlock = rowBlock(bRows, of: b, name: "B")
    let cBlock = rowBlock(cRows, of: c, name: "C")
    // Shapes of op(A) = [m, k] and op(B) = [kB, n].
    let (m, k) = transposeA ? (a.columns, aBlock.count) : (aBlock.count, a.columns)
    let (kB, n) = transposeB ? (b.columns, bBlock.count) : (bBlock.count, b.columns)
    precondition(
        k == kB,
        "gemm: inner dimensions differ: op(A) is [\(m), \(k)] (A block [\(aBlock.count), \(a.columns)], "
            + "transposeA: \(transposeA)) but op(B) is [\(kB), \(n)] (B block [\(bBlock.count), \(b.columns)], "
            + "transposeB: \(transposeB))")
    precondition(
        cBlock.count == m && c.columns == n,
        "gemm: C block is [\(cBlock.count), \(c.columns)] but op(A) · op(B) is [\(m), \(n)]")
    if m == 0 || n == 0 { return }
    if k == 0 {
        // The product is empty; BLAS semantics reduce to C = beta · C.
        scaleRows(cBlock, of: &c, by: beta)
        return
    }
    let (lda, ldb, ldc) = (a.columns, b.columns, c.columns)
    a.withUnsafeBufferPointer { aBuffer in
        b.withUnsafeBufferPointer { bBuffer in
            c.withUnsafeMutableBufferPointer { cBuffer in
                Scalar.blasGemm(
                    transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                    alpha: alpha,
                    a: aBuffer.baseAddress! + aBlock.lowerBound * lda, lda: lda,
                    b: bBuffer.baseAddress! + bBlock.lowerBound * ldb, ldb: ldb,
                    beta: beta,
                    c: cBuffer.baseAddress! + cBlock.lowerBound * ldc, ldc: ldc)
            }
        }
    }
}

/// The matrix product `op(A) · op(B)` as a new `[m, n]` matrix, where `op(A)` is `[m, k]`
/// and `op(B)` is `[k, n]`.
public func matmul<Scalar: BLASScalar>(
    _ a: Matrix<Scalar>, transposeA: Bool = false,
    _ b: Matrix<Scalar>, transposeB: Bool = false
) -> Matrix<Scalar> {
    let m = transposeA ? a.columns : a.rows
    let n = transposeB ? b.rows : b.columns
    var c = Matrix<Scalar>.zeros(rows: m, columns: n)
    gemm(a, transposeA: transposeA, b, transposeB: transposeB, into: &c)
    return c
}

/// Matrix–vector product into an existing vector: `y = alpha · op(A) · x + beta · y`.
///
/// `A` is `[rows, columns]`. Without transpose, `x` has `columns` elements and `y` has
/// `rows`; with `transpose` (`y = alpha · Aᵀ · x + beta · y`), `x` has `rows` and `y` has
/// `columns`. With `beta == 0` the old contents of `y` are ignored.
public func gemv<Scalar: BLASScalar>(
    _ a: Matrix<Scalar>, transpose: Bool = false, _ x: [Scalar],
    alpha: Scalar = 1, beta: Scalar = 0, into y: inout [Scalar]
) {
    let (xCount, yCount) = transpose ? (a.rows, a.columns) : (a.columns, a.rows)
    precondition(
        x.count == xCount && y.count == yCount,
        "gemv: A is [\(a.rows), \(a.columns)] (transpose: \(transpose)), so x needs \(xCount) and y "
            + "\(yCount) elements, but x has \(x.count) and y \(y.count)")
    if yCount == 0 { return }
    if xCount == 0 {
        scaleBuffer(&y, by: beta)
        return
    }
    a.withUnsafeBufferPointer { aBuffer in
        x.withUnsafeBufferPointer { xBuffer in
            y.withUnsafeMutableBufferPointer { yBuffer in
                Scalar.blasGemv(
                    transpose: transpose, rows: a.rows, columns: a.columns,
                    alpha: alpha, a: aBuffer.baseAddress!, lda: a.columns, x: xBuffer.baseAddress!, incX: 1,
                    beta: beta, y: yBuffer.baseAddress!, incY: 1)
            }
        }
    }
}

/// `y += alpha · x` for vectors of equal length.
public func axpy<Scalar: BLASScalar>(alpha: Scalar, x: [Scalar], y: inout [Scalar]) {
    precondition(x.count == y.count, "axpy: x has \(x.count) elements but y has \(y.count)")
    axpyBuffers(alpha: alpha, x: x, y: &y)
}

/// `Y += alpha · X` elementwise for matrices of equal shape `[rows, columns]`
/// (for example a gradient step `W += -learningRate · dW`).
public func axpy<Scalar: BLASScalar>(alpha: Scalar, x: Matrix<Scalar>, y: inout Matrix<Scalar>) {
    precondition(
        x.rows == y.rows && x.columns == y.columns,
        "axpy: X is [\(x.rows), \(x.columns)] but Y is [\(y.rows), \(y.columns)]")
    axpyBuffers(alpha: alpha, x: x.storage, y: &y.storage)
}

/// The inner product `Σ x[i] · y[i]` of vectors of equal length (0 when empty).
public func dot<Scalar: BLASScalar>(_ x: [Scalar], _ y: [Scalar]) -> Scalar {
    precondition(x.count == y.count, "dot: x has \(x.count) elements but y has \(y.count)")
    if x.isEmpty { return 0 }
    return x.withUnsafeBufferPointer { xBuffer in
        y.withUnsafeBufferPointer { yBuffer in
            Scalar.blasDot(count: x.count, x: xBuffer.baseAddress!, incX: 1, y: yBuffer.baseAddress!, incY: 1)
        }
    }
}

/// The elementwise inner product `Σ X[r, c] · Y[r, c]` of matrices of equal shape
/// `[rows, columns]` (used, for example, to project a gradient in a gradient check).
public func dot<Scalar: BLASScalar>(_ x: Matrix<Scalar>, _ y: Matrix<Scalar>) -> Scalar {
    precondition(
        x.rows == y.rows && x.columns == y.columns,
        "dot: X is [\(x.rows), \(x.columns)] but Y is [\(y.rows), \(y.columns)]")
    return dot(x.storage, y.storage)
}

/// `x *= alpha` for every element of a vector.
public func scale<Scalar: BLASScalar>(_ x: inout [Scalar], by alpha: Scalar) {
    scaleBuffer(&x, by: alpha)
}

/// `X *= alpha` for every element of a `[rows, columns]` matrix.
public func scale<Scalar: BLASScalar>(_ x: inout Matrix<Scalar>, by alpha: Scalar) {
    scaleBuffer(&x.storage, by: alpha)
}

// MARK: - Implementation details

/// The row block `rows` (all rows when nil) of `matrix`, checked against its shape.
private func rowBlock<Scalar>(_ rows: Range<Int>?, of matrix: Matrix<Scalar>, name: String) -> Range<Int> {
    guard let rows else { return 0..<matrix.rows }
    precondition(
        rows.lowerBound >= 0 && rows.upperBound <= matrix.rows,
        "gemm: rows \(rows) out of range for \(name), which is [\(matrix.rows), \(matrix.columns)]")
    return rows
}

private func axpyBuffers<Scalar: BLASScalar>(alpha: Scalar, x: [Scalar], y: inout [Scalar]) {
    if x.isEmpty { return }
    x.withUnsafeBufferPointer { xBuffer in
        y.withUnsafeMutableBufferPointer { yBuffer in
            Scalar.blasAxpy(count: xBuffer.count, alpha: alpha, x: xBuffer.baseAddress!, incX: 1,
                            y: yBuffer.baseAddress!, incY: 1)
        }
    }
}

/// `x *= alpha`, with `alpha == 0` giving exact zeros (BLAS `beta == 0` semantics).
private func scaleBuffer<Scalar: BLASScalar>(_ x: inout [Scalar], by alpha: Scalar) {
    if x.isEmpty { return }
    x.withUnsafeMutableBufferPointer { buffer in
        if alpha == 0 {
            buffer.update(repeating: 0)
        } else {
            Scalar.blasScal(count: buffer.count, alpha: alpha, x: buffer.baseAddress!, incX: 1)
        }
    }
}

/// `C[rows] *= alpha`, with `alpha == 0` giving exact zeros.
private func scaleRows<Scalar: BLASScalar>(_ rows: Range<Int>, of c: inout Matrix<Scalar>, by alpha: Scalar) {
    let columns = c.columns
    c.withUnsafeMutableBufferPointer { buffer in
        let block = UnsafeMutableBufferPointer(
            rebasing: buffer[rows.lowerBound * columns ..< rows.upperBound * columns])
        if block.isEmpty { return }
        if alpha == 0 {
            block.update(repeating: 0)
        } else {
            Scalar.blasScal(count: block.count, alpha: alpha, x: block.baseAddress!, incX: 1)
        }
    }
}
