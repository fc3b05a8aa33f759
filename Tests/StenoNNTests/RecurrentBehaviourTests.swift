import Foundation
import Testing
@testable import StenoNN

@Suite("Recurrent layers behave as defined")
struct RecurrentBehaviourTests {
    /// Output of `layer` for one sequence alone, `[T, width]`.
    func alone(_ layer: BidirectionalLayer<Double>, _ sequence: [Double], inputSize: Int) -> [Double] {
        let steps = sequence.count / inputSize
        return layer.forward(sequence, mask: [Double](repeating: 1, count: steps), steps: steps, batch: 1)
    }

    @Test("Each sequence of a padded batch gets the output it gets alone", arguments: [Int?.none, 2])
    func batchIndependence(chunk: Int?) {
        var random = SplitMix64(seed: 11)
        var numbers = TestNumbers(state: 12)
        let layer = BidirectionalLayer<Double>(cell: .lstm, inputSize: 2, hiddenSize: 3, chunk: chunk, lookahead: 1, name: "bi", random: &random)
        let sequences = [numbers.array(6 * 2), numbers.array(2 * 2), numbers.array(5 * 2)]
        let batch = SequenceBatch(sequences: sequences, width: 2)
        let together = layer.forward(batch.values, mask: batch.mask, steps: batch.steps, batch: batch.batch)
        for (b, sequence) in sequences.enumerated() {
            let single = alone(layer, sequence, inputSize: 2)
            for t in 0..<sequence.count / 2 {
                for k in 0..<6 {
                    #expect(abs(together[(t * 3 + b) * 6 + k] - single[t * 6 + k]) < 1e-12)
                }
            }
        }
    }

    @Test("Latency control: a frame's output ignores input beyond its chunk plus lookahead")
    func boundedFuture() {
        var random = SplitMix64(seed: 13)
        var numbers = TestNumbers(state: 14)
        let (chunk, lookahead) = (3, 2)
        let layer = BidirectionalLayer<Double>(cell: .gru, inputSize: 2, hiddenSize: 3, chunk: chunk, lookahead: lookahead, name: "bi", random: &random)
        let sequence = numbers.array(12 * 2)
        let reference = alone(layer, sequence, inputSize: 2)
        // Frames 0–2 form the first chunk: changing frames 5 and later must not change them.
        var changed = sequence
        for index in (5 * 2)..<changed.count { changed[index] = numbers.next() * 5 }
        let output = alone(layer, changed, inputSize: 2)
        for index in 0..<(3 * 6) { #expect(output[index] == reference[index]) }
        // …while changing frame 4 (inside the lookahead) must.
        var inLookahead = sequence
        inLookahead[4 * 2] += 1
        let moved = alone(layer, inLookahead, inputSize: 2)
        #expect((0..<(3 * 6)).contains { moved[$0] != reference[$0] })
    }

    @Test("Latency control equals running the backward direction on each window by hand")
    func chunkDefinition() {
        var random = SplitMix64(seed: 15)
        var numbers = TestNumbers(state: 16)
        let (chunk, lookahead, steps) = (4, 2, 10)
        let layer = BidirectionalLayer<Double>(cell: .lstm, inputSize: 2, hiddenSize: 2, chunk: chunk, lookahead: lookahead, name: "bi", random: &random)
        let sequence = numbers.array(steps * 2)
        let output = alone(layer, sequence, inputSize: 2)
        for start in stride(from: 0, to: steps, by: chunk) {
            let end = min(steps, start + chunk + lookahead)
            let window = Array(sequence[start * 2..<end * 2])
            let backward = layer.backwardDirection.forward(window, mask: [Double](repeating: 1, count: end - start), steps: end - start, batch: 1)
            for t in start..<min(steps, start + chunk) {
                for k in 0..<2 { #expect(abs(output[t * 4 + 2 + k] - backward[(t - start) * 2 + k]) < 1e-14) }
            }
        }
        // The forward direction carries its state over the whole sequence.
        let forward = layer.forwardDirection.forward(sequence, mask: [Double](repeating: 1, count: steps), steps: steps, batch: 1)
        for t in 0..<steps { for k in 0..<2 { #expect(output[t * 4 + k] == forward[t * 2 + k]) } }
    }

    @Test("A chunk as long as the sequence is the ordinary bidirectional layer")
    func wholeChunk() {
        var random1 = SplitMix64(seed: 17), random2 = SplitMix64(seed: 17)
        var numbers = TestNumbers(state: 18)
        let chunked = BidirectionalLayer<Double>(cell: .rnn, inputSize: 2, hiddenSize: 3, chunk: 8, lookahead: 0, name: "bi", random: &random1)
        let whole = BidirectionalLayer<Double>(cell: .rnn, inputSize: 2, hiddenSize: 3, chunk: nil, lookahead: 0, name: "bi", random: &random2)
        let sequence = numbers.array(8 * 2)
        #expect(alone(chunked, sequence, inputSize: 2) == alone(whole, sequence, inputSize: 2))
    }

    @Test("LSTM forget-gate bias starts at 1; initial weights stay within ±1/√H")
    func initialisation() {
        var random = SplitMix64(seed: 19)
        let layer = RecurrentLayer<Float>(cell: .lstm, inputSize: 10, hiddenSize: 16, reversed: false, name: "l", random: &random)
        #expect(layer.bInput.values[16..<32].allSatisfy { $0 == 1 })
        #expect(layer.bHidden.values[16..<32].allSatisfy { $0 == 0 })
        #expect(layer.wHidden.values.allSatisfy { abs($0) <= 0.25 })
        #expect(Set(layer.wInput.values).count > 100)
    }

    @Test("Frame stacking concatenates k frames and zero-pads the last stack")
    func stacking() {
        let batch = SequenceBatch<Double>(sequences: [[1, 2, 3, 4, 5], [6, 7]], width: 1)
        let stacked = batch.stacked(2)
        #expect(stacked.steps == 3 && stacked.width == 2 && stacked.lengths == [3, 1])
        // Time-major rows: (t0,b0) (t0,b1) (t1,b0) (t1,b1) (t2,b0) (t2,b1).
        #expect(stacked.values == [1, 2, 6, 7, 3, 4, 0, 0, 5, 0, 0, 0])
        #expect(stacked.mask == [1, 1, 1, 0, 1, 0])
    }

    @Test("Float's exponential, sigmoid and tanh track libm")
    func floatMath() {
        var worstExp: Float = 0, worstTanh: Float = 0
        // fastExp clamps to [−87, 88], where e^x is a normal float.
        for index in 0...16_000 {
            let x = Float(index - 8_000) / 100
            worstExp = max(worstExp, abs(fastExp(x) - Foundation.exp(x)) / Foundation.exp(x))
            worstTanh = max(worstTanh, abs(Float.hyperbolicTangent(x) - Foundation.tanh(x)))
        }
        // A few ulp: 1 ulp of Float is 1.2e-7 relative.
        #expect(worstExp < 5e-7)
        #expect(worstTanh < 3e-7)
        #expect(Float.sigmoid(-200) == 0 || Float.sigmoid(-200) < 1e-37)
        #expect(Float.sigmoid(200) == 1)
        #expect(fastExp(.nan).isNaN && Float.hyperbolicTangent(.nan).isNaN)
    }
}

@Suite("Adam and gradient utilities")
struct OptimizerTests {
    @Test("The first Adam step moves each weight by the learning rate against its gradient's sign")
    func firstStep() {
        let parameter = Parameter<Double>(name: "w", shape: [3], values: [1, 2, 3])
        parameter.gradient = [0.5, -4, 1e-3]
        let adam = Adam(parameters: [parameter])
        adam.update(learningRate: 0.1)
        // m̂ = g and v̂ = g² after bias correction, so the step is lr·g/(|g| + ε).
        for (value, expected) in zip(parameter.values, [0.9, 2.1, 2.9]) { #expect(abs(value - expected) < 1e-6) }
    }

    @Test("Two steps match the update rule computed by hand")
    func twoSteps() {
        let parameter = Parameter<Double>(name: "w", shape: [1], values: [0])
        let adam = Adam(parameters: [parameter], options: .init(beta1: 0.5, beta2: 0.75, epsilon: 0, weightDecay: 0))
        parameter.gradient = [2]
        adam.update(learningRate: 1)
        parameter.gradient = [1]
        adam.update(learningRate: 1)
        // Step 1: m = 1, v = 1, m̂ = 2, v̂ = 4, so w = −2/2 = −1.
        // Step 2: m = 0.5·1 + 0.5·1 = 1, v = 0.75·1 + 0.25·1 = 1, m̂ = 1/(1 − 0.25), v̂ = 1/(1 − 0.5625).
        let mHat = 1 / 0.75, vHat = 1 / (1 - 0.5625)
        #expect(abs(parameter.values[0] - (-1 - mHat / vHat.squareRoot())) < 1e-12)
    }

    @Test("Adam minimises a quadratic; weight decay shrinks weights without gradient")
    func converges() {
        let parameter = Parameter<Float>(name: "w", shape: [2], values: [5, -3])
        let adam = Adam(parameters: [parameter])
        for _ in 0..<2_000 {
            parameter.gradient = parameter.values.map { 2 * ($0 - 1) }
            adam.update(learningRate: 0.05)
        }
        #expect(parameter.values.allSatisfy { abs($0 - 1) < 1e-2 })
        let decaying = Parameter<Double>(name: "d", shape: [1], values: [1])
        let decayAdam = Adam(parameters: [decaying], options: .init(weightDecay: 0.1))
        decayAdam.update(learningRate: 0.5)
        #expect(abs(decaying.values[0] - 0.95) < 1e-12)
    }

    @Test("Gradient norm and scaling")
    func norms() {
        let a = Parameter<Double>(name: "a", shape: [2], values: [0, 0]), b = Parameter<Double>(name: "b", shape: [1], values: [0])
        a.gradient = [3, 0]
        b.gradient = [4]
        #expect(gradientNorm([a, b]) == 5)
        scaleGradients([a, b], by: 0.5)
        #expect(a.gradient == [1.5, 0] && b.gradient == [2])
    }
}
