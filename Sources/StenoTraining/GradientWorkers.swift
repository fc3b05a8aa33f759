import Foundation
import Steno

/// One utterance as the network learns from it: input frames `[frames, inputSize]` row-major
/// (normalized, augmented) and its label sequence.
public struct TrainingExample: Sendable {
    public var values: [Float]
    public var labels: [Int]
    /// Its phone classes, for the phone head; nil when there is none (no head, or no pronunciation).
    public var phoneLabels: [Int]?
    /// The utterance, for warnings.
    public var name: String

    public init(values: [Float], labels: [Int], phoneLabels: [Int]? = nil, name: String) {
        self.values = values
        self.labels = labels
        self.phoneLabels = phoneLabels
        self.name = name
    }
}

/// What one worker did with its share of a batch.
public struct ShareOutcome: Sendable {
    /// CTC loss of every example that could be scored (scaled as the batch asks).
    public var losses: [Double] = []
    /// Examples CTC could not score (output shorter than the labels need), with the reason.
    public var skipped: [(name: String, reason: CTC.Failure)] = []
    /// Phone CTC loss of every example the phone head scored (unweighted).
    public var phoneLosses: [Double] = []
    /// Input frames run.
    public var frames = 0
}

/// Data parallelism inside one process: a copy of the network per worker, each running forward,
/// CTC and backward on its share of a batch on its own thread (with single-threaded matrix
/// products), the gradients then summed in worker order into the first copy, which is the
/// network given (and the phone head given, if any). The caller's optimizer then steps on them as usual.
public final class GradientWorkers {
    /// The network the gradients are summed into (worker 0's).
    public let network: AcousticNetwork<Float>
    /// The phone head whose gradients are summed likewise, if training has one.
    public let phoneHead: PhoneHead?
    private var replicas: [AcousticNetwork<Float>]
    private var phoneHeads: [PhoneHead]

    /// `count` workers (at least 1) over `network` and `phoneHead`.
    public init(network: AcousticNetwork<Float>, phoneHead: PhoneHead? = nil, count: Int) {
        precondition(count >= 1, "GradientWorkers: at least one worker")
        self.network = network
        self.phoneHead = phoneHead
        replicas = [network] + (1..<count).map { _ in
            let replica = AcousticNetwork<Float>(network.configuration, seed: 0)
            replica.matrixPrecision = network.matrixPrecision
            return replica
        }
        phoneHeads = phoneHead.map { head in [head] + (1..<count).map { _ in head.replica() } } ?? []
    }

    /// The parameters gradients are summed into: the network's, then the phone head's.
    public var parameters: [Parameter<Float>] { Trainer.trained(network, phoneHead) }

    /// Workers.
    public var count: Int { replicas.count }

    /// Zeroes the gradients, runs every worker on the examples `share(worker)` makes (called on the
    /// worker's own thread, so example making runs in parallel too) with the CTC loss multiplied by
    /// `scale` (the phone head's by `scale` × its weight), and leaves the sum of their gradients,
    /// workers in order, in ``parameters``. `dropoutSeed(worker)` seeds each worker's dropout masks.
    public func accumulate(scale: Double, dropoutSeed: (Int) -> UInt64, share: (Int) -> [TrainingExample]) -> [ShareOutcome] {
        let parameters = self.parameters
        let copies = replicas.indices.map { Trainer.trained(replicas[$0], phoneHeads.isEmpty ? nil : phoneHeads[$0]) }
        for replica in copies.dropFirst() {
            for (source, target) in zip(parameters, replica) { target.values = source.values }
        }
        let inputSize = network.configuration.inputSize, classes = network.configuration.classes
        var outcomes = [ShareOutcome](repeating: ShareOutcome(), count: replicas.count)
        outcomes.withUnsafeMutableBufferPointer { slots in
            runWorkers(replicas.count) { worker in
                let replica = replicas[worker], head = phoneHeads.isEmpty ? nil : phoneHeads[worker]
                for parameter in copies[worker] { parameter.zeroGradient() }
                let examples = share(worker)
                guard !examples.isEmpty else { return }
                replica.dropoutRandom = SplitMix64(seed: dropoutSeed(worker))
                var outcome = ShareOutcome()
                outcome.frames = examples.reduce(0) { $0 + $1.values.count / inputSize }
                let batch = SequenceBatch(sequences: examples.map(\.values), width: inputSize)
                let output = replica.forward(batch, training: true, tap: head?.options.layer)
                let loss = CTC.batchLoss(logits: output.logits, steps: output.steps, lengths: output.lengths, classes: classes,
                                         targets: examples.map(\.labels), scale: scale, threads: 1)
                outcome.skipped = loss.skipped.map { (examples[$0.0].name, $0.1) }
                outcome.losses = loss.losses.compactMap { $0 }
                var tapGradient: [Float]?
                if let head {
                    let phone = Self.phoneLoss(head, tapped: output.tapped, steps: output.steps, lengths: output.lengths, examples: examples, scale: scale)
                    outcome.phoneLosses = phone.losses
                    tapGradient = phone.tapGradient
                }
                if !outcome.losses.isEmpty || !outcome.phoneLosses.isEmpty { replica.backward(loss.gradient, tapGradient: tapGradient) }
                slots[worker] = outcome
            }
        }
        for replica in copies.dropFirst() {
            for (target, source) in zip(parameters, replica) {
                target.gradient.withUnsafeMutableBufferPointer { t in
                    source.gradient.withUnsafeBufferPointer { s in for i in t.indices { t[i] += s[i] } }
                }
            }
        }
        return outcomes
    }

    /// The phone head's CTC loss on the tapped layer output `[steps·B, 2H]`: each scored example's
    /// loss (unweighted) and ∂(weight · scale · Σ losses)/∂tapped, adding to the head's gradients.
    /// Examples without phone labels contribute nothing.
    private static func phoneLoss(_ head: PhoneHead, tapped: [Float], steps: Int, lengths: [Int], examples: [TrainingExample],
                                  scale: Double) -> (losses: [Double], tapGradient: [Float]) {
        let batch = examples.count, classes = head.classes
        let logits = head.linear.forward(tapped, rows: steps * batch)
        let result = CTC.batchLoss(logits: logits, steps: steps, lengths: lengths, classes: classes,
                                   targets: examples.map { $0.phoneLabels ?? [] }, scale: scale * head.options.weight, threads: 1)
        var gradient = result.gradient, losses: [Double] = []
        for b in 0..<batch {
            if examples[b].phoneLabels != nil, let loss = result.losses[b] {
                losses.append(loss)
            } else {
                for t in 0..<steps { for k in 0..<classes { gradient[(t * batch + b) * classes + k] = 0 } }
            }
        }
        return (losses, head.linear.backward(gradient))
    }
}
