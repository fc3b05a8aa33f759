// The one file in StenoNN that knows Steno's bfloat16 product (CStenoKernels' StenoBFloat16.h).
import CStenoKernels

/// How a training pass computes its matrix products (inference always runs float32).
public enum MatrixPrecision: String, Codable, Sendable, CaseIterable {
    /// float32 operands: OpenBLAS, and Steno's strip kernel for the recurrent steps.
    case float32
    /// bfloat16 operands (rounded to nearest even as they are packed) with float32 sums and float32
    /// weights, gradients and optimizer: AVX512_BF16's `vdpbf16ps`, about twice float32's rate on a
    /// CPU that has it. Elsewhere a portable version computes the same sums, far more slowly.
    case bfloat16

    /// Whether this CPU runs bfloat16 products in hardware (AVX512_BF16).
    public static var bfloat16InHardware: Bool { steno_bf16_vectorized() != 0 }
}

/// 64-byte aligned scratch of bfloat16 values (as UInt16), grown on demand and reused.
private struct BFloat16Buffer {
    private(set) var pointer: UnsafeMutablePointer<UInt16>?
    private var capacity = 0

    mutating func reserve(_ count: Int) -> UnsafeMutablePointer<UInt16> {
        if count > capacity || pointer == nil {
            pointer?.deallocate()
            let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 2, alignment: 64)
            pointer = raw.bindMemory(to: UInt16.self, capacity: max(count, 1))
            capacity = count
        }
        return pointer!
    }

    func free() { pointer?.deallocate() }
}

/// bfloat16 products of float32 matrices, `c [m, n] (+)= op(a) [m, k] · op(b) [k, n]`, with the
/// packing memory kept between calls. `op(b)` may be packed once and used for many products (a
/// recurrent layer's weights at every step of a pass). Not thread-safe: one per layer direction.
final class BFloat16Products {
    private var packedA = BFloat16Buffer(), packedB = BFloat16Buffer()
    private var bShape: (k: Int, n: Int)?
    /// Runs the AVX512_BF16 kernels when the CPU has them and this is true (tests turn it off).
    var vectorized = MatrixPrecision.bfloat16InHardware

    deinit { packedA.free(); packedB.free() }

    /// Packs `op(b)` `[k, n]`: `b` row-major `[k, n]`, or `[n, k]` when `transposeB` (a weight matrix
    /// W `[n, k]` in x·Wᵀ). It stays packed for ``multiply(_:transposeA:into:m:accumulate:)``.
    func pack(_ b: UnsafePointer<Float>, transposeB: Bool, k: Int, n: Int) {
        let target = packedB.reserve(steno_bf16_b_count(Int32(k), Int32(n)))
        steno_bf16_pack_b(vectorized ? 1 : 0, b, Int32(transposeB ? k : n), transposeB ? 1 : 0, Int32(k), Int32(n), target)
        bShape = (k, n)
    }

    /// `c [m, n] = op(a) · op(b)` (or `+=` when `accumulate`) with the `op(b)` last packed; `a` is
    /// row-major `[m, k]`, or `[k, m]` when `transposeA`. c is dense, `n` values a row.
    func multiply(_ a: UnsafePointer<Float>, transposeA: Bool = false, into c: UnsafeMutablePointer<Float>, m: Int, accumulate: Bool) {
        guard let (k, n) = bShape else { preconditionFailure("BFloat16Products: multiply before pack") }
        guard m > 0, n > 0 else { return }
        let target = packedA.reserve(steno_bf16_a_count(Int32(m), Int32(k)))
        let flag: Int32 = vectorized ? 1 : 0
        steno_bf16_pack_a(flag, a, Int32(transposeA ? m : k), transposeA ? 1 : 0, Int32(m), Int32(k), target)
        steno_bf16_product(flag, target, transposeA ? 1 : 0, packedB.pointer!, Int32(m), Int32(n), Int32(k), c, Int32(n), accumulate ? 1 : 0)
    }

    /// `c [m, n] = op(a) · op(b)` (or `+=` when `accumulate`), packing both: `a` row-major `[m, k]`
    /// (`[k, m]` when `transposeA`), `b` row-major `[k, n]` (`[n, k]` when `transposeB`).
    func multiply(_ a: UnsafePointer<Float>, transposeA: Bool = false, _ b: UnsafePointer<Float>, transposeB: Bool,
                  into c: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int, accumulate: Bool) {
        guard m > 0, n > 0 else { return }
        pack(b, transposeB: transposeB, k: k, n: n)
        multiply(a, transposeA: transposeA, into: c, m: m, accumulate: accumulate)
    }
}
