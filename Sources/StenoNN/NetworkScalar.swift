import Foundation

/// A scalar the network layers run on: BLAS products plus the elementwise functions of the
/// recurrent cells. `Float` is the fast path for training and inference; `Double` makes the
/// layers' gradients checkable by finite differences to 1e-6.
public protocol NetworkScalar: BLASScalar {
    /// eˣ. `Float` uses a vectorisable polynomial accurate to about 2 ulp; `Double` uses libm.
    static func exponential(_ x: Self) -> Self
    /// The natural logarithm.
    static func logarithm(_ x: Self) -> Self
    /// tanh x.
    static func hyperbolicTangent(_ x: Self) -> Self
}

extension Float: NetworkScalar {
    @inlinable @inline(__always)
    public static func exponential(_ x: Float) -> Float { fastExp(x) }
    @inlinable @inline(__always)
    public static func logarithm(_ x: Float) -> Float { Foundation.log(x) }
    /// tanh x as 1 − 2 / (e²ˣ + 1): exact at ±∞, absolute error about 1e-7 near 0.
    @inlinable @inline(__always)
    public static func hyperbolicTangent(_ x: Float) -> Float { 1 - 2 / (fastExp(2 * x) + 1) }
}

extension Double: NetworkScalar {
    @inlinable @inline(__always)
    public static func exponential(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable @inline(__always)
    public static func logarithm(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable @inline(__always)
    public static func hyperbolicTangent(_ x: Double) -> Double { Foundation.tanh(x) }
}

/// eˣ for `Float` without a libm call, so loops over it vectorise: x = n·ln2 + r with
/// |r| ≤ ln2/2, eʳ by a degree-6 polynomial, 2ⁿ from the exponent bits.
/// Inputs are clamped to [−87, 88], the range where the result is a normal float; NaN gives NaN.
@inlinable @inline(__always)
public func fastExp(_ value: Float) -> Float {
    // NaN goes through as 0 and is restored at the end: converting NaN to an integer would trap.
    let x = value.isNaN ? 0 : min(max(value, -87), 88)
    let n = (x * 1.442_695_04).rounded(.toNearestOrEven)
    // ln 2 split in two so n·ln2 is exact in float.
    let r = (x - n * 0.693_145_75) - n * 1.428_606_8e-06
    var p: Float = 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let result = p * Float(bitPattern: UInt32(bitPattern: (Int32(n) + 127) << 23))
    return value.isNaN ? value : result
}

extension NetworkScalar {
    /// The logistic function 1 / (1 + e⁻ˣ).
    @inlinable @inline(__always)
    static func sigmoid(_ x: Self) -> Self { 1 / (1 + exponential(-x)) }
}
