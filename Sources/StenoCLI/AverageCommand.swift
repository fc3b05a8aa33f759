import ArgumentParser
import Foundation
import Steno

/// `steno average`: a model whose weights are the mean of several models' weights.
struct AverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "average",
        abstract: "Write a model whose weights are the element-wise mean of several models' (checkpoint averaging).",
        discussion: """
            The models must share architecture, features, normalization and alphabet: the epochs of one \
            training run (model files or checkpoints, e.g. copies of the checkpoint kept at the end of each \
            epoch), or models fine-tuned from one model. The averaged model often recognizes better than any \
            of them alone; measure it on held-out data ('steno evaluate') before using it. Written atomically, \
            float32 unless --float16.
            """
    )

    @Argument(help: ArgumentHelp("Two or more model files or training checkpoints.", valueName: "model"))
    var models: [String]

    @Option(name: .shortAndLong, help: "Where to write the averaged model (atomically); not one of the inputs.")
    var output: String

    @Flag(help: "Store the averaged model in float16 (half the size).")
    var float16 = false

    func validate() throws {
        if models.count < 2 { throw ValidationError("give at least two models to average") }
        let target = URL(fileURLWithPath: output).standardizedFileURL
        if models.contains(where: { URL(fileURLWithPath: $0).standardizedFileURL == target }) {
            throw ValidationError("--output must not be one of the models averaged")
        }
    }

    func run() throws {
        let loaded = try models.map { path in try AcousticModel(contentsOf: path) }
        let average = try AcousticModel.averaging(loaded, names: models)
        try average.write(to: output, storage: float16 ? .float16 : .float32)
        let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        try StandardOutput.emit("wrote \(output) (the average of \(models.count) models, \(size) bytes)\n")
    }
}
