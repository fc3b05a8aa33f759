import Testing
import StenoNN

// Level-1 and level-2 BLAS: gemv, axpy, dot, scale. Integer test data makes every result
// exact in Float and Double (see TestSupport.swift), so comparisons use `==`.

@Suite("gemv, axpy, dot, scale")
struct VectorTests {
    @Test("gemv equals the naive loop in both orientations", arguments: [false, true])
    func gemvMatchesNaiveLoop(transpose: Bool) {
        check(Float.self, transpose: transpose)
        check(Double.self, transpose: transpose)
    }

    private func check<S: BLASScalar>(_ type: S.Type, transpose: Bool) {
        for (rows, columns) in [(1, 1), (5, 3), (3, 5), (40, 27)] {
            let a = integerMatrix(S.self, rows: rows, columns: columns, seed: UInt64(rows * 100 + columns))
            let x = integerVector(S.self, count: transpose ? rows : columns, seed: 1)
            let y0 = integerVector(S.self, count: transpose ? columns : rows, seed: 2)
            for (alpha, beta) in [(S(1), S(0)), (S(0.5), S(-2)), (S(-1), S(1))] {
                var y = y0
                gemv(a, transpose: transpose, x, alpha: alpha, beta: beta, into: &y)
                #expect(y == naiveGemv(a, transpose: transpose, x, alpha: alpha, beta: beta, y: y0),
                        "\(S.self) [\(rows), \(columns)] alpha \(alpha) beta \(beta)")
            }
        }
    }

    @Test("axpy adds alpha · x to y, for vectors and matrices")
    func axpyAddsScaled() {
        var y: [Float] = [1, 2, 3]
        axpy(alpha: 0.5, x: [2, -4, 6], y: &y)
        #expect(y == [2, 0, 6])

        let x = integerMatrix(Double.self, rows: 3, columns: 4, seed: 50)
        var ym = integerMatrix(Double.self, rows: 3, columns: 4, seed: 51)
        let expected = zip(x.values, ym.values).map { -2 * $0 + $1 }
        axpy(alpha: -2, x: x, y: &ym)
        #expect(ym == Matrix(rows: 3, columns: 4, values: expected))

        var empty: [Double] = []
        axpy(alpha: 3, x: [], y: &empty)
        #expect(empty.isEmpty)
    }

    @Test("dot is the sum of elementwise products, for vectors and matrices")
    func dotProduct() {
        #expect(dot([1, 2, 3] as [Float], [4, -5, 6]) == 12)
        #expect(dot([] as [Double], []) == 0)
        let x = integerVector(Double.self, count: 1000, seed: 60)
        let y = integerVector(Double.self, count: 1000, seed: 61)
        #expect(dot(x, y) == zip(x, y).reduce(0) { $0 + $1.0 * $1.1 })
        let xm = Matrix(rows: 10, columns: 100, values: x)
        let ym = Matrix(rows: 10, columns: 100, values: y)
        #expect(dot(xm, ym) == dot(x, y))
    }

    @Test("scale multiplies every element; scaling by 0 gives exact zeros, even from NaN")
    func scaleElements() {
        var v: [Float] = [1, -2, 4]
        scale(&v, by: -0.5)
        #expect(v == [-0.5, 1, -2])
        var m = Matrix<Double>(rows: 2, columns: 2, values: [1, 2, 3, 4])
        scale(&m, by: 2)
        #expect(m.values == [2, 4, 6, 8])
        var n: [Double] = [.nan, .infinity]
        scale(&n, by: 0)
        #expect(n == [0, 0])
    }
}
