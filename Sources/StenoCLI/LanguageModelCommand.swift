import ArgumentParser
import Foundation
import Steno

/// `steno lm`: word n-gram language models.
struct LanguageModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lm",
        abstract: "Build, compile and measure word n-gram language models for decoding.",
        subcommands: [BuildLanguageModelCommand.self, CompileLanguageModelCommand.self, PerplexityCommand.self]
    )
}

/// `steno lm build`: interpolated modified Kneser-Ney estimation from text.
struct BuildLanguageModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Estimate a word n-gram model with interpolated modified Kneser-Ney smoothing and write it as ARPA or binary.",
        discussion: """
            Text files hold one sentence per line (UTF-8); --transcripts reads the transcripts of manifests \
            instead. Every line is normalized as transcripts are for training and scoring (lowercase, numbers \
            to words, punctuation dropped), so the model's words are the words the recognizer spells. \
            --prune takes KenLM's thresholds, unigrams first: '--prune 0 1' drops bigrams and longer \
            n-grams seen only once (by their Kneser-Ney count). Keep test-set text out of the model. \
            An --output ending in .bin (or --format binary) writes the binary format, which loads in \
            milliseconds whatever its size (see 'steno lm compile').
            """
    )

    @Option(help: "The longest n-gram, in words (1-6).")
    var order: Int = 3

    @Option(name: .customLong("text"), parsing: .upToNextOption, help: ArgumentHelp("Text files, one sentence per line.", valueName: "file"))
    var textFiles: [String] = []

    @Option(name: .customLong("transcripts"), help: ArgumentHelp("Also read the transcripts of this manifest (repeatable).", valueName: "manifest"))
    var manifests: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("The file to write (atomically): ARPA, or binary when it ends in .bin.", valueName: "file"))
    var output: String

    @Option(help: "arpa or binary; default: binary for a .bin --output, else arpa.")
    var format: LanguageModelFormat?

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Count thresholds per order, unigrams first (0), e.g. 0 1 1.", valueName: "counts"))
    var prune: [Int] = []

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Use these discounts D1 D2 D3+ for every order instead of estimating them.", valueName: "d"))
    var discounts: [Double] = []

    var options: NGramEstimator.Options {
        NGramEstimator.Options(order: order, pruneThresholds: prune, fixedDiscounts: discounts.isEmpty ? nil : discounts)
    }

    func validate() throws {
        if textFiles.isEmpty && manifests.isEmpty { throw ValidationError("give at least one --text file or --transcripts manifest") }
        if let problem = options.problem { throw ValidationError(problem) }
        let target = URL(fileURLWithPath: output).standardizedFileURL
        for input in textFiles + manifests where URL(fileURLWithPath: input).standardizedFileURL == target {
            throw ValidationError("--output \(output) is one of the inputs; choose another file")
        }
    }

    func run() throws {
        var estimator = NGramEstimator(options: options)
        let normalizer = TextNormalizer()
        var unknown = Set<Character>()
        func add(_ line: some StringProtocol) {
            let normalized = normalizer.normalize(String(line))
            unknown.formUnion(normalized.unknown)
            estimator.add(sentence: normalized.text.split(separator: " ").map(String.init))
        }
        for path in textFiles {
            for line in try TextFile.lines(of: path) { add(line) }
        }
        for path in manifests {
            for entry in try Manifest.load(path).entries { add(entry.transcript) }
        }
        guard estimator.sentenceCount > 0 else {
            throw ValidationError("no words in \((textFiles + manifests).joined(separator: ", ")) after normalization")
        }
        if !unknown.isEmpty {
            printError("warning: characters outside the alphabet dropped: " + unknown.sorted().prefix(40).map { "\"\($0)\"" }.joined(separator: " "))
        }
        let model = estimator.estimate()
        for warning in model.warnings { printError("warning: \(warning)") }
        let arpa = model.arpa()
        if (format ?? LanguageModelFormat(path: output)) == .binary {
            try writeBinary(try NGramLanguageModel(arpa: Array(arpa.utf8), name: output), to: output)
        } else {
            try AtomicFile.write(Data(arpa.utf8), to: output)
        }
        let counts = model.ngrams.enumerated().map { "\($0.offset + 1)-grams \($0.element.count)" }.joined(separator: ", ")
        printError("\(estimator.sentenceCount) sentences, \(estimator.wordCount) words: \(counts); written to \(output)")
    }
}

/// The two file formats of a word language model.
enum LanguageModelFormat: String, ExpressibleByArgument, CaseIterable {
    case arpa, binary

    /// Binary for a `.bin` path, ARPA otherwise.
    init(path: String) { self = path.lowercased().hasSuffix(".bin") ? .binary : .arpa }
}

/// Writes `model` in the binary format to `path` (atomically), then maps the file back and checks
/// that it loads with the same checksum.
func writeBinary(_ model: NGramLanguageModel, to path: String) throws {
    try model.withBinaryRepresentation { bytes in try AtomicFile.write(Data(bytes), to: path) }
    let written = try NGramLanguageModel(contentsOf: path)
    try written.verify()
}

/// `steno lm compile`: ARPA in, binary out.
struct CompileLanguageModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Convert an ARPA language model to the binary format, which is mapped rather than parsed.",
        discussion: """
            The binary file holds the model's lookup tables as they sit in memory, so loading it takes \
            milliseconds whatever its size, where an ARPA file of millions of n-grams takes seconds to \
            parse. Every probability and back-off weight is the ARPA file's. --lm accepts either format \
            (the file's first bytes tell which).
            """
    )

    @Argument(help: ArgumentHelp("The ARPA file (KenLM, SRILM, 'steno lm build', ...).", valueName: "lm.arpa"))
    var input: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The binary file to write (atomically).", valueName: "file"))
    var output: String

    func validate() throws {
        if URL(fileURLWithPath: input).standardizedFileURL == URL(fileURLWithPath: output).standardizedFileURL {
            throw ValidationError("--output \(output) is the input; choose another file")
        }
    }

    func run() throws {
        let model = try NGramLanguageModel(contentsOf: input)
        try writeBinary(model, to: output)
        let size = try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int ?? 0
        let counts = model.counts.enumerated().map { "\($0.element) \($0.offset + 1)-grams" }.joined(separator: ", ")
        printError("\(input): \(counts); written to \(output) (\(String(format: "%.1f", Double(size) / 1_048_576)) MB)")
    }
}

/// `steno lm perplexity`: how well a model predicts held-out text.
struct PerplexityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perplexity",
        abstract: "Measure a language model's perplexity on text (one sentence per line) or manifest transcripts.",
        discussion: """
            Lines are normalized as 'steno lm build' normalizes them. Each sentence is scored from <s> to </s>. \
            Perplexity is 10^(-total log10 probability / tokens), with the words and </s> as tokens; words \
            outside the model's vocabulary are left out of it and counted (SRILM's 'ppl'), and a second \
            figure counts them at the model's <unk> probability. Prints one line of JSON to standard output.
            """
    )

    @Option(help: ArgumentHelp("The language model (ARPA or binary).", valueName: "file"))
    var lm: String

    @Option(name: .customLong("text"), parsing: .upToNextOption, help: ArgumentHelp("Text files, one sentence per line.", valueName: "file"))
    var textFiles: [String] = []

    @Option(name: .customLong("transcripts"), help: ArgumentHelp("The transcripts of this manifest (repeatable).", valueName: "manifest"))
    var manifests: [String] = []

    func validate() throws {
        if textFiles.isEmpty && manifests.isEmpty { throw ValidationError("give at least one --text file or --transcripts manifest") }
    }

    func run() throws {
        let model = try NGramLanguageModel(contentsOf: lm)
        let normalizer = TextNormalizer()
        var sentences = 0, words = 0, unknown = 0
        var known = 0.0, withUnknown = 0.0   // log10 totals
        func add(_ line: some StringProtocol) {
            let tokens = normalizer.normalize(String(line)).text.split(separator: " ").map(String.init)
            guard !tokens.isEmpty else { return }
            sentences += 1
            var state = model.startState
            for token in tokens {
                let id = model.wordID(token)
                let (score, next) = model.score(state, word: id)
                words += 1
                if id == nil { unknown += 1 } else { known += Double(score) }
                withUnknown += Double(score)
                state = next
            }
            let end = Double(model.endScore(state))
            known += end
            withUnknown += end
        }
        for path in textFiles {
            for line in try TextFile.lines(of: path) { add(line) }
        }
        for path in manifests {
            for entry in try Manifest.load(path).entries { add(entry.transcript) }
        }
        guard sentences > 0 else { throw ValidationError("no words in \((textFiles + manifests).joined(separator: ", ")) after normalization") }
        let tokens = words + sentences
        let perplexity = pow(10, -known / Double(tokens - unknown))
        let perplexityWithUnknown = pow(10, -withUnknown / Double(tokens))
        try StandardOutput.emit(String(
            format: "{\"lm\": \"%@\", \"sentences\": %d, \"words\": %d, \"oov\": %d, \"oov_rate\": %.4f, \"perplexity\": %.2f, \"perplexity_with_oov\": %.2f, \"log10_probability\": %.2f}\n",
            lm.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""), sentences, words, unknown,
            Double(unknown) / Double(max(1, words)), perplexity, perplexityWithUnknown, known))
    }
}
