import ArgumentParser
import Foundation
import Steno
import StenoTraining

/// `steno quantize`: an int8 copy of a model.
struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Write an int8 copy of a model: a quarter of the float32 size, faster recurrent steps.",
        discussion: """
            Every weight matrix becomes int8 with a float32 scale per row (max |w| / 127); biases stay \
            float32, and activations and sums stay float32 at inference. The copy is a model file like any \
            other: 'steno transcribe --model FILE' runs it in int8, and 'steno info FILE' says so. \
            Measure the copy on held-out data ('steno evaluate') before shipping it.
            """
    )

    @Argument(help: ArgumentHelp("A model file (not a training checkpoint).", valueName: "model"))
    var model: String

    @Option(name: .shortAndLong, help: "Where to write the int8 model (atomically); not the model itself.")
    var output: String

    func validate() throws {
        if URL(fileURLWithPath: output).standardizedFileURL == URL(fileURLWithPath: model).standardizedFileURL {
            throw ValidationError("--output must not be the model itself")
        }
    }

    func run() throws {
        let container = try ModelContainer(contentsOf: model)
        if try TrainingCheckpointHeader.trainingState(in: container) != nil {
            throw ValidationError("\(model) is a training checkpoint; quantize the model file training wrote")
        }
        let source = try AcousticModel(container: container, name: model)
        try source.quantized().write(to: output)
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        try StandardOutput.emit("wrote \(output) (int8, \(size) bytes)\n")
    }
}
