import StenoNN

/// Fixed random numbers for test inputs (independent of the library's generator).
struct TestNumbers {
    var state: UInt64
    mutating func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53) * 2 - 1
    }
    mutating func array(_ count: Int, scale: Double = 1) -> [Double] { (0..<count).map { _ in next() * scale } }
}

/// The largest relative difference between `analytic` and central finite differences of `loss`
/// as each of `count` values is moved by ±step through `set`.
///
/// Relative to |numeric| + |analytic|, floored at 1e-4: rounding in the loss (~1e-16 of it, divided
/// by 2·step) leaves about 1e-11 of absolute noise in a numeric derivative, so derivatives that are
/// both near zero are compared absolutely, to 1e-10.
func worstRelativeError(count: Int, analytic: [Double], step: Double = 1e-5,
                        value: (Int) -> Double, set: (Int, Double) -> Void, loss: () -> Double) -> Double {
    var worst = 0.0
    for index in 0..<count {
        let original = value(index)
        set(index, original + step)
        let plus = loss()
        set(index, original - step)
        let minus = loss()
        set(index, original)
        let numeric = (plus - minus) / (2 * step)
        worst = max(worst, abs(numeric - analytic[index]) / max(1e-4, abs(numeric) + abs(analytic[index])))
    }
    return worst
}

/// Checks every parameter's accumulated gradient against finite differences of `loss`.
func worstParameterError(_ parameters: [Parameter<Double>], loss: () -> Double) -> (name: String, error: Double) {
    var worst = ("", 0.0)
    for parameter in parameters {
        let error = worstRelativeError(
            count: parameter.count, analytic: parameter.gradient,
            value: { parameter.values[$0] }, set: { parameter.values[$0] = $1 }, loss: loss)
        if error > worst.1 { worst = (parameter.name, error) }
    }
    return worst
}

/// Σ weights·values: a loss whose gradient with respect to `values` is `weights`.
func weightedSum(_ values: [Double], _ weights: [Double]) -> Double {
    zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 }
}

/// The largest difference between Float `values` and a Double `reference`, relative to the
/// reference's largest magnitude (floored at 1e-3): how far a Float layer strays from the Double one.
func worstScaledDifference(_ values: [Float], _ reference: [Double]) -> Double {
    let scale = max(reference.map(abs).max() ?? 0, 1e-3)
    return zip(values, reference).map { abs(Double($0) - $1) / scale }.max() ?? 0
}
