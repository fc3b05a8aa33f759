import ArgumentParser
import Foundation
import Steno
import StenoTraining

/// `steno annotate`: records what a model is in its own header (notes, data, measured results).
struct AnnotateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotate",
        abstract: "Record notes, training data and measured results in a model file's header (shown by 'steno info').",
        discussion: """
            The weights are copied unchanged, in the file's own storage unless --storage says otherwise \
            (float16 values convert to float32 and back exactly). The file is rewritten atomically, in place \
            unless --output names another file.
            """
    )

    @Argument(help: ArgumentHelp("The model file.", valueName: "model"))
    var model: String

    @Option(help: ArgumentHelp("Replace the notes with this file's text (e.g. data, splits, licences, recipe).", valueName: "file"))
    var notesFile: String?

    @Option(name: .customLong("training-data"), help: ArgumentHelp("Replace the list of training data with these descriptions (repeatable).", valueName: "text"))
    var trainingData: [String] = []

    @Option(name: .customLong("validation-data"), help: ArgumentHelp("Replace the list of validation data (repeatable).", valueName: "text"))
    var validationData: [String] = []

    @Option(help: ArgumentHelp("Set a measured figure, NAME=VALUE, e.g. test_wer_fsdd=1.3 (repeatable).", valueName: "name=value"))
    var metric: [String] = []

    @Option(help: "Storage of the written weights (default: as the file has them).")
    var storage: ModelContainer.Storage?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write here instead of rewriting MODEL.", valueName: "file"))
    var output: String?

    func metrics() throws -> [String: Double] {
        var result: [String: Double] = [:]
        for entry in metric {
            guard let equals = entry.firstIndex(of: "="), !entry[..<equals].isEmpty,
                  let value = Double(entry[entry.index(after: equals)...]), value.isFinite else {
                throw ValidationError("--metric must look like NAME=VALUE with a number, got '\(entry)'")
            }
            result[String(entry[..<equals])] = value
        }
        return result
    }

    func validate() throws { _ = try metrics() }

    func run() throws {
        let container = try ModelContainer(contentsOf: model)
        if try TrainingCheckpointHeader.trainingState(in: container) != nil {
            throw ValidationError("\(model) is a training checkpoint; annotate the model file it wrote (rewriting would drop the training state)")
        }
        let loaded = try AcousticModel(container: container, name: model)
        if let notesFile {
            let text = try TextFile.lines(of: notesFile).joined(separator: "\n")
            loaded.description.provenance.notes = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if !trainingData.isEmpty { loaded.description.provenance.trainingData = trainingData }
        if !validationData.isEmpty { loaded.description.provenance.validationData = validationData }
        loaded.description.provenance.metrics.merge(try metrics()) { _, new in new }
        // A float16 file loads as values float16 holds exactly; anything else was stored as float32.
        let exact = loaded.weightTensors.allSatisfy { $0.values.allSatisfy { Float(Float16($0)) == $0 } }
        try loaded.write(to: output ?? model, storage: storage ?? (exact ? .float16 : .float32))
    }
}

extension ModelContainer.Storage: ExpressibleByArgument {}
