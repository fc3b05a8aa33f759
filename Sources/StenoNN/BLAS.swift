// The one file in StenoNN that knows C: thin wrappers over OpenBLAS's CBLAS interface.
// Everything above this file speaks Swift (`Int`, `Bool`); CBLAS enums and `Int32`
// indices stay here.

import COpenBLAS
import Foundation

/// A floating-point type that BLAS has routines for: `Float` (the `s…` routines) and
/// `Double` (the `d…` routines).
///
/// The requirements are thin, pointer-based dispatchers to CBLAS with every matrix
/// row-major. Prefer the Swift-level functions (`gemm`, `gemv`, `axpy`, `dot`, `scale`),
/// which check shapes; call these only from inside a `withUnsafe…` closure.
/// Leading dimensions (`lda`, …) are the row stride in elements, at least the
/// number of columns stored.
public protocol BLASScalar: BinaryFloatingPoint & Sendable {
    /// `c = alpha · op(a) · op(b) + beta · c` (`?gemm`), row-major. `op(a)` is `[m, k]`,
    /// `op(b)` is `[k, n]`, `c` is `[m, n]`; `op` transposes when the flag is set.
    static func blasGemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int
    )

    /// `y = alpha · op(a) · x + beta · y` (`?gemv`), where `a` is row-major `[rows, columns]`.
    static func blasGemv(
        transpose: Bool, rows: Int, columns: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int, x: UnsafePointer<Self>, incX: Int,
        beta: Self, y: UnsafeMutablePointer<Self>, incY: Int
    )

    /// `y += alpha · x` over `count` strided elements (`?axpy`).
    static func blasAxpy(
        count: Int, alpha: Self, x: UnsafePointer<Self>, incX: Int,
        y: UnsafeMutablePointer<Self>, incY: Int
    )

    /// `Σ x[i] · y[i]` over `count` strided elements (`?dot`).
    static func blasDot(count: Int, x: UnsafePointer<Self>, incX: Int, y: UnsafePointer<Self>, incY: Int) -> Self

    /// `x *= alpha` over `count` strided elements (`?scal`).
    static func blasScal(count: Int, alpha: Self, x: UnsafeMutablePointer<Self>, incX: Int)
}

extension Float: BLASScalar {
    public static func blasGemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
            blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb), beta, c, blasInt(ldc))
    }

    public static func blasGemv(
        transpose: Bool, rows: Int, columns: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>, incX: Int,
        beta: Float, y: UnsafeMutablePointer<Float>, incY: Int
    ) {
        cblas_sgemv(
            CblasRowMajor, cblasTranspose(transpose), blasInt(rows), blasInt(columns),
            alpha, a, blasInt(lda), x, blasInt(incX), beta, y, blasInt(incY))
    }

    public static func blasAxpy(
        count: Int, alpha: Float, x: UnsafePointer<Float>, incX: Int, y: UnsafeMutablePointer<Float>, incY: Int
    ) {
        cblas_saxpy(blasInt(count), alpha, x, blasInt(incX), y, blasInt(incY))
    }

    public static func blasDot(
        count: Int, x: UnsafePointer<Float>, incX: Int, y: UnsafePointer<Float>, incY: Int
    ) -> Float {
        cblas_sdot(blasInt(count), x, blasInt(incX), y, blasInt(incY))
    }

    public static func blasScal(count: Int, alpha: Float, x: UnsafeMutablePointer<Float>, incX: Int) {
        cblas_sscal(blasInt(count), alpha, x, blasInt(incX))
    }
}

extension Double: BLASScalar {
    public static func blasGemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
            blasInt(m), blasInt(n), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb), beta, c, blasInt(ldc))
    }

    public static func blasGemv(
        transpose: Bool, rows: Int, columns: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int, x: UnsafePointer<Double>, incX: Int,
        beta: Double, y: UnsafeMutablePointer<Double>, incY: Int
    ) {
        cblas_dgemv(
            CblasRowMajor, cblasTranspose(transpose), blasInt(rows), blasInt(columns),
            alpha, a, blasInt(lda), x, blasInt(incX), beta, y, blasInt(incY))
    }

    public static func blasAxpy(
        count: Int, alpha: Double, x: UnsafePointer<Double>, incX: Int, y: UnsafeMutablePointer<Double>, incY: Int
    ) {
        cblas_daxpy(blasInt(count), alpha, x, blasInt(incX), y, blasInt(incY))
    }

    public static func blasDot(
        count: Int, x: UnsafePointer<Double>, incX: Int, y: UnsafePointer<Double>, incY: Int
    ) -> Double {
        cblas_ddot(blasInt(count), x, blasInt(incX), y, blasInt(incY))
    }

    public static func blasScal(count: Int, alpha: Double, x: UnsafeMutablePointer<Double>, incX: Int) {
        cblas_dscal(blasInt(count), alpha, x, blasInt(incX))
    }
}

/// OpenBLAS's worker-thread count, process-wide.
///
/// OpenBLAS starts one worker thread per core at load time unless told otherwise
/// (`OPENBLAS_NUM_THREADS`, or `set(_:)`). Steno's default is 1 thread: a streaming
/// recognizer runs many small products per frame, where thread hand-off costs more than
/// it saves, and several recognizers may share the machine. StenoNN never changes the
/// count on its own; the caller (the `steno` command line) decides and calls `set(_:)`
/// once at start-up, before any matrix work, since the setting is global.
public enum BLASThreads {
    /// Sets the number of threads OpenBLAS uses for each call; `count` must be at least 1.
    public static func set(_ count: Int) {
        precondition(count >= 1, "BLASThreads.set: thread count must be at least 1, got \(count)")
        openblas_set_num_threads(blasInt(count))
    }

    /// The number of threads OpenBLAS currently uses for each call.
    public static var current: Int {
        Int(openblas_get_num_threads())
    }
}

/// Which compute kernel OpenBLAS chose for this CPU.
///
/// OpenBLAS picks its kernels from the CPU model when it loads. On CPUs it does not know (some
/// virtual machines report a generic model) it falls back to `Prescott`, an SSE3 kernel that runs
/// the LSTM products about three times slower than the AVX-512 one. ``suggestedCoreType`` names a
/// better kernel when the CPU's feature flags allow one; it only takes effect through the
/// `OPENBLAS_CORETYPE` environment variable, read when the library loads (the CLI sets it and
/// restarts itself; a program embedding Steno sets it before it starts).
public enum BLASKernel {
    /// The kernel in use, e.g. `SkylakeX`, `Haswell` or `Prescott`.
    public static var name: String {
        openblas_get_corename().map { String(cString: $0) } ?? "unknown"
    }

    /// A faster kernel than ``name`` that this CPU supports, or nil when the choice is already good
    /// (or `OPENBLAS_CORETYPE` is set: the user's choice stands).
    public static var suggestedCoreType: String? {
        suggestion(kernel: name, cpuFlags: cpuFlags(), coreTypeSetting: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"])
    }

    /// The rule behind ``suggestedCoreType``: a generic `kernel` on a CPU with AVX-512 becomes
    /// `SkylakeX`, with AVX2 and FMA `Haswell`; a specific kernel, or any `coreTypeSetting`, stays.
    static func suggestion(kernel: String, cpuFlags flags: Set<String>, coreTypeSetting: String?) -> String? {
        guard coreTypeSetting == nil else { return nil }
        let generic: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine", "northwood", "banias", "unknown"]
        guard generic.contains(kernel.lowercased()) else { return nil }
        if ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].allSatisfy(flags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(flags.contains) { return "Haswell" }
        return nil
    }

    /// For a program's `main`: when ``suggestedCoreType`` names a better kernel, sets
    /// `OPENBLAS_CORETYPE` to it and starts the program again in place (same arguments, same open
    /// files, standard input included). Does nothing otherwise, or when the restart fails.
    public static func restartWithSuggestedCoreType() {
        guard let core = suggestedCoreType else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure: carry on with the kernel we have.
    }

    /// The CPU feature flags Linux reports in /proc/cpuinfo (empty elsewhere).
    private static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
}

// MARK: - Implementation details

/// Converts a size or stride to CBLAS's 32-bit `blasint`, trapping with a clear message
/// rather than silently wrapping.
private func blasInt(_ value: Int) -> Int32 {
    precondition(
        value >= Int(Int32.min) && value <= Int(Int32.max),
        "BLAS: size or stride \(value) does not fit OpenBLAS's 32-bit index")
    return Int32(value)
}

private func cblasTranspose(_ transpose: Bool) -> CBLAS_TRANSPOSE {
    transpose ? CblasTrans : CblasNoTrans
}
