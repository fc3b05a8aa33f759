/// A fully connected layer y = x·Wᵀ + b over rows: input `[N, I]`, output `[N, O]`;
/// weight `[O, I]`, bias `[O]`.
public final class Linear<Scalar: NetworkScalar> {
    public let inputSize: Int, outputSize: Int
    public let weight: Parameter<Scalar>, bias: Parameter<Scalar>
    private var input: [Scalar] = []          // [N, I] from the last forward pass, kept by reference
    private var rows = 0

    /// A layer with weights uniform in ±1/√I (PyTorch's initialisation).
    public init(inputSize: Int, outputSize: Int, name: String, random: inout SplitMix64) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        let bound = 1 / Double(inputSize).squareRoot()
        weight = Parameter(name: name + ".weight", shape: [outputSize, inputSize], uniformBound: bound, random: &random)
        bias = Parameter(name: name + ".bias", shape: [outputSize], uniformBound: bound, random: &random)
    }

    /// The layer's parameters.
    public var parameters: [Parameter<Scalar>] { [weight, bias] }

    /// Training: `[rows, O]` from `x` `[rows, I]`, keeping `x` for ``backward(_:)``.
    public func forward(_ x: [Scalar], rows: Int) -> [Scalar] {
        self.rows = rows
        input = x
        return infer(x, rows: rows)
    }

    /// Inference: `[rows, O]` from `x` `[rows, I]`, reading the weights only.
    public func infer(_ x: [Scalar], rows: Int) -> [Scalar] {
        precondition(x.count == rows * inputSize, "Linear: input has \(x.count) values, expected \(rows) × \(inputSize)")
        var y = [Scalar](repeating: 0, count: rows * outputSize)
        y.withUnsafeMutableBufferPointer { out in
            bias.values.withUnsafeBufferPointer { broadcastRows($0.baseAddress!, into: out.baseAddress!, rows: rows, columns: outputSize) }
            x.withUnsafeBufferPointer { input in
                weight.values.withUnsafeBufferPointer { product(input.baseAddress!, $0.baseAddress!, transposeB: true, into: out.baseAddress!, m: rows, n: outputSize, k: inputSize, accumulate: true) }
            }
        }
        return y
    }

    /// Adds to the parameters' gradients from `dy` `[rows, O]`; returns ∂loss/∂x `[rows, I]`.
    public func backward(_ dy: [Scalar]) -> [Scalar] {
        precondition(dy.count == rows * outputSize, "Linear.backward: gradient has the wrong size")
        var dx = [Scalar](repeating: 0, count: rows * inputSize)
        dy.withUnsafeBufferPointer { d in
            input.withUnsafeBufferPointer { x in
                weight.gradient.withUnsafeMutableBufferPointer { transposedProduct(d.baseAddress!, x.baseAddress!, into: $0.baseAddress!, m: outputSize, n: inputSize, k: rows) }
            }
            bias.gradient.withUnsafeMutableBufferPointer { accumulateColumnSums(d.baseAddress!, rows: rows, columns: outputSize, into: $0.baseAddress!) }
            weight.values.withUnsafeBufferPointer { w in
                dx.withUnsafeMutableBufferPointer { product(d.baseAddress!, w.baseAddress!, transposeB: false, into: $0.baseAddress!, m: rows, n: inputSize, k: outputSize) }
            }
        }
        return dx
    }
}
