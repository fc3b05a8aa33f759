/// A dense matrix of shape `[rows, columns]`, stored row-major in one `[Scalar]`:
/// element `(r, c)` lives at `values[r * columns + c]`.
///
/// A value type: copies share storage until one is written (copy-on-write, by `Array`).
/// Products and updates over BLAS are the free functions `gemm`, `matmul`, `gemv`,
/// `axpy`, `dot` and `scale`.
public struct Matrix<Scalar: BLASScalar>: Sendable, Equatable {
    /// Number of rows (the first dimension).
    public let rows: Int
    /// Number of columns (the second dimension, contiguous in storage).
    public let columns: Int

    @usableFromInline
    internal var storage: [Scalar]

    /// A matrix of shape `[rows, columns]` from `values` in row-major order;
    /// `values.count` must be `rows * columns`.
    @inlinable
    public init(rows: Int, columns: Int, values: [Scalar]) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative shape [\(rows), \(columns)]")
        precondition(
            values.count == rows * columns,
            "Matrix: \(values.count) values do not fill shape [\(rows), \(columns)] (needs \(rows * columns))")
        self.rows = rows
        self.columns = columns
        self.storage = values
    }

    /// A matrix of shape `[rows, columns]` with every element equal to `value`.
    @inlinable
    public init(rows: Int, columns: Int, repeating value: Scalar) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative shape [\(rows), \(columns)]")
        self.init(rows: rows, columns: columns, values: Array(repeating: value, count: rows * columns))
    }

    /// A matrix of shape `[rows, columns]` whose element `(r, c)` is `element(r, c)`,
    /// evaluated in row-major order.
    @inlinable
    public init(rows: Int, columns: Int, _ element: (_ row: Int, _ column: Int) throws -> Scalar) rethrows {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative shape [\(rows), \(columns)]")
        var values: [Scalar] = []
        values.reserveCapacity(rows * columns)
        for r in 0..<rows {
            for c in 0..<columns {
                values.append(try element(r, c))
            }
        }
        self.init(rows: rows, columns: columns, values: values)
    }

    /// A `[rows, columns]` matrix of zeros.
    @inlinable
    public static func zeros(rows: Int, columns: Int) -> Matrix {
        Matrix(rows: rows, columns: columns, repeating: 0)
    }

    /// A `[rows, columns]` matrix with every element equal to `value`.
    @inlinable
    public static func filled(rows: Int, columns: Int, with value: Scalar) -> Matrix {
        Matrix(rows: rows, columns: columns, repeating: value)
    }

    /// All elements in row-major order (`rows * columns` of them).
    @inlinable
    public var values: [Scalar] { storage }

    /// The number of elements, `rows * columns`.
    @inlinable
    public var count: Int { storage.count }

    /// The element at `(row, column)`.
    @inlinable
    public subscript(row: Int, column: Int) -> Scalar {
        get {
            checkIndex(row, column)
            return storage[row * columns + column]
        }
        set {
            checkIndex(row, column)
            storage[row * columns + column] = newValue
        }
    }

    /// Row `row` as `columns` contiguous elements. Setting it requires exactly `columns`
    /// elements. The slice's indices are storage offsets, not `0..<columns`.
    @inlinable
    public subscript(row row: Int) -> ArraySlice<Scalar> {
        get {
            precondition(row >= 0 && row < rows, "Matrix: row \(row) out of range for shape [\(rows), \(columns)]")
            return storage[row * columns ..< (row + 1) * columns]
        }
        set {
            precondition(row >= 0 && row < rows, "Matrix: row \(row) out of range for shape [\(rows), \(columns)]")
            precondition(
                newValue.count == columns,
                "Matrix: row of \(newValue.count) elements assigned into shape [\(rows), \(columns)]")
            storage.replaceSubrange(row * columns ..< (row + 1) * columns, with: newValue)
        }
    }

    /// The transpose, shape `[columns, rows]` (a copy).
    public func transposed() -> Matrix {
        var result = [Scalar](repeating: 0, count: count)
        storage.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for r in 0..<rows {
                    for c in 0..<columns {
                        target[c * rows + r] = source[r * columns + c]
                    }
                }
            }
        }
        return Matrix(rows: columns, columns: rows, values: result)
    }

    /// Calls `body` with the row-major elements; the pointer must not escape `body`.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with the row-major elements, writable in place (for elementwise
    /// kernels such as activations); the pointer must not escape `body`.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer { buffer in try body(buffer) }
    }

    @inlinable
    internal func checkIndex(_ row: Int, _ column: Int) {
        precondition(
            row >= 0 && row < rows && column >= 0 && column < columns,
            "Matrix: index (\(row), \(column)) out of range for shape [\(rows), \(columns)]")
    }
}

extension Matrix: CustomStringConvertible {
    /// The shape, then one line per row (for debugging and test failure messages).
    public var description: String {
        var text = "Matrix<\(Scalar.self)>[\(rows), \(columns)]"
        for r in 0..<rows {
            text += "\n  " + self[row: r].map { "\($0)" }.joined(separator: " ")
        }
        return text
    }
}
