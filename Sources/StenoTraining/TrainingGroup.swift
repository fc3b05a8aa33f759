import Dispatch

/// The processes that train one model together: this process alone, or the ranks of an MPI job.
///
/// Every rank runs the same loop on its share of every batch; sums make their results one.
public protocol TrainingGroup: AnyObject {
    /// This process's index, 0 ..< ``size``; rank 0 logs and writes files.
    var rank: Int { get }
    /// Processes in the group.
    var size: Int { get }
    /// Replaces `values` with their element-wise sum over every process, the same on all of them.
    func sum(_ values: inout [Float])
    /// Replaces `values` with their element-wise sum over every process, the same on all of them.
    func sum(_ values: inout [Double])
}

/// A group of one: training in this process only.
public final class SingleProcess: TrainingGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sum(_ values: inout [Float]) {}
    public func sum(_ values: inout [Double]) {}
}

/// `items` cut into `parts` contiguous shares whose sizes differ by at most one (earlier ones larger).
public func shares<T>(_ items: [T], parts: Int) -> [ArraySlice<T>] {
    let base = items.count / parts, extra = items.count % parts
    var start = 0
    return (0..<parts).map { part in
        let count = base + (part < extra ? 1 : 0)
        defer { start += count }
        return items[start..<start + count]
    }
}

/// Runs `body(i)` for i in 0 ..< `count` on `count` threads at once (inline when `count` is 1) and
/// returns when all have finished. The caller guarantees that the bodies touch disjoint state
/// (each worker its own network replica and result slot).
func runWorkers(_ count: Int, _ body: (Int) -> Void) {
    if count == 1 { return body(0) }
    withoutActuallyEscaping(body) { body in
        let shared = UncheckedSendable(value: body)
        DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
    }
}

private struct UncheckedSendable<Value>: @unchecked Sendable { let value: Value }
