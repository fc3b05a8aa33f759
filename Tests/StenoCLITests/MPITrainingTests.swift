import Foundation
import Steno
import StenoTraining
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

@Suite("Sharded batch jobs")
struct ShardingTests {
    @Test("The launcher's rank and size come from Open MPI, PMI or Slurm variables; a job of one is no job")
    func launchEnvironment() {
        #expect(LaunchEnvironment.from(["OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "4"]) == LaunchEnvironment(rank: 1, size: 4))
        #expect(LaunchEnvironment.from(["PMI_RANK": "0", "PMI_SIZE": "2"]) == LaunchEnvironment(rank: 0, size: 2))
        #expect(LaunchEnvironment.from(["SLURM_PROCID": "3", "SLURM_NTASKS": "8"]) == LaunchEnvironment(rank: 3, size: 8))
        #expect(LaunchEnvironment.from(["OMPI_COMM_WORLD_RANK": "0", "OMPI_COMM_WORLD_SIZE": "1"]) == nil)
        #expect(LaunchEnvironment.from(["SLURM_PROCID": "9", "SLURM_NTASKS": "8"]) == nil)
        #expect(LaunchEnvironment.from([:]) == nil)
    }

    @Test("transcribe --shard I/K: the K parts are interleaved, disjoint and together every input; a bad shard is refused")
    func transcribeShards() throws {
        let files = ["hello.wav", "digits.wav", "weather.wav", "station.wav", "time.wav"].map { "\(samplesFolder)/\($0)" }
        var seen: [String] = []
        for index in 1...3 {
            let result = try steno(["transcribe", "--no-lm", "--shard", "\(index)/3"] + files)
            #expect(result.status == 0, "\(result.stderr)")
            let paths = result.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[0]) }
            #expect(paths == stride(from: index - 1, to: files.count, by: 3).map { files[$0] })
            seen += paths
        }
        #expect(seen.sorted() == files.sorted())
        let bad = try steno(["transcribe", "--shard", "4/3"] + files)
        #expect(bad.status == 64 && bad.stderr.contains("--shard must be I/K"), "\(bad.stderr)")
    }

    @Test("evaluate under mpirun: the ranks' parts make one report, the same as one process's",
          .enabled(if: mpirunPath != nil, "mpirun is not installed (Debian: openmpi-bin)"))
    func evaluateUnderMPI() throws {
        let scratch = Scratch()
        let manifest = scratch.file("m.tsv")
        try ["hello.wav\thello world this is steno", "digits.wav\tone two three four five", "weather.wav\tthe weather is cold and windy today",
             "station.wav\twhere is the train station", "time.wav\twhat time is it now"].map { "\(samplesFolder)/\($0)\n" }.joined()
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let one = try steno(["evaluate", "--manifest", manifest, "--no-lm", "--details", scratch.file("one.tsv")])
        #expect(one.status == 0, "\(one.stderr)")
        let two = try steno(["--allow-run-as-root", "--oversubscribe", "-np", "2", stenoBinary.path,
                             "evaluate", "--manifest", manifest, "--no-lm", "--details", scratch.file("two.tsv")], executable: URL(fileURLWithPath: mpirunPath!))
        #expect(two.status == 0, "\(two.stderr)")
        let summary = { (s: String) in s.split(separator: "\n").filter { $0.hasPrefix("WER") || $0.hasPrefix("CER") || $0.hasPrefix("utterances") } }
        #expect(summary(one.stdout) == summary(two.stdout) && summary(one.stdout).count == 3, "\(one.stdout)\n---\n\(two.stdout)")
        #expect(try String(contentsOfFile: scratch.file("one.tsv"), encoding: .utf8) == String(contentsOfFile: scratch.file("two.tsv"), encoding: .utf8))
    }
}
