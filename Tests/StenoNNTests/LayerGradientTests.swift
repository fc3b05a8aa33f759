import Testing
@testable import StenoNN

// Central differences with step 1e-5 in Double err by O(step²) ≈ 1e-10 relative, far below the
// 1e-6 the acoustic-model issue asks for; a wrong term in a backward pass gives errors near 1.
let gradientTolerance = 1e-6

@Suite("Gradient checks in Double")
struct LayerGradientTests {
    @Test("Linear")
    func linear() {
        var random = SplitMix64(seed: 1)
        var numbers = TestNumbers(state: 2)
        let layer = Linear<Double>(inputSize: 5, outputSize: 4, name: "linear", random: &random)
        var x = numbers.array(3 * 5)
        let weights = numbers.array(3 * 4)
        _ = layer.forward(x, rows: 3)
        let dx = layer.backward(weights)
        let loss = { weightedSum(layer.forward(x, rows: 3), weights) }
        #expect(worstRelativeError(count: x.count, analytic: dx, value: { x[$0] }, set: { x[$0] = $1 }, loss: loss) <= gradientTolerance)
        let (name, error) = worstParameterError(layer.parameters, loss: loss)
        #expect(error <= gradientTolerance, "\(name): \(error)")
    }

    @Test("Recurrent layer: each cell, both directions, padded batch",
          arguments: RecurrentCellKind.allCases, [false, true])
    func recurrent(cell: RecurrentCellKind, reversed: Bool) {
        var random = SplitMix64(seed: 3)
        var numbers = TestNumbers(state: 4)
        let (steps, batch, inputSize, hidden) = (5, 3, 3, 4)
        let layer = RecurrentLayer<Double>(cell: cell, inputSize: inputSize, hiddenSize: hidden, reversed: reversed, name: "rnn", random: &random)
        // Sequence lengths 5, 3 and 1: masks cut the state at different frames.
        let lengths = [5, 3, 1]
        let mask = (0..<steps * batch).map { lengths[$0 % batch] > $0 / batch ? 1.0 : 0.0 }
        var x = numbers.array(steps * batch * inputSize)
        let weights = numbers.array(steps * batch * hidden)
        _ = layer.forward(x, mask: mask, steps: steps, batch: batch)
        let dx = layer.backward(weights)
        let loss = { weightedSum(layer.forward(x, mask: mask, steps: steps, batch: batch), weights) }
        let inputError = worstRelativeError(count: x.count, analytic: dx, value: { x[$0] }, set: { x[$0] = $1 }, loss: loss)
        #expect(inputError <= gradientTolerance)
        let (name, error) = worstParameterError(layer.parameters, loss: loss)
        #expect(error <= gradientTolerance, "\(name): \(error)")
    }

    @Test("Float32 training steps in the C kernels (batched recurrent products, LSTM cells; vectorized and portable) match the Double layer",
          arguments: RecurrentCellKind.allCases, [(false, false, 3), (true, false, 3), (false, true, 3), (true, true, 3), (true, false, 13), (false, true, 8)])
    func floatKernels(cell: RecurrentCellKind, setting: (vectorized: Bool, reversed: Bool, batch: Int)) {
        var random = SplitMix64(seed: 11)
        var numbers = TestNumbers(state: 12)
        // H = 20: two vector blocks of 8 and a tail of 4 for the cells; strips of 16 rows and a partial one
        // for the products. Batches of 3, 8 (two groups of 4) and 13 (5 + 4 + 4) rows for the products.
        let (steps, batch, inputSize, hidden) = (6, setting.batch, 5, 20)
        let reference = RecurrentLayer<Double>(cell: cell, inputSize: inputSize, hiddenSize: hidden, reversed: setting.reversed, name: "l", random: &random)
        let layer = RecurrentLayer<Float>(cell: cell, inputSize: inputSize, hiddenSize: hidden, reversed: setting.reversed, name: "l", random: &random)
        layer.vectorizedKernels = setting.vectorized
        for (target, source) in zip(layer.parameters, reference.parameters) {
            source.values = numbers.array(source.values.count, scale: 1.5)   // gates well away from 0
            target.values = source.values.map { Float($0) }
        }
        let lengths = (0..<batch).map { [6, 4, 1][$0 % 3] }
        let mask = (0..<steps * batch).map { lengths[$0 % batch] > $0 / batch ? 1.0 : 0.0 }
        let x = numbers.array(steps * batch * inputSize, scale: 2)
        let outputGradient = numbers.array(steps * batch * hidden)
        let expected = reference.forward(x, mask: mask, steps: steps, batch: batch)
        let output = layer.forward(x.map { Float($0) }, mask: mask.map { Float($0) }, steps: steps, batch: batch)
        let expectedInputGradient = reference.backward(outputGradient)
        let inputGradient = layer.backward(outputGradient.map { Float($0) })
        #expect(output.count == expected.count && worstScaledDifference(output, expected) < 1e-5)
        #expect(worstScaledDifference(inputGradient, expectedInputGradient) < 1e-5)
        for (parameter, referenceParameter) in zip(layer.parameters, reference.parameters) {
            #expect(worstScaledDifference(parameter.gradient, referenceParameter.gradient) < 1e-5, "\(parameter.name)")
        }
        // The padded frames give zero output, as in the Double layer.
        #expect(zip(output, expected).allSatisfy { ($1 == 0) == ($0 == 0) })
    }

    @Test("Bidirectional layer, whole sequences and latency-controlled chunks",
          arguments: [(Int?.none, 0), (2, 1), (3, 0), (1, 2)])
    func bidirectional(chunk: Int?, lookahead: Int) {
        var random = SplitMix64(seed: 5)
        var numbers = TestNumbers(state: 6)
        let (steps, batch, inputSize, hidden) = (7, 2, 3, 3)
        let layer = BidirectionalLayer<Double>(cell: .lstm, inputSize: inputSize, hiddenSize: hidden, chunk: chunk, lookahead: lookahead, name: "bi", random: &random)
        let lengths = [7, 4]
        let mask = (0..<steps * batch).map { lengths[$0 % batch] > $0 / batch ? 1.0 : 0.0 }
        var x = numbers.array(steps * batch * inputSize)
        let weights = numbers.array(steps * batch * 2 * hidden)
        _ = layer.forward(x, mask: mask, steps: steps, batch: batch)
        let dx = layer.backward(weights)
        // Skipping the input gradient (a network's first layer) leaves the parameters' gradients as they were.
        let parameterGradients = layer.parameters.map(\.gradient)
        for parameter in layer.parameters { parameter.zeroGradient() }
        #expect(layer.backward(weights, inputGradient: false).isEmpty)
        #expect(layer.parameters.map(\.gradient) == parameterGradients)
        let loss = { weightedSum(layer.forward(x, mask: mask, steps: steps, batch: batch), weights) }
        #expect(worstRelativeError(count: x.count, analytic: dx, value: { x[$0] }, set: { x[$0] = $1 }, loss: loss) <= gradientTolerance)
        let (name, error) = worstParameterError(layer.parameters, loss: loss)
        #expect(error <= gradientTolerance, "\(name): \(error)")
    }

    @Test("Whole network with stacking and dropout (a fixed mask)", arguments: RecurrentCellKind.allCases)
    func network(cell: RecurrentCellKind) {
        var numbers = TestNumbers(state: 7)
        let configuration = NetworkConfiguration(inputSize: 3, classes: 5, stacking: 2, cell: cell, layers: 2, hiddenSize: 3, chunk: 2, lookahead: 1, dropout: 0)
        let network = AcousticNetwork<Double>(configuration, seed: 8)
        let lengths = [6, 3]
        let sequences = lengths.map { numbers.array($0 * 3) }
        var batch = SequenceBatch(sequences: sequences, width: 3)
        let forward = network.forward(batch, training: false)
        #expect(forward.steps == 3 && forward.lengths == [3, 2])
        let weights = numbers.array(forward.logits.count)
        network.zeroGradients()
        network.backward(weights)
        let loss = { weightedSum(network.forward(batch, training: false).logits, weights) }
        let (name, error) = worstParameterError(network.parameters, loss: loss)
        #expect(error <= gradientTolerance, "\(name): \(error)")
        _ = batch.values.count
        batch.values[0] += 0
    }

    @Test("Whole network in training mode: dropout's backward pass uses the forward pass's mask")
    func networkWithDropout() {
        var numbers = TestNumbers(state: 9)
        let configuration = NetworkConfiguration(inputSize: 2, classes: 4, stacking: 1, cell: .lstm, layers: 2, hiddenSize: 3, chunk: nil, lookahead: 0, dropout: 0.4)
        let network = AcousticNetwork<Double>(configuration, seed: 10)
        let batch = SequenceBatch(sequences: [numbers.array(5 * 2), numbers.array(3 * 2)], width: 2)
        // Every forward pass draws the same masks when the generator restarts from the same state.
        let maskSeed = SplitMix64(seed: 11)
        network.dropoutRandom = maskSeed
        let forward = network.forward(batch, training: true)
        let weights = numbers.array(forward.logits.count)
        network.zeroGradients()
        network.backward(weights)
        let loss = { () -> Double in
            network.dropoutRandom = maskSeed
            return weightedSum(network.forward(batch, training: true).logits, weights)
        }
        let (name, error) = worstParameterError(network.parameters, loss: loss)
        #expect(error <= gradientTolerance, "\(name): \(error)")
        // And the masks do drop something: training and inference outputs differ.
        #expect(network.forward(batch, training: false).logits != forward.logits)
    }

    @Test("A tapped lower layer: an auxiliary loss on its output (after its dropout) reaches the layers below", arguments: [1, 2])
    func tappedLayer(tap: Int) {
        var numbers = TestNumbers(state: 12)
        let configuration = NetworkConfiguration(inputSize: 2, classes: 4, stacking: 2, cell: .lstm, layers: 3, hiddenSize: 3, chunk: 2, lookahead: 1, dropout: 0.3)
        let network = AcousticNetwork<Double>(configuration, seed: 13)
        let batch = SequenceBatch(sequences: [numbers.array(6 * 2), numbers.array(4 * 2)], width: 2)
        let maskSeed = SplitMix64(seed: 14)
        network.dropoutRandom = maskSeed
        let forward = network.forward(batch, training: true, tap: tap)
        #expect(forward.tapped.count == forward.steps * 2 * 2 * configuration.hiddenSize)
        let weights = numbers.array(forward.logits.count), tapWeights = numbers.array(forward.tapped.count)
        network.zeroGradients()
        network.backward(weights, tapGradient: tapWeights)
        let loss = { () -> Double in
            network.dropoutRandom = maskSeed
            let output = network.forward(batch, training: true, tap: tap)
            return weightedSum(output.logits, weights) + weightedSum(output.tapped, tapWeights)
        }
        let (name, error) = worstParameterError(network.parameters, loss: loss)
        #expect(error <= gradientTolerance, "\(name): \(error)")
        // Without the tap the tapped layer's gradient differs: the auxiliary term is really there.
        let withTap = network.recurrentLayers[0].parameters[0].gradient
        network.dropoutRandom = maskSeed
        _ = network.forward(batch, training: true)
        network.zeroGradients()
        network.backward(weights)
        #expect(network.recurrentLayers[0].parameters[0].gradient != withTap)
        #expect(network.forward(batch, training: false).tapped.isEmpty)
    }
}
