import Testing
import StenoNN

/// Shapes `(m, n, k)`: `op(A)` is `[m, k]`, `op(B)` is `[k, n]`, `C` is `[m, n]`. Square and
/// non-square, vectors, and sizes large enough to take OpenBLAS's blocked kernels.
private let shapes: [(m: Int, n: Int, k: Int)] = [
    (1, 1, 1), (2, 3, 4), (5, 4, 3), (7, 1, 6), (1, 9, 2), (16, 16, 16), (37, 23, 45), (67, 45, 33),
]

@Suite("gemm and matmul")
struct GEMMTests {
    @Test("gemm equals the naive loop for every transpose combination and shape",
          arguments: [false, true], [false, true])
    func matchesNaiveLoop(transposeA: Bool, transposeB: Bool) {
        check(Float.self, transposeA: transposeA, transposeB: transposeB)
        check(Double.self, transposeA: transposeA, transposeB: transposeB)
    }

    private func check<S: BLASScalar>(_ type: S.Type, transposeA: Bool, transposeB: Bool) {
        for (index, shape) in shapes.enumerated() {
            let seed = UInt64(index) * 3
            let a = transposeA
                ? integerMatrix(S.self, rows: shape.k, columns: shape.m, seed: seed)
                : integerMatrix(S.self, rows: shape.m, columns: shape.k, seed: seed)
            let b = transposeB
                ? integerMatrix(S.self, rows: shape.n, columns: shape.k, seed: seed + 1)
                : integerMatrix(S.self, rows: shape.k, columns: shape.n, seed: seed + 1)
            let c0 = integerMatrix(S.self, rows: shape.m, columns: shape.n, seed: seed + 2)
            for (alpha, beta) in [(S(1), S(0)), (S(0.5), S(-2)), (S(-1.5), S(1)), (S(0), S(0.25))] {
                var c = c0
                gemm(a, transposeA: transposeA, b, transposeB: transposeB, alpha: alpha, beta: beta, into: &c)
                let expected = naiveGemm(a, transposeA: transposeA, b, transposeB: transposeB,
                                         alpha: alpha, beta: beta, c: c0)
                #expect(c == expected, "\(S.self) shape \(shape) alpha \(alpha) beta \(beta)")
            }
        }
    }

    @Test("gemm on row blocks equals gemm on copies, and leaves other rows of C alone",
          arguments: [false, true], [false, true])
    func rowBlocks(transposeA: Bool, transposeB: Bool) {
        checkRowBlocks(Float.self, transposeA: transposeA, transposeB: transposeB)
        checkRowBlocks(Double.self, transposeA: transposeA, transposeB: transposeB)
    }

    private func checkRowBlocks<S: BLASScalar>(_ type: S.Type, transposeA: Bool, transposeB: Bool) {
        let (m, n, k) = (4, 5, 3)
        // Each operand's block sits at rows 2..<2+blockRows of a matrix with extra rows on both sides.
        let aBlockShape = transposeA ? (rows: k, columns: m) : (rows: m, columns: k)
        let bBlockShape = transposeB ? (rows: n, columns: k) : (rows: k, columns: n)
        let a = integerMatrix(S.self, rows: aBlockShape.rows + 5, columns: aBlockShape.columns, seed: 10)
        let b = integerMatrix(S.self, rows: bBlockShape.rows + 4, columns: bBlockShape.columns, seed: 11)
        let c0 = integerMatrix(S.self, rows: m + 6, columns: n, seed: 12)
        let aRows = 2..<2 + aBlockShape.rows
        let bRows = 2..<2 + bBlockShape.rows
        let cRows = 3..<3 + m

        var c = c0
        gemm(a, aRows: aRows, transposeA: transposeA, b, bRows: bRows, transposeB: transposeB,
             alpha: 0.5, beta: -2, into: &c, cRows: cRows)

        let expectedBlock = naiveGemm(copyRows(aRows, of: a), transposeA: transposeA,
                                      copyRows(bRows, of: b), transposeB: transposeB,
                                      alpha: 0.5, beta: -2, c: copyRows(cRows, of: c0))
        #expect(copyRows(cRows, of: c) == expectedBlock)
        #expect(copyRows(0..<cRows.lowerBound, of: c) == copyRows(0..<cRows.lowerBound, of: c0))
        #expect(copyRows(cRows.upperBound..<c.rows, of: c) == copyRows(cRows.upperBound..<c0.rows, of: c0))
    }

    @Test("row blocks of some operands only; the rest are used whole")
    func rowLabelsBindToTheirOperand() {
        // One LSTM-style step: gates[t] += h[t - 1] · U, with neither B's rows nor the
        // transposes spelled out.
        let h = integerMatrix(Double.self, rows: 4, columns: 3, seed: 80)
        let u = integerMatrix(Double.self, rows: 3, columns: 5, seed: 81)
        let gates0 = integerMatrix(Double.self, rows: 4, columns: 5, seed: 82)
        var gates = gates0
        gemm(h, aRows: 1..<2, u, beta: 1, into: &gates, cRows: 2..<3)
        var expected = gates0
        expected[row: 2] = naiveGemm(copyRows(1..<2, of: h), transposeA: false, u, transposeB: false,
                                     alpha: 1, beta: 1, c: copyRows(2..<3, of: gates0)).values[...]
        #expect(gates == expected)

        // Only C's rows given: A and B are used whole.
        let b = integerMatrix(Double.self, rows: 4, columns: 5, seed: 83)
        var c = Matrix<Double>.zeros(rows: 6, columns: 5)
        gemm(h, transposeA: true, b, into: &c, cRows: 3..<6)
        #expect(copyRows(0..<3, of: c) == .zeros(rows: 3, columns: 5))
        #expect(copyRows(3..<6, of: c) == matmul(h, transposeA: true, b))
    }

    @Test("matmul returns op(A) · op(B) with shape [m, n]", arguments: [false, true], [false, true])
    func matmulShape(transposeA: Bool, transposeB: Bool) {
        let a = integerMatrix(Double.self, rows: transposeA ? 3 : 2, columns: transposeA ? 2 : 3, seed: 20)
        let b = integerMatrix(Double.self, rows: transposeB ? 5 : 3, columns: transposeB ? 3 : 5, seed: 21)
        let product = matmul(a, transposeA: transposeA, b, transposeB: transposeB)
        #expect(product.rows == 2 && product.columns == 5)
        #expect(product == naiveGemm(a, transposeA: transposeA, b, transposeB: transposeB,
                                     alpha: 1, beta: 0, c: .zeros(rows: 2, columns: 5)))
    }

    @Test("beta == 0 ignores the old contents of C, even NaN")
    func betaZeroIgnoresNaN() {
        let a = integerMatrix(Float.self, rows: 3, columns: 4, seed: 30)
        let b = integerMatrix(Float.self, rows: 4, columns: 2, seed: 31)
        var c = Matrix<Float>.filled(rows: 3, columns: 2, with: .nan)
        gemm(a, b, into: &c)
        #expect(c == matmul(a, b))
    }

    @Test("an empty inner dimension gives C = beta · C")
    func emptyInnerDimension() {
        let a = Matrix<Double>.zeros(rows: 3, columns: 0)
        let b = Matrix<Double>.zeros(rows: 0, columns: 4)
        var c = Matrix<Double>.filled(rows: 3, columns: 4, with: 2)
        gemm(a, b, alpha: 7, beta: 0.5, into: &c)
        #expect(c == .filled(rows: 3, columns: 4, with: 1))
        var d = Matrix<Double>.filled(rows: 3, columns: 4, with: .nan)
        gemm(a, b, into: &d)
        #expect(d == .zeros(rows: 3, columns: 4))
        let noRows = matmul(Matrix<Double>.zeros(rows: 0, columns: 3), a)
        #expect(noRows.rows == 0 && noRows.columns == 0)
    }

    @Test("C may also be an operand: the operand keeps its old values")
    func aliasedOperand() {
        var m = integerMatrix(Double.self, rows: 3, columns: 3, seed: 40)
        let original = m
        gemm(m, m, alpha: 1, beta: 1, into: &m)
        let expected = naiveGemm(original, transposeA: false, original, transposeB: false,
                                 alpha: 1, beta: 1, c: original)
        #expect(m == expected)
    }

    @Test("mismatched shapes stop with a message naming both shapes")
    func shapeMismatch() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let a = Matrix<Float>.zeros(rows: 2, columns: 3)
            let b = Matrix<Float>.zeros(rows: 4, columns: 5)
            var c = Matrix<Float>.zeros(rows: 2, columns: 5)
            gemm(a, b, into: &c)
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("gemm: inner dimensions differ: op(A) is [2, 3]"))
        #expect(stderr.contains("op(B) is [4, 5]"))
    }
}
