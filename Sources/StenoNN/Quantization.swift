/// How a network's weight matrices are stored and multiplied at inference.
public enum WeightPrecision: String, Codable, Sendable, CaseIterable {
    /// IEEE binary32: the reference.
    case float32
    /// Weight-only int8: each row of the recurrent layers' matrices as integers in −127…127 times one
    /// float scale (max |w| / 127 over the row). Activations, sums, biases and the output layer (it
    /// makes the logits, and is small) stay float32. About a quarter of float32's size; the recurrent
    /// products read a quarter of the bytes.
    case int8
}

/// Symmetric int8 quantization of a row-major matrix with one scale per row, the form of
/// ``WeightPrecision/int8`` in memory and in model files.
public struct QuantizedMatrix: Sendable, Equatable {
    public let rows: Int, columns: Int
    /// `[rows, columns]`, row-major, each in −127…127.
    public let values: [Int8]
    /// `[rows]`: row r's value k stands for `values[r·columns + k] · scales[r]`.
    public let scales: [Float]

    /// Quantizes `weights` `[rows, columns]`: q = round(w / scale) with scale = max |w| / 127
    /// (1 for an all-zero row), so every row's largest magnitude is exactly ±127.
    public init(_ weights: [Float], rows: Int, columns: Int) {
        precondition(weights.count == rows * columns, "QuantizedMatrix: \(weights.count) values are not \(rows) × \(columns)")
        var values = [Int8](repeating: 0, count: weights.count)
        var scales = [Float](repeating: 1, count: rows)
        for r in 0..<rows {
            let row = weights[r * columns..<(r + 1) * columns]
            let largest = row.reduce(0) { max($0, abs($1)) }
            let scale: Float = largest > 0 ? largest / 127 : 1
            scales[r] = scale
            for k in 0..<columns { values[r * columns + k] = Int8(max(-127, min(127, (row[r * columns + k] / scale).rounded()))) }
        }
        self.init(values: values, scales: scales, rows: rows, columns: columns)
    }

    /// A quantized matrix from stored integers and scales.
    public init(values: [Int8], scales: [Float], rows: Int, columns: Int) {
        precondition(values.count == rows * columns && scales.count == rows, "QuantizedMatrix: shape mismatch")
        self.rows = rows
        self.columns = columns
        self.values = values
        self.scales = scales
    }

    /// The floats the integers stand for, `[rows, columns]`.
    public var dequantized: [Float] {
        (0..<rows * columns).map { Float(values[$0]) * scales[$0 / columns] }
    }

    /// `weights` after a round trip through int8: what a quantized model computes with.
    public static func roundTrip(_ weights: [Float], rows: Int, columns: Int) -> [Float] {
        QuantizedMatrix(weights, rows: rows, columns: columns).dequantized
    }
}
