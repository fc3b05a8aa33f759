import Foundation
import Steno

/// Batch-1 inference speed of the acoustic models over one 60 s utterance (2 000 stacked frames),
/// one thread, forward only: the 3 × 256 BiLSTM of the first default model (whole utterances and
/// latency-controlled) and the 4 × 256 of the second. `tools/pytorch_network_bench.py --inference`
/// runs this and PyTorch's twin side by side.
func runInferenceBenchmark(repeats: Int) {
    BLASThreads.set(1)
    print("Steno inference benchmark: 60 s, batch 1, one thread, median of \(repeats) runs after one warm-up")
    for (name, configuration) in benchmarkConfigurations {
        let network = AcousticNetwork<Float>(configuration, seed: 1)
        var random = SplitMix64(seed: 7)
        let minute = SequenceBatch(sequences: [(0..<6_000 * 80).map { _ in Float(random.normal()) }], width: 80)
        let reference = medianSeconds(repeats: repeats) { _ = network.infer(minute) }
        print(String(format: "%@, reference (training code): %.3f s", name, reference))
        for precision in WeightPrecision.allCases {
            let fast = InferenceNetwork(network, precision: precision)
            _ = fast.logits(minute.values)
            let seconds = medianSeconds(repeats: repeats) { _ = fast.logits(minute.values) }
            print(String(format: "%@, %@: inference on 60 s, batch 1: %.3f s, %.0f× real time, %.1f GFLOP/s",
                         name, precision.rawValue, seconds, 60 / seconds, configuration.flopsPerFrame * 2_000 / seconds / 1e9))
        }
    }
}

/// The forward pass of `model` (or the bundled one) over the features of a whole recording, in
/// float32 and int8: what `steno transcribe --no-lm` of the same file should take, plus decoding,
/// features and audio.
func runFileInferenceBenchmark(modelPath: String?, audioPath: String, repeats: Int) throws {
    BLASThreads.set(1)
    let model = try modelPath.map { try AcousticModel(contentsOf: $0) } ?? DefaultModel.load()
    let features = model.normalized(try Frontend(features: model.description.features).compute(.file(audioPath)))
    let seconds = Double(features.frameCount) * model.description.features.frame.frameShiftMs / 1000
    print(String(format: "%@: %.1f s of audio, %d feature frames", audioPath, seconds, features.frameCount))
    for precision in WeightPrecision.allCases {
        let network = InferenceNetwork(model.network, precision: precision)
        let wall = medianSeconds(repeats: repeats) { _ = network.logits(features.values) }
        print(String(format: "forward pass, %@: %.3f s (%.0f× real time)", precision.rawValue, wall, seconds / wall))
    }
}

/// The network shapes both benchmarks measure: 80 log-mel bins stacked by 3, 29 classes.
let benchmarkConfigurations: [(String, NetworkConfiguration)] = [
    ("BiLSTM 3×256 (whole utterances)", 3, nil, 0), ("BiLSTM 3×256, latency control 2 + 1", 3, 2, 1),
    ("BiLSTM 4×256, latency control 2 + 1", 4, 2, 1),
].map { name, layers, chunk, lookahead in
    (name, NetworkConfiguration(inputSize: 80, classes: 29, stacking: 3, cell: .lstm, layers: layers, hiddenSize: 256,
                                chunk: chunk, lookahead: lookahead, dropout: 0.1))
}
