import Foundation
import Steno
import Testing

/// `mpirun` on the PATH, or nil.
let mpirunPath: String? = {
    for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
        let candidate = "\(folder)/mpirun"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}()

@Suite("Training over MPI")
struct MPITrainingTests {
    func arguments(_ manifest: String, _ scratch: Scratch, _ name: String, epochs: Int, workers: Int) -> [String] {
        ["train", "--train", manifest, "--valid", manifest, "--output", scratch.file("\(name).steno"), "--checkpoint", scratch.file("\(name).checkpoint"),
         "--layers", "1", "--hidden", "16", "--stacking", "4", "--batch-size", "4", "--epochs", "\(epochs)", "--dropout", "0",
         "--warmup", "0", "--learning-rate", "3e-3", "--seed", "7", "--workers", "\(workers)"]
    }

    /// Largest relative difference between the weight tensors of two model files.
    func difference(_ a: String, _ b: String) throws -> Double {
        let (x, y) = (try AcousticModel(contentsOf: a), try AcousticModel(contentsOf: b))
        var worst = 0.0
        for (p, q) in zip(x.network.parameters, y.network.parameters) {
            let d = zip(p.values, q.values).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
            let n = p.values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            worst = max(worst, d / max(n, 1e-12))
        }
        return worst
    }

    @Test("Two MPI ranks of one worker train the model of one process with two workers; a run resumed under MPI continues it",
          .enabled(if: mpirunPath != nil, "mpirun is not installed (Debian: openmpi-bin)"))
    func ranksMatchWorkers() throws {
        let scratch = Scratch()
        let manifest = scratch.file("four.tsv")
        try ["hello.wav\thello world this is steno", "digits.wav\tone two three four five", "weather.wav\tthe weather is cold and windy today",
             "station.wav\twhere is the train station"].map { "\(samplesFolder)/\($0)\n" }.joined()
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let mpirun = [mpirunPath!, "--allow-run-as-root", "--oversubscribe", "-np", "2", stenoBinary.path]

        let local = try steno(arguments(manifest, scratch, "local", epochs: 2, workers: 2))
        #expect(local.status == 0, "\(local.stderr.suffix(1_000))")
        let ranks = try steno(Array(mpirun.dropFirst()) + arguments(manifest, scratch, "ranks", epochs: 1, workers: 1), executable: URL(fileURLWithPath: mpirun[0]))
        #expect(ranks.status == 0, "\(ranks.stderr.suffix(2_000))")
        // Rank 0 alone speaks: one "best epoch" line, not two.
        #expect(ranks.stdout.components(separatedBy: "best epoch").count == 2, "\(ranks.stdout)")
        // Extend the one-epoch MPI run to two epochs, still under MPI.
        var resume = arguments(manifest, scratch, "ranks", epochs: 2, workers: 1)
        resume += ["--resume", scratch.file("ranks.checkpoint")]
        let resumed = try steno(Array(mpirun.dropFirst()) + resume, executable: URL(fileURLWithPath: mpirun[0]))
        #expect(resumed.status == 0, "\(resumed.stderr.suffix(2_000))")
        let state = try #require(try ModelContainer(contentsOf: scratch.file("ranks.checkpoint")).decodeMetadata(CheckpointProbe.self).training)
        #expect(state.step == 2 && state.history.count == 2)
        // The checkpoints hold the latest weights of each run: equal within float summation order.
        #expect(try difference(scratch.file("local.checkpoint"), scratch.file("ranks.checkpoint")) <= 1e-5)
    }
}

/// Just enough of a checkpoint's header to count its updates and epochs.
private struct CheckpointProbe: Decodable {
    struct Training: Decodable {
        var step: Int
        var history: [History]
    }
    struct History: Decodable { var epoch: Int }
    var training: Training?
}
