import ArgumentParser
import Foundation
import Steno
import StenoTraining

/// `steno export-weights`: a training checkpoint without its optimizer moments.
struct ExportWeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-weights",
        abstract: "Write a training checkpoint's weights and state without the optimizer moments (a third of the size).",
        discussion: """
            The result is itself a checkpoint: 'steno train --resume FILE' continues the run from it, with Adam's \
            moments started afresh, and 'steno transcribe --model FILE' uses its weights. Keep it where the full \
            checkpoint cannot go (a repository), so a long run can go on from a fresh clone.
            """
    )

    @Argument(help: ArgumentHelp("A checkpoint written by 'steno train'.", valueName: "checkpoint"))
    var checkpoint: String

    @Option(name: .shortAndLong, help: "Where to write it (atomically); not the checkpoint itself.")
    var output: String

    func validate() throws {
        if URL(fileURLWithPath: output).standardizedFileURL == URL(fileURLWithPath: checkpoint).standardizedFileURL {
            throw ValidationError("--output must not be the checkpoint itself")
        }
    }

    func run() throws {
        try TrainingCheckpoint.weightsOnly(checkpoint).write(to: output)
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        try StandardOutput.emit("wrote \(output) (\(size) bytes)\n")
    }
}
