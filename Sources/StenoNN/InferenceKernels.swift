// The one file in StenoNN that knows Steno's C kernels (CStenoKernels): the recurrent product over
// packed weights (one sequence for inference, a batch for training) and the cells' elementwise steps
// (inference, and the LSTM's in training), each in an AVX2 + FMA and a portable version.

import CStenoKernels

/// Which version of Steno's inference kernels runs.
public enum InferenceKernels {
    /// True when this CPU has AVX2 and FMA, so inference runs the vectorized kernels; otherwise the
    /// portable C ones, which give the same results to rounding.
    public static let vectorized = steno_kernels_vectorized() != 0
}

/// A weight matrix `[rows, columns]` laid out for ``multiplyAdd(_:into:)``, one row vector at a time:
/// the product of a recurrent step. Float32 or int8 with a scale per row.
struct PackedMatrix: @unchecked Sendable {
    let rows: Int, columns: Int
    private let floats: UnsafeMutablePointer<Float>?
    private let integers: UnsafeMutablePointer<Int8>?
    private let scales: [Float]
    private let storage: Storage

    /// Frees the packed weights when the last copy goes.
    private final class Storage {
        let pointer: UnsafeMutableRawPointer
        init(bytes: Int) { pointer = .allocate(byteCount: max(bytes, 1), alignment: 64) }
        deinit { pointer.deallocate() }
    }

    /// Packs `weights` `[rows, columns]` (row-major) as float32.
    init(floats weights: [Float], rows: Int, columns: Int) {
        precondition(weights.count == rows * columns, "PackedMatrix: shape mismatch")
        self.rows = rows
        self.columns = columns
        let count = steno_packed_count(Int32(rows), Int32(columns))
        storage = Storage(bytes: count * MemoryLayout<Float>.stride)
        let packed = storage.pointer.bindMemory(to: Float.self, capacity: count)
        steno_pack_float(weights, Int32(rows), Int32(columns), packed)
        floats = packed
        integers = nil
        scales = []
    }

    /// Packs a quantized matrix.
    init(_ matrix: QuantizedMatrix) {
        rows = matrix.rows
        columns = matrix.columns
        let count = steno_packed_count(Int32(rows), Int32(columns))
        storage = Storage(bytes: count)
        let packed = storage.pointer.bindMemory(to: Int8.self, capacity: count)
        steno_pack_int8(matrix.values, Int32(rows), Int32(columns), packed)
        floats = nil
        integers = packed
        scales = matrix.scales
    }

    /// `y [rows] += W · x [columns]`, by the vectorized kernel unless `vectorized` is false.
    func multiplyAdd(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, vectorized: Bool = InferenceKernels.vectorized) {
        let flag: Int32 = vectorized ? 1 : 0
        if let floats {
            steno_product_float(flag, floats, Int32(rows), Int32(columns), x, y)
        } else if let integers {
            scales.withUnsafeBufferPointer { steno_product_int8(flag, integers, $0.baseAddress!, Int32(rows), Int32(columns), x, y) }
        }
    }
}

/// A float32 weight matrix packed in strips of rows for ``multiplyAdd(_:batch:into:vectorized:)``:
/// the recurrent product of a training step, every sequence of a batch at once. The weights change
/// every update, so a layer packs them again at the start of each pass, into the same memory.
final class StripPackedMatrix {
    /// The most rows of x the layers give the strip product; above it BLAS's blocked product catches up
    /// (one thread, [m x 256]·[256 x 1024] and [m x 1024]·[1024 x 256]: 1.8–2.5× OpenBLAS at 8 rows,
    /// 1.0–1.5× at 32–48, and sometimes slower at 512).
    static let largestBatch = 48
    private(set) var rows = 0, columns = 0
    private var pointer: UnsafeMutableRawPointer?
    private var capacity = 0

    deinit { pointer?.deallocate() }

    /// Packs W `[rows, columns]`: read row-major from `weights`, or, when `transposed`, as the
    /// transpose of the row-major `[columns, rows]` matrix there.
    func pack(_ weights: UnsafePointer<Float>, rows: Int, columns: Int, transposed: Bool) {
        let count = steno_strips_count(Int32(rows), Int32(columns))
        if count > capacity {
            pointer?.deallocate()
            pointer = .allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            capacity = count
        }
        self.rows = rows
        self.columns = columns
        steno_pack_strips(weights, Int32(rows), Int32(columns), transposed ? 1 : 0, packed)
    }

    private var packed: UnsafeMutablePointer<Float> { pointer!.assumingMemoryBound(to: Float.self) }

    /// `y [batch, rows] += x [batch, columns] · Wᵀ` (each row of y gains W times its row of x),
    /// by the vectorized kernel unless `vectorized` is false.
    func multiplyAdd(_ x: UnsafePointer<Float>, batch: Int, into y: UnsafeMutablePointer<Float>, vectorized: Bool) {
        precondition(pointer != nil, "StripPackedMatrix: multiplyAdd before pack")
        steno_product_strips(vectorized ? 1 : 0, packed, Int32(rows), Int32(columns), x, Int32(batch), y)
    }
}

extension RecurrentCellKind {
    /// One step of the cell for one sequence: `x` and `r` are the input and hidden projections
    /// `[gates·H]` (biases included); updates `hidden` (and for LSTM `cell`) `[H]` in place, by the
    /// vectorized kernel unless `vectorized` is false.
    func step(_ x: UnsafePointer<Float>, _ r: UnsafePointer<Float>, hidden: UnsafeMutablePointer<Float>,
              cell: UnsafeMutablePointer<Float>, size: Int, vectorized: Bool = InferenceKernels.vectorized) {
        let flag: Int32 = vectorized ? 1 : 0
        switch self {
        case .lstm: steno_lstm_cell(flag, x, r, hidden, cell, Int32(size))
        case .gru: steno_gru_cell(flag, x, r, hidden, Int32(size))
        case .rnn: steno_rnn_cell(flag, x, r, hidden, Int32(size))
        }
    }
}

/// The LSTM's elementwise steps in training (float32), forward and backward, in Steno's C kernels;
/// ``RecurrentLayer`` documents what each array holds.
enum LSTMTrainingKernels {
    /// One step for one sequence: gates from the projections `x`, `r` `[4H]`; keeps the activated
    /// gates `[4H]` and the cell before masking `[H]`; updates `hidden` and `cell` `[H]` (masked).
    static func forward(_ x: UnsafePointer<Float>, _ r: UnsafePointer<Float>, mask: Float,
                        hidden: UnsafeMutablePointer<Float>, cell: UnsafeMutablePointer<Float>,
                        gates: UnsafeMutablePointer<Float>, cellBeforeMask: UnsafeMutablePointer<Float>,
                        size: Int, vectorized: Bool) {
        steno_lstm_cell_forward(vectorized ? 1 : 0, x, r, mask, hidden, cell, gates, cellBeforeMask, Int32(size))
    }

    /// The backward pass of one step for one sequence: writes the gates' gradient `[4H]` and replaces
    /// `cellGradient` (∂/∂c from the later step) by ∂/∂c of the state this step started from.
    static func backward(gates: UnsafePointer<Float>, cell: UnsafePointer<Float>, previousCell: UnsafePointer<Float>,
                         outputGradient: UnsafePointer<Float>, hiddenGradient: UnsafePointer<Float>,
                         cellGradient: UnsafeMutablePointer<Float>, mask: Float,
                         gateGradient: UnsafeMutablePointer<Float>, size: Int, vectorized: Bool) {
        steno_lstm_cell_backward(vectorized ? 1 : 0, gates, cell, previousCell, outputGradient, hiddenGradient,
                                 cellGradient, mask, gateGradient, Int32(size))
    }
}
