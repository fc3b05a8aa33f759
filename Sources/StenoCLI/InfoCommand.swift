import ArgumentParser
import Foundation
import Steno
import StenoTraining

/// `steno info`: what an audio file holds.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe audio files (container, encoding, rate, channels, duration) and model files (architecture, alphabet, training, results).",
        discussion: "With no files, describes the bundled default model and language model."
    )

    @Argument(help: "Audio or model files, or - for audio on standard input; none: the bundled model.")
    var files: [String] = []

    func run() throws {
        if files.isEmpty {
            var text = try Self.describeModel(DefaultModel.requireModelPath())
            if let lm = DefaultModel.languageModelPath {
                let model = try NGramLanguageModel(contentsOf: lm)
                let counts = model.counts.enumerated().map { "\($0.element) \($0.offset + 1)-grams" }.joined(separator: ", ")
                text += "\nlanguage model: \(lm) (\(model.order)-gram \(model.isBinary ? "binary" : "ARPA"): \(counts); used by default with this model, --no-lm turns it off)"
            }
            try StandardOutput.emit(text + "\n")
            return
        }
        var failures = 0
        for (index, file) in files.enumerated() {
            let text: String
            do {
                text = try ModelContainer.isModelFile(file) ? Self.describeModel(file) : Self.describe(AudioDecoder.info(AudioSource(argument: file)))
            } catch {
                printError("error: \(error)")
                failures += 1
                continue
            }
            try StandardOutput.emit((index > 0 ? "\n" : "") + text + "\n")
        }
        if failures > 0 { throw ExitCode.failure }
    }

    static func describe(_ info: AudioFileInfo) -> String {
        """
        file: \(info.name == "-" ? "standard input" : info.name)
        container: \(info.container)
        encoding: \(info.encoding)
        sample rate: \(info.sampleRate) Hz
        channels: \(info.channels)
        frames: \(info.frames)
        duration: \(String(format: "%.3f", info.duration)) s
        """
    }

    static func describeCheckpoint(_ state: TrainingState) -> String {
        state.finished
            ? "Steno training checkpoint (finished: \(state.history.count) epochs, \(state.step) updates)"
            : "Steno training checkpoint (epoch \(state.epoch + 1), batch \(state.nextBatch + 1), update \(state.step))"
    }

    static func describeModel(_ path: String) throws -> String {
        let container = try ModelContainer(contentsOf: path)
        let header = try container.decodeMetadata(TrainingCheckpointHeader.self)
        let model = try AcousticModel(container: container, name: path)
        let d = header.model, n = d.network, p = d.provenance
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let latency = n.chunk.map { "chunks of \($0) + \(n.lookahead) lookahead frames" } ?? "whole utterances"
        var lines = [
            "file: \(path)",
            "kind: \(header.training.map(Self.describeCheckpoint) ?? "Steno acoustic model")",
            "architecture: \(n.layers) × bidirectional \(n.cell.rawValue.uppercased()) of \(n.hiddenSize) units per direction, frames stacked by \(n.stacking), backward direction over \(latency), dropout \(n.dropout)",
            "parameters: \(model.parameterCount)",
            "size: \(size) bytes",
            "precision: \(d.precision == .int8 ? "int8 weights (a float32 scale per matrix row), float32 activations" : "float32")",
            "features: \(d.features.kind.rawValue), \(d.features.dimension) per frame, \(d.features.frame.frameLengthMs) ms frames every \(d.features.frame.frameShiftMs) ms at \(Int(d.features.frame.sampleRate)) Hz, \(d.features.noiseFloor > 0 ? "noise floor \(d.features.noiseFloor) (16-bit scale)" : "no noise floor")",
            "normalization: \(d.normalization.map { "global mean and variance over \($0.count) frames" } ?? "none")",
            "alphabet: \(d.alphabet.classCount) classes (blank + \"\(String(d.alphabet.characters))\")",
        ]
        if !p.trainingData.isEmpty { lines.append("trained on: \(p.trainingData.joined(separator: ", "))") }
        if !p.validationData.isEmpty { lines.append("validated on: \(p.validationData.joined(separator: ", "))") }
        if p.epochs > 0 { lines.append("training: \(p.epochs) epochs, \(p.steps) updates, finished \(p.created)") }
        for (name, value) in p.metrics.sorted(by: { $0.key < $1.key }) { lines.append("\(name): \(String(format: "%.3f", value))") }
        if !p.notes.isEmpty { lines.append("notes:\n" + p.notes.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")) }
        return lines.joined(separator: "\n")
    }
}
