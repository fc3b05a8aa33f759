import Foundation
import Steno

/// Training and inference speed of the acoustic model the acoustic-model issue names: 3 bidirectional
/// LSTM layers of 256 units per direction over 80 log-mel bins stacked by 3, 29 classes.
///
/// A training step is forward + CTC + backward + Adam on a batch of 32 utterances of 6–12 s.
/// "Model GFLOP/s" counts 3 × the forward pass's multiply-adds × 2 (the usual estimate of
/// forward + backward) over the real (unpadded) output frames, divided by the step's wall time.
func runNetworkBenchmark(threads: Int, repeats: Int) {
    BLASThreads.set(threads)
    print("Steno network benchmark: \(threads) OpenBLAS thread(s), CTC on \(threads) thread(s), median of \(repeats) steps after one warm-up")
    for (name, chunk, lookahead) in [("BiLSTM 3×256 (whole utterances)", Int?.none, 0), ("BiLSTM 3×256, latency control 2 + 1 frames (the default)", 2, 1)] {
        let configuration = NetworkConfiguration(inputSize: 80, classes: 29, stacking: 3, cell: .lstm, layers: 3, hiddenSize: 256,
                                                 chunk: chunk, lookahead: lookahead, dropout: 0.1)
        let network = AcousticNetwork<Float>(configuration, seed: 1)
        let optimizer = Adam(parameters: network.parameters)
        var random = SplitMix64(seed: 7)
        let lengths = (0..<32).map { _ in 600 + random.below(601) }
        let batch = SequenceBatch(sequences: lengths.map { n in (0..<n * 80).map { _ in Float(random.normal()) } }, width: 80)
        let targets = lengths.map { n in (0..<n / 8).map { _ in 1 + random.below(28) } }
        let outputFrames = lengths.map { ($0 + 2) / 3 }.reduce(0, +)
        let step = {
            let output = network.forward(batch, training: true)
            let loss = CTC.batchLoss(logits: output.logits, steps: output.steps, lengths: output.lengths, classes: 29,
                                     targets: targets, scale: 1.0 / 32, threads: threads)
            network.zeroGradients()
            network.backward(loss.gradient)
            optimizer.update(learningRate: 1e-4)
        }
        step()
        let wall = medianSeconds(repeats: repeats, step)
        let flops = 3 * configuration.flopsPerFrame * Double(outputFrames)
        print(String(format: "%@: training %.0f input frames/s (%.1f× real time), step %.2f s, model %.1f GFLOP/s",
                     name, Double(lengths.reduce(0, +)) / wall, Double(lengths.reduce(0, +)) / 100 / wall, wall, flops / wall / 1e9))

        // Inference: one 60 s utterance, forward only, batch 1.
        let minute = SequenceBatch(sequences: [(0..<6_000 * 80).map { _ in Float(random.normal()) }], width: 80)
        _ = network.forward(minute, training: false)
        let inference = medianSeconds(repeats: repeats) { _ = network.forward(minute, training: false) }
        print(String(format: "%@: inference on 60 s, batch 1: %.3f s, %.0f× real time, %.1f GFLOP/s",
                     name, inference, 60 / inference, configuration.flopsPerFrame * 2_000 / inference / 1e9))
    }
}
