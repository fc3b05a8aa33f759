import Foundation

/// Kaldi's `ComputeDctMatrix`, the first `rows` rows of the orthonormal DCT-II of size `n`:
/// row 0 is `sqrt(1/n)`, row k is `sqrt(2/n) cos(π/n (j + 0.5) k)`. Row-major `[rows, n]`.
func dctMatrix(rows: Int, size n: Int) -> [Float] {
    var matrix = [Float](repeating: 0, count: rows * n)
    for k in 0..<rows {
        let normalizer = k == 0 ? (1 / Double(n)).squareRoot() : (2 / Double(n)).squareRoot()
        for j in 0..<n {
            matrix[k * n + j] = Float(normalizer * cos(Double.pi / Double(n) * (Double(j) + 0.5) * Double(k)))
        }
    }
    return matrix
}

/// Kaldi's `ComputeLifterCoeffs`: coefficient i is `1 + 0.5 Q sin(π i / Q)`, for `count` coefficients.
func lifterCoefficients(_ q: Float, count: Int) -> [Float] {
    (0..<count).map { i in Float(1 + 0.5 * Double(q) * sin(Double.pi * Double(i) / Double(q))) }
}
