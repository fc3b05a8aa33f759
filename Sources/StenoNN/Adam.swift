import Foundation

/// Adam (Kingma & Ba, 2015) with decoupled weight decay (AdamW; Loshchilov & Hutter, 2019).
///
/// Keeps first and second moment estimates for every parameter; ``update(learningRate:)`` applies
/// one step from the parameters' current gradients.
public final class Adam<Scalar: NetworkScalar> {
    /// Hyper-parameters.
    public struct Options: Codable, Sendable, Equatable {
        /// Decay of the first moment (mean of gradients).
        public var beta1 = 0.9
        /// Decay of the second moment (mean of squared gradients).
        public var beta2 = 0.999
        /// Added to the root of the second moment.
        public var epsilon = 1e-8
        /// Decoupled weight decay per step, as a fraction of the learning rate (0 = none).
        public var weightDecay = 0.0
        public init(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0) {
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
            self.weightDecay = weightDecay
        }
    }

    public let parameters: [Parameter<Scalar>]
    public let options: Options
    /// Updates applied so far.
    public private(set) var step = 0
    /// First moments, one array per parameter.
    public private(set) var firstMoments: [[Scalar]]
    /// Second moments, one array per parameter.
    public private(set) var secondMoments: [[Scalar]]

    /// An optimizer over `parameters` with zero moments.
    public init(parameters: [Parameter<Scalar>], options: Options = Options()) {
        self.parameters = parameters
        self.options = options
        firstMoments = parameters.map { [Scalar](repeating: 0, count: $0.count) }
        secondMoments = firstMoments
    }

    /// Restores a saved state (from a checkpoint).
    public func restore(step: Int, firstMoments: [[Scalar]], secondMoments: [[Scalar]]) {
        precondition(firstMoments.map(\.count) == parameters.map(\.count) && secondMoments.map(\.count) == parameters.map(\.count),
                     "Adam.restore: moment shapes do not match the parameters")
        self.step = step
        self.firstMoments = firstMoments
        self.secondMoments = secondMoments
    }

    /// One update from the current gradients at `learningRate`.
    @_specialize(exported: true, where Scalar == Float)
    public func update(learningRate: Double) {
        step += 1
        let b1 = Scalar(options.beta1), b2 = Scalar(options.beta2)
        let correction1 = 1 - pow(options.beta1, Double(step)), correction2 = 1 - pow(options.beta2, Double(step))
        let stepSize = Scalar(learningRate / correction1)
        let rootCorrection = Scalar(correction2.squareRoot())
        let epsilon = Scalar(options.epsilon), decay = Scalar(1 - learningRate * options.weightDecay)
        for (index, parameter) in parameters.enumerated() {
            parameter.values.withUnsafeMutableBufferPointer { w in
            parameter.gradient.withUnsafeBufferPointer { g in
            firstMoments[index].withUnsafeMutableBufferPointer { m in
            secondMoments[index].withUnsafeMutableBufferPointer { v in
                for i in 0..<w.count {
                    m[i] = b1 * m[i] + (1 - b1) * g[i]
                    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                    w[i] = w[i] * decay - stepSize * m[i] / ((v[i]).squareRoot() / rootCorrection + epsilon)
                }
            }}}}
        }
    }
}

/// The Euclidean norm of all gradients together (as Double, to avoid overflow).
@_specialize(exported: true, where Scalar == Float)
public func gradientNorm<Scalar: NetworkScalar>(_ parameters: [Parameter<Scalar>]) -> Double {
    var sum = 0.0
    for parameter in parameters {
        parameter.gradient.withUnsafeBufferPointer { g in
            var partial: Scalar = 0
            for value in g { partial += value * value }
            sum += Double(partial)
        }
    }
    return sum.squareRoot()
}

/// Multiplies every gradient by `factor` (gradient clipping, averaging).
@_specialize(exported: true, where Scalar == Float)
public func scaleGradients<Scalar: NetworkScalar>(_ parameters: [Parameter<Scalar>], by factor: Double) {
    let f = Scalar(factor)
    for parameter in parameters {
        parameter.gradient.withUnsafeMutableBufferPointer { g in for i in 0..<g.count { g[i] *= f } }
    }
}
