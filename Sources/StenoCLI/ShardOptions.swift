import ArgumentParser
import Foundation
import StenoTraining

/// `--shard I/K`: take the I-th of K interleaved parts of the inputs (items I, I+K, I+2K, … counting
/// from 1), so K processes or machines share a batch job. Under a parallel launcher (mpirun,
/// mpiexec, srun) without `--shard`, each process takes its rank's part by itself.
struct ShardOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Take the I-th of K interleaved parts of the inputs (1 ≤ I ≤ K); under mpirun or srun each rank takes its own part by default.", valueName: "I/K"))
    var shard: String?

    func validate() throws { _ = try explicitShard() }

    /// The part named by `--shard`, as (index from 0, count).
    func explicitShard() throws -> (index: Int, count: Int)? {
        guard let shard else { return nil }
        let parts = shard.split(separator: "/").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let index = parts[0], let count = parts[1], count >= 1, (1...count).contains(index) else {
            throw ValidationError("--shard must be I/K with 1 ≤ I ≤ K, e.g. 2/4, got '\(shard)'")
        }
        return (index - 1, count)
    }

    /// The part this process takes: `--shard`, else the launcher's rank, else everything; and
    /// whether it came from the launcher (then the ranks can combine their results).
    func resolved() throws -> (index: Int, count: Int, fromLauncher: Bool) {
        if let explicit = try explicitShard() { return (explicit.index, explicit.count, false) }
        if let launch = LaunchEnvironment.current { return (launch.rank, launch.size, true) }
        return (0, 1, false)
    }

    /// The items of `items` in part `index` of `count`.
    static func part<T>(_ items: [T], index: Int, count: Int) -> [T] {
        stride(from: index, to: items.count, by: count).map { items[$0] }
    }
}

/// Files done, audio heard and time left, on standard error while a batch job runs, only when
/// standard error is a terminal (logs stay clean).
final class FileProgress: @unchecked Sendable {
    private let total: Int
    private let started = Date()
    private let lock = NSLock()
    private var done = 0, audioSeconds = 0.0
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastDrawn = Date.distantPast

    init(total: Int) { self.total = total }

    /// One more file finished, with `seconds` of audio (0 if it failed).
    func advance(seconds: Double) {
        guard isTerminal, total > 1 else { return }
        lock.withLock {
            done += 1
            audioSeconds += seconds
            guard done == total || Date().timeIntervalSince(lastDrawn) > 0.2 else { return }
            lastDrawn = Date()
            let elapsed = Date().timeIntervalSince(started)
            let left = Int((elapsed / Double(done) * Double(total - done)).rounded())
            let line = String(format: "\r%d/%d files, %.2f h of audio, ETA %d:%02d\u{1B}[K", done, total, audioSeconds / 3600, left / 60, left % 60)
            FileHandle.standardError.write(Data(line.utf8))
            if done == total { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        }
    }
}
