import Foundation
import Steno
import StenoTraining

/// Training and inference speed of the acoustic models: the 3 × 256 BiLSTM of the first default
/// model and the 4 × 256 of the second, over 80 log-mel bins stacked by 3, 29 classes.
///
/// A training step is forward + CTC + backward + Adam on a batch of 32 utterances of 6–12 s (or `batch`),
/// through ``GradientWorkers`` as `steno train` runs it: with 1 worker, then with one worker per
/// core (each with single-threaded BLAS), so the data-parallel speed-up is measured in one run.
/// "Model GFLOP/s" counts 3 × the forward pass's multiply-adds × 2 (the usual estimate of
/// forward + backward) over the real (unpadded) output frames, divided by the step's wall time.
/// On a CPU with AVX512_BF16 each step is timed again with bfloat16 products (``MatrixPrecision``).
/// `tools/pytorch_network_bench.py` runs this and PyTorch's twin of it side by side.
func runNetworkBenchmark(workers: Int, repeats: Int, batch: Int = 32) {
    BLASThreads.set(1)
    print("Steno network benchmark: training with 1 and \(workers) worker(s) of one BLAS thread each, batch \(batch), median of \(repeats) steps after one warm-up")
    let models: [(String, Int, Int?, Int)] = [("BiLSTM 3×256 (whole utterances)", 3, nil, 0), ("BiLSTM 3×256, latency control 2 + 1", 3, 2, 1),
                                               ("BiLSTM 4×256, latency control 2 + 1", 4, 2, 1)]
    for (name, layers, chunk, lookahead) in models {
        let configuration = NetworkConfiguration(inputSize: 80, classes: 29, stacking: 3, cell: .lstm, layers: layers, hiddenSize: 256,
                                                 chunk: chunk, lookahead: lookahead, dropout: 0.1)
        let network = AcousticNetwork<Float>(configuration, seed: 1)
        let optimizer = Adam(parameters: network.parameters)
        var random = SplitMix64(seed: 7)
        let lengths = (0..<batch).map { _ in 600 + random.below(601) }
        let examples = lengths.map { n in
            TrainingExample(values: (0..<n * 80).map { _ in Float(random.normal()) }, labels: (0..<n / 8).map { _ in 1 + random.below(28) }, name: "")
        }
        let outputFrames = lengths.map { ($0 + 2) / 3 }.reduce(0, +)
        let inputFrames = Double(lengths.reduce(0, +))
        // bfloat16 products (training only) where the CPU has AVX512_BF16.
        let precisions: [MatrixPrecision] = MatrixPrecision.bfloat16InHardware ? [.float32, .bfloat16] : [.float32]
        var rates: [MatrixPrecision: [Double]] = [:]
        for precision in precisions {
            network.matrixPrecision = precision
            for count in Set([1, workers]).sorted() {
                let pool = GradientWorkers(network: network, count: count)
                let parts = shares(examples, parts: count)
                let step = {
                    _ = pool.accumulate(scale: 1.0 / Double(batch), dropoutSeed: { UInt64($0) }, share: { Array(parts[$0]) })
                    optimizer.update(learningRate: 1e-4)
                }
                step()
                let wall = medianSeconds(repeats: repeats, step)
                let flops = 3 * configuration.flopsPerFrame * Double(outputFrames)
                rates[precision, default: []].append(inputFrames / wall)
                print(String(format: "%@, %d worker(s), %@ products: training %.0f input frames/s (%.1f× real time), step %.2f s, model %.1f GFLOP/s",
                             name, count, precision.rawValue, inputFrames / wall, inputFrames / 100 / wall, wall, flops / wall / 1e9))
            }
            if let pair = rates[precision], pair.count == 2 {
                print(String(format: "%@, %@: %d workers train %.2f× as fast as 1", name, precision.rawValue, workers, pair[1] / pair[0]))
            }
        }
        if let single = rates[.float32], let half = rates[.bfloat16] {
            print(String(format: "%@: bfloat16 products train %@× as fast as float32 (1 / %d workers)", name,
                         zip(half, single).map { String(format: "%.2f", $0 / $1) }.joined(separator: " / "), workers))
        }
        network.matrixPrecision = .float32

        // Inference: one 60 s utterance, forward only, batch 1, one thread.
        let minute = SequenceBatch(sequences: [(0..<6_000 * 80).map { _ in Float(random.normal()) }], width: 80)
        _ = network.infer(minute)
        let inference = medianSeconds(repeats: repeats) { _ = network.infer(minute) }
        print(String(format: "%@: inference on 60 s, batch 1: %.3f s, %.0f× real time, %.1f GFLOP/s",
                     name, inference, 60 / inference, configuration.flopsPerFrame * 2_000 / inference / 1e9))
    }
}
