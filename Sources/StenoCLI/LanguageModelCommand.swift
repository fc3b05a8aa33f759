import ArgumentParser
import Foundation
import Steno

/// `steno lm`: word n-gram language models.
struct LanguageModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lm",
        abstract: "Build word n-gram language models (ARPA) for decoding.",
        subcommands: [BuildLanguageModelCommand.self]
    )
}

/// `steno lm build`: interpolated modified Kneser-Ney estimation from text.
struct BuildLanguageModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Estimate a word n-gram model with interpolated modified Kneser-Ney smoothing and write it as ARPA.",
        discussion: """
            Text files hold one sentence per line (UTF-8); --transcripts reads the transcripts of manifests \
            instead. Every line is normalized as transcripts are for training and scoring (lowercase, numbers \
            to words, punctuation dropped), so the model's words are the words the recognizer spells. \
            --prune takes KenLM's thresholds, unigrams first: '--prune 0 1' drops bigrams and longer \
            n-grams seen only once (by their Kneser-Ney count). Keep test-set text out of the model.
            """
    )

    @Option(help: "The longest n-gram, in words (1-6).")
    var order: Int = 3

    @Option(name: .customLong("text"), parsing: .upToNextOption, help: ArgumentHelp("Text files, one sentence per line.", valueName: "file"))
    var textFiles: [String] = []

    @Option(name: .customLong("transcripts"), help: ArgumentHelp("Also read the transcripts of this manifest (repeatable).", valueName: "manifest"))
    var manifests: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("The ARPA file to write (atomically).", valueName: "file"))
    var output: String

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
        try AtomicFile.write(Data(model.arpa().utf8), to: output)
        let counts = model.ngrams.enumerated().map { "\($0.offset + 1)-grams \($0.element.count)" }.joined(separator: ", ")
        printError("\(estimator.sentenceCount) sentences, \(estimator.wordCount) words: \(counts); written to \(output)")
    }
}
