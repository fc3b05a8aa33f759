import Foundation
import StenoNN

extension CTC {
    /// The CTC loss of a time-major batch and its gradient.
    public struct BatchResult<Scalar: NetworkScalar> {
        /// Each sequence's loss in nats (NaN or infinite if its logits were); `nil` where the sequence was skipped.
        public var losses: [Double?]
        /// ∂(Σ losses · scale)/∂logits `[T·B, classes]`, zero for skipped sequences and padded frames.
        public var gradient: [Scalar]
        /// Why each skipped sequence was skipped, by batch index.
        public var skipped: [(index: Int, reason: Failure)]
    }

    /// CTC over a batch of logits `[steps·B, classes]` (frame t of sequence b at row t·B + b),
    /// sequence b having `lengths[b]` frames and labels `targets[b]`.
    /// Sequences whose targets cannot be aligned are skipped and reported, never turned into NaN.
    /// - Parameters:
    ///   - scale: multiplies the gradient (e.g. 1/B to average over the batch).
    ///   - threads: sequences are processed in parallel on up to this many threads.
    @_specialize(exported: true, where Scalar == Float)
    public static func batchLoss<Scalar: NetworkScalar>(
        logits: [Scalar], steps: Int, lengths: [Int], classes: Int, targets: [[Int]], blank: Int = 0,
        scale: Double = 1, threads: Int = 1
    ) -> BatchResult<Scalar> {
        let batch = lengths.count
        precondition(targets.count == batch && logits.count == steps * batch * classes, "CTC.batchLoss: inconsistent shapes")
        let results = UnsafeResults<Result<Scalar>, Failure>(count: batch)
        let work: @Sendable (Int) -> Void = { b in
            let frames = lengths[b]
            var sequence = [Scalar](repeating: 0, count: frames * classes)
            for t in 0..<frames {
                for k in 0..<classes { sequence[t * classes + k] = logits[(t * batch + b) * classes + k] }
            }
            do throws(Failure) {
                let result = try sequence.withUnsafeBufferPointer { buffer throws(Failure) in
                    try loss(logits: buffer, frames: frames, classes: classes, targets: targets[b], blank: blank)
                }
                results.set(b, .success(result))
            } catch {
                results.set(b, .failure(error))
            }
        }
        if threads > 1 && batch > 1 {
            DispatchQueue.concurrentPerform(iterations: batch, execute: work)
        } else {
            for b in 0..<batch { work(b) }
        }
        var gradient = [Scalar](repeating: 0, count: logits.count)
        var losses: [Double?] = []
        var skipped: [(Int, Failure)] = []
        for b in 0..<batch {
            switch results.get(b) {
            case .success(let result):
                // A non-finite loss (from non-finite logits) is passed on for the caller to reject.
                losses.append(result.loss)
                let factor = Scalar(scale)
                for t in 0..<lengths[b] {
                    for k in 0..<classes { gradient[(t * batch + b) * classes + k] = result.gradient[t * classes + k] * factor }
                }
            case .failure(let failure):
                losses.append(nil)
                skipped.append((b, failure))
            case nil:
                preconditionFailure("CTC.batchLoss: sequence \(b) was not computed")
            }
        }
        return BatchResult(losses: losses, gradient: gradient, skipped: skipped)
    }
}

/// Slots that parallel workers fill, each index written by exactly one worker.
private final class UnsafeResults<Success, Failure: Error>: @unchecked Sendable {
    private var slots: [Result<Success, Failure>?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: Result<Success, Failure>) { lock.withLock { slots[index] = value } }
    func get(_ index: Int) -> Result<Success, Failure>? { lock.withLock { slots[index] } }
}
