import ArgumentParser
import Foundation
import Steno

extension TranscriptFormat: ExpressibleByArgument {}

/// The model and decoding options shared by `steno transcribe` and `steno evaluate`.
/// Numbers are parsed `.unconditional`ly so that a negative value (`--word-bonus -0.5`, `--beam-width -1`)
/// reaches the option instead of being taken for a flag.
struct DecodingArguments: ParsableArguments {
    @Option(help: ArgumentHelp("Acoustic model file (made by 'steno train'); default: the bundled English model.", valueName: "file"))
    var model: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Prefix beam width; 1 decodes greedily (best path). Default: \(Self.languageModelBeamWidth) with a language model, else 1.", valueName: "n"))
    var beamWidth: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Hypotheses to report (n-best), at most --beam-width.", valueName: "n"))
    var alternatives: Int = 1

    @Option(parsing: .unconditional, help: ArgumentHelp("Inputs transcribed in parallel (one recognizer and one BLAS thread each).", valueName: "n"))
    var threads: Int = 1

    @Option(help: ArgumentHelp("Word n-gram language model, ARPA or binary ('steno lm compile'), applied during beam search. Default: the bundled one, with the bundled model.", valueName: "file"))
    var lm: String?

    @Flag(help: "Transcribe a file shorter than its header declares (cut off while copying or recording) as far as it goes, with a warning, instead of failing.")
    var allowTruncated = false

    @Flag(name: .customLong("no-lm"), help: "Decode without a language model (not even the bundled one).")
    var noLanguageModel = false

    @Flag(help: "With a language model, also output words it does not know, spelled as heard and scored by the unknown-word model\(Self.openVocabularyByDefault ? " (the default)" : "").")
    var openVocabulary = false

    @Flag(help: "With a language model, output only the words it knows\(Self.openVocabularyByDefault ? "" : " (the default)").")
    var closedVocabulary = false

    @Option(name: .customLong("unk-penalty"), parsing: .unconditional, help: ArgumentHelp("Open vocabulary: score added once to a word the LM does not know (natural log).", valueName: "p"))
    var unknownWordPenalty: Float = Self.defaultUnknownWordPenalty

    @Option(name: .customLong("unk-char-penalty"), parsing: .unconditional, help: ArgumentHelp("Open vocabulary: score added per character of a word the LM does not know (natural log).", valueName: "p"))
    var unknownCharacterPenalty: Float = Self.defaultUnknownCharacterPenalty

    @Option(parsing: .unconditional, help: ArgumentHelp("Weight of the language model's log probability.", valueName: "α"))
    var lmWeight: Float = Self.defaultLanguageModelWeight

    @Option(parsing: .unconditional, help: ArgumentHelp("Score added per word (natural log), against the LM's bias to short output (with an LM only).", valueName: "β"))
    var wordBonus: Float = Self.defaultWordBonus

    @Option(help: ArgumentHelp("Only output words from this file (one word or phrase per line).", valueName: "file"))
    var vocabulary: String?

    @Option(help: ArgumentHelp("Favour WORD by adding BOOST (natural log) when it is output; repeatable.", valueName: "word:boost"))
    var hotword: [String] = []

    /// The beam width when a language model is used and --beam-width is not given.
    static let languageModelBeamWidth = 16
    /// LM weight and word bonus, tuned for the bundled model and LM on the validation speakers.
    static let defaultLanguageModelWeight: Float = 0.5, defaultWordBonus: Float = 2
    /// Whether words outside the LM may be output unless --closed-vocabulary, and the unknown-word
    /// model's costs, tuned for the bundled model and LM by tools/tune_open_vocabulary.sh.
    static let openVocabularyByDefault = true
    static let defaultUnknownWordPenalty = RecognizerOptions().unknownWordPenalty
    static let defaultUnknownCharacterPenalty = RecognizerOptions().unknownCharacterPenalty

    /// Whether the output may hold words outside the LM.
    var usesOpenVocabulary: Bool { openVocabulary || (Self.openVocabularyByDefault && !closedVocabulary) }

    /// The language model to decode with: --lm; else, with the bundled acoustic model, the bundled
    /// LM; none with --no-lm or with a model of one's own.
    var languageModelPath: String? {
        if noLanguageModel { return nil }
        if let lm { return lm }
        return model == nil ? DefaultModel.languageModelPath : nil
    }

    /// --beam-width, or its default: wide enough for the LM when there is one, greedy otherwise.
    var effectiveBeamWidth: Int { beamWidth ?? (languageModelPath != nil ? Self.languageModelBeamWidth : 1) }

    func validate() throws {
        if noLanguageModel && lm != nil { throw ValidationError("--lm and --no-lm cannot be combined") }
        if openVocabulary && closedVocabulary { throw ValidationError("--open-vocabulary and --closed-vocabulary cannot be combined") }
        if !unknownWordPenalty.isFinite || !unknownCharacterPenalty.isFinite {
            throw ValidationError("--unk-penalty and --unk-char-penalty must be numbers")
        }
        if let beamWidth, beamWidth < 1 { throw ValidationError("--beam-width must be at least 1 (1 decodes greedily), got \(beamWidth)") }
        if alternatives < 1 { throw ValidationError("--alternatives must be at least 1, got \(alternatives)") }
        if alternatives > effectiveBeamWidth {
            throw ValidationError("--alternatives (\(alternatives)) cannot exceed --beam-width (\(effectiveBeamWidth)); raise --beam-width")
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
        var options = RecognizerOptions(beamWidth: effectiveBeamWidth)
        options.alternatives = alternatives
        options.acceptsTruncatedAudio = allowTruncated
        options.languageModelWeight = lmWeight
        options.wordBonus = wordBonus
        options.hotwords = try hotwords()
        if let path = languageModelPath {
            let languageModel = try NGramLanguageModel(contentsOf: path)
            options.languageModel = languageModel
            // Open vocabulary: unknown words pay per character (else the search runs words together);
            // closed: only the LM's words, as DeepSpeech's scorer trie does.
            options.unknownWordPenalty = unknownWordPenalty
            options.unknownCharacterPenalty = unknownCharacterPenalty
            options.closedVocabulary = !usesOpenVocabulary
        }
        if let vocabulary {
            let entries = try TextFile.lines(of: vocabulary).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
            guard !entries.isEmpty else { throw ValidationError("\(vocabulary): the vocabulary lists no words") }
            options.vocabulary = entries
        }
        return options
    }

    /// The model named by --model, or the default model when there is none.
    func loadModel() throws -> AcousticModel {
        if let model { return try AcousticModel(contentsOf: model) }
        return try DefaultModel.load()
    }
}
