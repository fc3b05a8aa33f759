/// A trainable tensor: its values and the gradient accumulated for them, both row-major with `shape`.
///
/// A reference type, so a layer, the optimizer and the model file see the same storage.
public final class Parameter<Scalar: NetworkScalar> {
    /// A unique, stable name such as `layer1.forward.wInput`, used in model files.
    public let name: String
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// The values, `shape.reduce(1, *)` of them.
    public var values: [Scalar]
    /// ∂loss/∂values, accumulated by backward passes until ``zeroGradient()``.
    public var gradient: [Scalar]

    /// A parameter of `shape` filled with `values`.
    public init(name: String, shape: [Int], values: [Scalar]) {
        precondition(values.count == shape.reduce(1, *), "\(name): \(values.count) values for shape \(shape)")
        self.name = name
        self.shape = shape
        self.values = values
        self.gradient = [Scalar](repeating: 0, count: values.count)
    }

    /// A parameter of `shape` with values uniform in ±`bound`, drawn from `random`.
    public convenience init(name: String, shape: [Int], uniformBound bound: Double, random: inout SplitMix64) {
        let count = shape.reduce(1, *)
        // A plain loop: `map` over a range is not specialized here and took most of a model's load time.
        let values = [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count { buffer.initializeElement(at: index, to: Scalar((random.uniform() * 2 - 1) * bound)) }
            initialized = count
        }
        self.init(name: name, shape: shape, values: values)
    }

    /// Number of scalars.
    public var count: Int { values.count }

    /// Sets the gradient to zero.
    public func zeroGradient() {
        // Zero bytes are 0.0 in IEEE 754; a byte fill avoids an unspecialized per-element copy.
        gradient.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }
    }
}
