import Foundation
import Steno

/// One utterance as the network learns from it: input frames `[frames, inputSize]` row-major
/// (normalized, augmented) and its label sequence.
public struct TrainingExample: Sendable {
    public var values: [Float]
    public var labels: [Int]
    /// The utterance, for warnings.
    public var name: String

    public init(values: [Float], labels: [Int], name: String) {
        self.values = values
        self.labels = labels
        self.name = name
    }
}

/// What one worker did with its share of a batch.
public struct ShareOutcome: Sendable {
    /// CTC loss of every example that could be scored (scaled as the batch asks).
    public var losses: [Double] = []
    /// Examples CTC could not score (output shorter than the labels need), with the reason.
    public var skipped: [(name: String, reason: CTC.Failure)] = []
    /// Input frames run.
    public var frames = 0
}

/// Data parallelism inside one process: a copy of the network per worker, each running forward,
/// CTC and backward on its share of a batch on its own thread (with single-threaded matrix
/// products), the gradients then summed in worker order into the first copy, which is the
/// network given. The caller's optimizer then steps on that network as usual.
public final class GradientWorkers {
    /// The network the gradients are summed into (worker 0's).
    public let network: AcousticNetwork<Float>
    private var replicas: [AcousticNetwork<Float>]

    /// `count` workers (at least 1) over `network`.
    public init(network: AcousticNetwork<Float>, count: Int) {
        precondition(count >= 1, "GradientWorkers: at least one worker")
        self.network = network
        replicas = [network] + (1..<count).map { _ in AcousticNetwork<Float>(network.configuration, seed: 0) }
    }

    /// Workers.
    public var count: Int { replicas.count }

    /// Zeroes the gradients, runs every worker on the examples `share(worker)` makes (called on the
    /// worker's own thread, so example making runs in parallel too) with the CTC loss multiplied by
    /// `scale`, and leaves the sum of their gradients, workers in order, in ``network``.
    /// `dropoutSeed(worker)` seeds each worker's dropout masks.
    public func accumulate(scale: Double, dropoutSeed: (Int) -> UInt64, share: (Int) -> [TrainingExample]) -> [ShareOutcome] {
        let parameters = network.parameters
        for replica in replicas.dropFirst() {
            for (source, target) in zip(parameters, replica.parameters) { target.values = source.values }
        }
        let inputSize = network.configuration.inputSize, classes = network.configuration.classes
        var outcomes = [ShareOutcome](repeating: ShareOutcome(), count: replicas.count)
        outcomes.withUnsafeMutableBufferPointer { slots in
            runWorkers(replicas.count) { worker in
                let replica = replicas[worker]
                replica.zeroGradients()
                let examples = share(worker)
                guard !examples.isEmpty else { return }
                replica.dropoutRandom = SplitMix64(seed: dropoutSeed(worker))
                var outcome = ShareOutcome()
                outcome.frames = examples.reduce(0) { $0 + $1.values.count / inputSize }
                let batch = SequenceBatch(sequences: examples.map(\.values), width: inputSize)
                let output = replica.forward(batch, training: true)
                let loss = CTC.batchLoss(logits: output.logits, steps: output.steps, lengths: output.lengths, classes: classes,
                                         targets: examples.map(\.labels), scale: scale, threads: 1)
                outcome.skipped = loss.skipped.map { (examples[$0.0].name, $0.1) }
                outcome.losses = loss.losses.compactMap { $0 }
                if !outcome.losses.isEmpty { replica.backward(loss.gradient) }
                slots[worker] = outcome
            }
        }
        for replica in replicas.dropFirst() {
            for (target, source) in zip(parameters, replica.parameters) {
                target.gradient.withUnsafeMutableBufferPointer { t in
                    source.gradient.withUnsafeBufferPointer { s in for i in t.indices { t[i] += s[i] } }
                }
            }
        }
        return outcomes
    }
}
