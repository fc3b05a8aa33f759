import Testing
@testable import StenoNN

@Suite("Deepening a trained network")
struct NetworkDeepeningTests {
    /// A 2-layer LSTM network with random weights small enough that its layers' outputs stay mostly
    /// within ±0.5, where a pass-through layer is close to the identity.
    private func network(chunk: Int?, numbers: inout TestNumbers) -> AcousticNetwork<Double> {
        let configuration = NetworkConfiguration(inputSize: 4, classes: 6, stacking: 2, cell: .lstm, layers: 2, hiddenSize: 5,
                                                 chunk: chunk, lookahead: chunk == nil ? 0 : 1, dropout: 0)
        let network = AcousticNetwork<Double>(configuration, seed: 3)
        for parameter in network.parameters { parameter.values = numbers.array(parameter.count, scale: 0.6) }
        return network
    }

    @Test("Added layers pass their input through, in both directions, with and without latency control",
          arguments: [Int?.none, 2])
    func passThrough(chunk: Int?) {
        var numbers = TestNumbers(state: 31)
        let shallow = network(chunk: chunk, numbers: &numbers)
        let deep = shallow.deepened(by: 2)
        let batch = SequenceBatch(sequences: [numbers.array(11 * 4, scale: 2), numbers.array(6 * 4, scale: 2)], width: 4)

        #expect(deep.configuration.layers == 4 && deep.configuration.hiddenSize == 5)
        #expect(deep.recurrentLayers[3].backwardDirection.wInput.shape == [20, 10])
        for (old, new) in zip(shallow.recurrentLayers.flatMap(\.parameters) + shallow.output.parameters,
                              deep.recurrentLayers.prefix(2).flatMap(\.parameters) + deep.output.parameters) {
            #expect(old.values == new.values, "\(old.name) changed")
        }
        let below = deep.forward(batch, training: false, tap: 2).tapped
        let once = deep.forward(batch, training: false, tap: 3).tapped
        #expect(below.count == once.count && below.contains { abs($0) > 0.2 })
        // h ≈ σ(4)·tanh(σ(4)·tanh(1.2·x)) plus what the forget gate (σ(−4)) keeps of the previous step.
        var compared = 0
        for (x, h) in zip(below, once) where abs(x) <= 0.5 {
            #expect(abs(h - x) <= 0.05, "input \(x) came out as \(h)")
            compared += 1
        }
        #expect(compared > below.count / 2)
        for (x, h) in zip(below, once) { #expect(abs(h) <= abs(x) + 0.05 && (abs(x) < 0.05 || h.sign == x.sign), "input \(x) came out as \(h)") }
    }

    @Test("The deepened network's logits stay close to the shallow one's, and much closer than fresh layers' would")
    func logitsStayClose() {
        var numbers = TestNumbers(state: 32)
        let shallow = network(chunk: 2, numbers: &numbers)
        let batch = SequenceBatch(sequences: [numbers.array(9 * 4, scale: 2), numbers.array(14 * 4, scale: 2)], width: 4)
        let before = shallow.infer(batch).logits
        let meanDifference = { (after: [Double]) in zip(before, after).map { abs($0 - $1) }.reduce(0, +) / Double(before.count) }
        let deepened = meanDifference(shallow.deepened(by: 1).infer(batch).logits)

        // The same three layers with the third one fresh (PyTorch-style random weights).
        let fresh = AcousticNetwork<Double>(shallow.deepened(by: 1).configuration, seed: 8)
        for (from, to) in zip(shallow.recurrentLayers.flatMap(\.parameters) + shallow.output.parameters,
                              fresh.recurrentLayers.prefix(2).flatMap(\.parameters) + fresh.output.parameters) { to.values = from.values }
        let random = meanDifference(fresh.infer(batch).logits)
        let scale = before.map(abs).reduce(0, +) / Double(before.count)
        #expect(deepened < 0.1 * scale, "mean logit difference \(deepened), mean logit \(scale)")
        #expect(deepened < 0.2 * random, "pass-through \(deepened), fresh layer \(random)")
    }

    @Test("Training reaches every weight of an added layer, the ones that start at zero included")
    func addedLayerTrains() {
        var numbers = TestNumbers(state: 33)
        let deep = network(chunk: nil, numbers: &numbers).deepened(by: 1)
        let batch = SequenceBatch(sequences: [numbers.array(8 * 4, scale: 2)], width: 4)
        let forward = deep.forward(batch, training: true)
        deep.zeroGradients()
        deep.backward(numbers.array(forward.logits.count))
        let added = deep.recurrentLayers[2].forwardDirection
        let H = 5, inputs = 10
        for (gate, name) in ["i", "f", "g", "o"].enumerated() {
            let rows = (gate * H) ..< ((gate + 1) * H)
            #expect(rows.contains { row in (0..<inputs).contains { added.wInput.gradient[row * inputs + $0] != 0 } }, "no input gradient for gate \(name)")
            #expect(rows.contains { row in (0..<H).contains { added.wHidden.gradient[row * H + $0] != 0 } }, "no recurrent gradient for gate \(name)")
        }
    }
}
