import ArgumentParser
import Foundation
import Steno

extension TranscriptFormat: ExpressibleByArgument {}

/// The model and decoding options shared by `steno transcribe` and `steno evaluate`.
/// Numbers are parsed `.unconditional`ly so that a negative value (`--word-bonus -0.5`, `--beam-width -1`)
/// reaches the option instead of being taken for a flag.
struct DecodingArguments: ParsableArguments {
    @Option(help: ArgumentHelp("Acoustic model file (made by 'steno train').", valueName: "file"))
    var model: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Prefix beam width; 1 decodes greedily (best path).", valueName: "n"))
    var beamWidth: Int = 1

    @Option(parsing: .unconditional, help: ArgumentHelp("Hypotheses to report (n-best), at most --beam-width.", valueName: "n"))
    var alternatives: Int = 1

    @Option(parsing: .unconditional, help: ArgumentHelp("Inputs transcribed in parallel (one recognizer and one BLAS thread each).", valueName: "n"))
    var threads: Int = 1

    @Option(help: ArgumentHelp("Word n-gram language model in the ARPA format, applied during beam search.", valueName: "file"))
    var lm: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Weight of the language model's log probability.", valueName: "α"))
    var lmWeight: Float = 0.5

    @Option(parsing: .unconditional, help: ArgumentHelp("Score added per word (natural log), against the LM's bias to short output.", valueName: "β"))
    var wordBonus: Float = 1

    @Option(help: ArgumentHelp("Only output words from this file (one word or phrase per line).", valueName: "file"))
    var vocabulary: String?

    @Option(help: ArgumentHelp("Favour WORD by adding BOOST (natural log) when it is output; repeatable.", valueName: "word:boost"))
    var hotword: [String] = []

    func validate() throws {
        if beamWidth < 1 { throw ValidationError("--beam-width must be at least 1 (1 decodes greedily), got \(beamWidth)") }
        if alternatives < 1 { throw ValidationError("--alternatives must be at least 1, got \(alternatives)") }
        if alternatives > beamWidth {
            throw ValidationError("--alternatives (\(alternatives)) cannot exceed --beam-width (\(beamWidth)); raise --beam-width")
        }
        if threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if !lmWeight.isFinite || lmWeight < 0 { throw ValidationError("--lm-weight must be a non-negative number, got \(lmWeight)") }
        if !wordBonus.isFinite { throw ValidationError("--word-bonus must be a number, got \(wordBonus)") }
        _ = try hotwords()
    }

    /// `--hotword WORD:BOOST` values as a dictionary.
    func hotwords() throws -> [String: Float] {
        var result: [String: Float] = [:]
        for entry in hotword {
            guard let colon = entry.lastIndex(of: ":"), let boost = Float(entry[entry.index(after: colon)...]), boost.isFinite,
                  !entry[..<colon].trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--hotword must look like WORD:BOOST (e.g. steno:3), got '\(entry)'")
            }
            result[String(entry[..<colon]), default: 0] += boost
        }
        return result
    }

    /// The recognizer options these flags describe; loads the language model and the vocabulary.
    func recognizerOptions() throws -> RecognizerOptions {
        var options = RecognizerOptions(beamWidth: beamWidth)
        options.alternatives = alternatives
        options.languageModelWeight = lmWeight
        options.wordBonus = wordBonus
        options.hotwords = try hotwords()
        if let lm { options.languageModel = try NGramLanguageModel(contentsOf: lm) }
        if let vocabulary {
            guard let data = FileManager.default.contents(atPath: vocabulary) else {
                throw ValidationError("\(vocabulary): cannot read the vocabulary file")
            }
            guard let text = String(data: data, encoding: .utf8) else { throw ValidationError("\(vocabulary): the vocabulary is not UTF-8 text") }
            let entries = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
            guard !entries.isEmpty else { throw ValidationError("\(vocabulary): the vocabulary lists no words") }
            options.vocabulary = entries
        }
        return options
    }

    /// The model named by --model, or the default model when there is none.
    func loadModel() throws -> AcousticModel {
        if let model { return try AcousticModel(contentsOf: model) }
        return try Self.defaultModel()
    }

    /// The model used without --model. The only place that knows where it lives.
    static func defaultModel() throws -> AcousticModel {
        // No model ships with the package yet; a later version bundles one as a SwiftPM resource
        // and loads it here.
        throw NoDefaultModelError()
    }
}

/// Thrown when no --model is given and the build has no default model.
struct NoDefaultModelError: Error, CustomStringConvertible {
    var description: String {
        "no default model is bundled with this build yet; pass --model FILE (train one with 'steno train')"
    }
}
