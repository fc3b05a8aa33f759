import Testing
@testable import StenoNN

@Suite("Widening a trained network")
struct NetworkWideningTests {
    /// A network whose every weight is random (no zero forget-gate biases or other structure the
    /// widening could lean on), over a padded batch.
    private func scrambled(_ configuration: NetworkConfiguration, numbers: inout TestNumbers) -> AcousticNetwork<Double> {
        let network = AcousticNetwork<Double>(configuration, seed: 3)
        for parameter in network.parameters { parameter.values = numbers.array(parameter.count, scale: 0.8) }
        return network
    }

    @Test("The widened network computes the same logits, in every cell kind, with and without latency control",
          arguments: RecurrentCellKind.allCases, [Int?.none, 2])
    func sameLogits(cell: RecurrentCellKind, chunk: Int?) {
        var numbers = TestNumbers(state: 21)
        let configuration = NetworkConfiguration(inputSize: 4, classes: 6, stacking: 2, cell: cell, layers: 3, hiddenSize: 3,
                                                 chunk: chunk, lookahead: chunk == nil ? 0 : 1, dropout: 0)
        let network = scrambled(configuration, numbers: &numbers)
        let batch = SequenceBatch(sequences: [numbers.array(9 * 4), numbers.array(4 * 4)], width: 4)
        let wide = network.widened(to: 5, seed: 9)

        #expect(wide.configuration.hiddenSize == 5 && wide.configuration.layers == 3)
        #expect(wide.parameters.map(\.name) == network.parameters.map(\.name))
        #expect(wide.recurrentLayers[1].forwardDirection.wInput.shape == [cell.gateCount * 5, 10])
        #expect(wide.output.weight.shape == [6, 10])
        let before = network.infer(batch).logits, after = wide.infer(batch).logits
        #expect(before.count == after.count)
        let worst = zip(before, after).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-12, "largest logit difference \(worst)")
        // Not a copy of the old weights only: the added units have fresh, non-zero incoming weights.
        let added = wide.recurrentLayers[0].forwardDirection.wInput.values[3 * 4 ..< 5 * 4]
        #expect(added.contains { $0 != 0 })
    }

    @Test("The added units learn: their outgoing weights get gradients, so training moves them off zero")
    func addedUnitsTrain() {
        var numbers = TestNumbers(state: 22)
        let configuration = NetworkConfiguration(inputSize: 4, classes: 6, stacking: 1, cell: .lstm, layers: 2, hiddenSize: 3,
                                                 chunk: nil, lookahead: 0, dropout: 0)
        let wide = scrambled(configuration, numbers: &numbers).widened(to: 5, seed: 9)
        let batch = SequenceBatch(sequences: [numbers.array(6 * 4)], width: 4)
        let forward = wide.forward(batch, training: true)
        wide.zeroGradients()
        wide.backward(numbers.array(forward.logits.count))
        // Output columns of added forward units (3, 4) and added backward units (8, 9), every class.
        let gradient = wide.output.weight.gradient
        for column in [3, 4, 8, 9] {
            #expect((0..<6).contains { gradient[$0 * 10 + column] != 0 }, "no gradient for column \(column)")
        }
    }
}
