import Testing
import StenoNN

@Suite("Matrix storage and access")
struct MatrixTests {
    @Test("storage is row-major: (r, c) is values[r * columns + c]")
    func rowMajorLayout() {
        let m = Matrix<Float>(rows: 2, columns: 3, values: [0, 1, 2, 10, 11, 12])
        #expect(m[0, 2] == 2)
        #expect(m[1, 0] == 10)
        #expect(Array(m[row: 1]) == [10, 11, 12])
        #expect(m.count == 6)
        let built = Matrix<Float>(rows: 2, columns: 3) { r, c in Float(10 * r + c) }
        #expect(built == m)
    }

    @Test("zeros and filled")
    func constructors() {
        #expect(Matrix<Double>.zeros(rows: 2, columns: 3).values == [0, 0, 0, 0, 0, 0])
        let f = Matrix<Double>.filled(rows: 3, columns: 1, with: 1.5)
        #expect(f.rows == 3 && f.columns == 1 && f.values == [1.5, 1.5, 1.5])
    }

    @Test("elements and rows can be set")
    func mutation() {
        var m = Matrix<Double>.zeros(rows: 3, columns: 2)
        m[2, 1] = 5
        m[row: 0] = [1, 2]
        m[row: 1][m[row: 1].startIndex] = 7
        #expect(m.values == [1, 2, 7, 0, 0, 5])
    }

    @Test("transposed has shape [columns, rows] and swaps indices")
    func transpose() {
        let m = integerMatrix(Float.self, rows: 3, columns: 5, seed: 70)
        let t = m.transposed()
        #expect(t.rows == 5 && t.columns == 3)
        for r in 0..<3 {
            for c in 0..<5 {
                #expect(t[c, r] == m[r, c])
            }
        }
        #expect(t.transposed() == m)
    }

    @Test("copies are independent (copy-on-write)")
    func copyOnWrite() {
        let original = Matrix<Double>.filled(rows: 2, columns: 2, with: 1)
        var copy = original
        copy[0, 0] = 9
        #expect(original[0, 0] == 1)
        #expect(copy[0, 0] == 9)
    }

    @Test("equality compares shape as well as values")
    func equalityIncludesShape() {
        let values: [Float] = [1, 2, 3, 4, 5, 6]
        #expect(Matrix(rows: 2, columns: 3, values: values) != Matrix(rows: 3, columns: 2, values: values))
        #expect(Matrix(rows: 2, columns: 3, values: values) == Matrix(rows: 2, columns: 3, values: values))
    }

    @Test("in-place buffer access writes through")
    func bufferAccess() {
        var m = Matrix<Float>.zeros(rows: 2, columns: 2)
        m.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = Float(i) }
        }
        #expect(m.values == [0, 1, 2, 3])
        #expect(m.withUnsafeBufferPointer { $0.reduce(0, +) } == 6)
    }

    @Test("a value count that does not fill the shape stops with a message")
    func wrongValueCount() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Matrix<Double>(rows: 2, columns: 3, values: [1, 2, 3])
        }
        let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(stderr.contains("3 values do not fill shape [2, 3]"))
    }
}
