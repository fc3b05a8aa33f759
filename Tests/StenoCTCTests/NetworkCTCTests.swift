import Testing
import StenoNN
@testable import StenoCTC

@Suite("Network + CTC end to end")
struct NetworkCTCTests {
    @Test("The CTC loss of a whole network passes a gradient check in Double", arguments: [RecurrentCellKind.lstm, .gru])
    func wholeNetworkGradient(cell: RecurrentCellKind) {
        var numbers = TestRandom(state: 21)
        let configuration = NetworkConfiguration(inputSize: 3, classes: 4, stacking: 2, cell: cell, layers: 2, hiddenSize: 3, chunk: 2, lookahead: 1, dropout: 0)
        let network = AcousticNetwork<Double>(configuration, seed: 22)
        let batch = SequenceBatch(sequences: [numbers.logits(10 * 3, scale: 1), numbers.logits(7 * 3, scale: 1)], width: 3)
        let targets = [[1, 2, 2], [3]]
        func loss() -> (Double, [Double]) {
            let output = network.forward(batch, training: false)
            let result = CTC.batchLoss(logits: output.logits, steps: output.steps, lengths: output.lengths, classes: 4, targets: targets)
            return (result.losses.compactMap { $0 }.reduce(0, +), result.gradient)
        }
        network.zeroGradients()
        network.backward(loss().1)
        var worst = 0.0, worstName = ""
        for parameter in network.parameters {
            for index in 0..<parameter.count {
                let original = parameter.values[index], step = 1e-5
                parameter.values[index] = original + step
                let plus = loss().0
                parameter.values[index] = original - step
                let minus = loss().0
                parameter.values[index] = original
                let numeric = (plus - minus) / (2 * step), analytic = parameter.gradient[index]
                // Floored at 1e-4: see the layer gradient checks for why.
                let error = abs(numeric - analytic) / max(1e-4, abs(numeric) + abs(analytic))
                if error > worst { (worst, worstName) = (error, parameter.name) }
            }
        }
        #expect(worst <= 1e-6, "\(worstName): \(worst)")
    }

    @Test("Batch loss equals the per-sequence losses, skips infeasible sequences, scales the gradient")
    func batchLoss() throws {
        var numbers = TestRandom(state: 23)
        let (steps, classes) = (6, 4)
        let lengths = [6, 4, 2]
        let logits = numbers.logits(steps * 3 * classes)
        let targets = [[1, 2], [3, 3], [1, 2, 3]]   // the last needs 3 frames but has 2
        let result = CTC.batchLoss(logits: logits, steps: steps, lengths: lengths, classes: classes, targets: targets, scale: 0.5, threads: 2)
        #expect(result.skipped.count == 1 && result.skipped[0].index == 2)
        #expect(result.losses[2] == nil)
        for b in 0..<2 {
            var sequence: [Double] = []
            for t in 0..<lengths[b] {
                let row = (t * 3 + b) * classes
                sequence += logits[row..<row + classes]
            }
            let alone = try ctc(sequence, frames: lengths[b], classes: classes, targets: targets[b])
            #expect(abs(result.losses[b]! - alone.loss) < 1e-12)
            for t in 0..<lengths[b] {
                for k in 0..<classes {
                    let batched: Double = result.gradient[(t * 3 + b) * classes + k]
                    let single: Double = alone.gradient[t * classes + k]
                    #expect(abs(batched - 0.5 * single) < 1e-12)
                }
            }
        }
        // Padded frames and the skipped sequence get no gradient.
        var unused: [Int] = []
        for t in 0..<steps { for k in 0..<classes { unused.append((t * 3 + 2) * classes + k) } }
        for t in 4..<steps { for k in 0..<classes { unused.append((t * 3 + 1) * classes + k) } }
        #expect(unused.allSatisfy { result.gradient[$0] == 0 })
    }

    @Test("Greedy decoding merges repeats and drops blanks")
    func greedy() {
        // Arg-max per frame: 1 1 0 1 2 2 0 0 3
        let path = [1, 1, 0, 1, 2, 2, 0, 0, 3]
        var scores = [Double](repeating: 0, count: path.count * 4)
        for (t, k) in path.enumerated() { scores[t * 4 + k] = 5 }
        let decoded = scores.withUnsafeBufferPointer { GreedyDecoder.decode($0, frames: path.count, classes: 4) }
        #expect(decoded.labels == [1, 1, 2, 3])
        #expect(decoded.frames == [0, 3, 4, 8])
    }
}
