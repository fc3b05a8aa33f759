import Foundation
import Steno
import StenoTraining
import Testing

@Suite("Training survives kill -9")
struct KillResumeTests {
    func trainArguments(_ manifest: String, _ scratch: Scratch, _ name: String) -> [String] {
        ["train", "--train", manifest, "--valid", manifest, "--output", scratch.file("\(name).steno"), "--checkpoint", scratch.file("\(name).checkpoint"),
         "--layers", "1", "--hidden", "16", "--stacking", "4", "--batch-size", "1", "--epochs", "12", "--patience", "12",
         "--checkpoint-every", "1", "--warmup", "0", "--learning-rate", "3e-3", "--seed", "7"]
    }

    @Test("Killed at a random moment and resumed, training ends with exactly the weights of an uninterrupted run")
    func killAndResume() throws {
        let scratch = Scratch()
        let manifest = scratch.file("two.tsv")
        try "\(samplesFolder)/hello.wav\thello world this is steno\n\(samplesFolder)/digits.wav\tone two three four five\n"
            .write(toFile: manifest, atomically: true, encoding: .utf8)

        let straight = try steno(trainArguments(manifest, scratch, "straight"))
        #expect(straight.status == 0, "\(straight.stderr.suffix(1_000))")

        // Start the same run and kill it hard somewhere in its middle.
        let process = Process()
        process.executableURL = stenoBinary
        process.arguments = trainArguments(manifest, scratch, "killed")
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let checkpoint = scratch.file("killed.checkpoint")
        // Wait for the first checkpoints, then a random extra delay.
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: checkpoint) && Date() < deadline { usleep(20_000) }
        let delay = Double.random(in: 0.2...2.0)
        usleep(UInt32(delay * 1_000_000))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the run finished before the kill (\(delay) s); make it longer")

        // Whatever moment the kill hit, the checkpoint on disk is whole and loads.
        let container = try ModelContainer(contentsOf: checkpoint)
        let state = try #require(try TrainingCheckpointHeader.trainingState(in: container))
        #expect(!state.finished)

        let resumed = try steno(["train", "--resume", checkpoint, "--train", manifest, "--valid", manifest, "--output", scratch.file("killed.steno")])
        #expect(resumed.status == 0, "\(resumed.stderr.suffix(1_000))")
        #expect(resumed.stderr.contains("resuming"))

        let a = try AcousticModel(container: ModelContainer(contentsOf: scratch.file("straight.checkpoint")), name: "straight")
        let b = try AcousticModel(container: ModelContainer(contentsOf: checkpoint), name: "resumed")
        for (x, y) in zip(a.network.parameters, b.network.parameters) {
            let same = x.values == y.values
            #expect(same, "\(x.name) differs after a kill at update \(state.step) and a resume")
        }
        // Only hidden temporary files of an interrupted write may be left over; nothing else appears.
        let debris = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { !$0.hasPrefix(".") }
        #expect(Set(debris) == ["two.tsv", "straight.steno", "straight.checkpoint", "killed.steno", "killed.checkpoint"])
    }
}
