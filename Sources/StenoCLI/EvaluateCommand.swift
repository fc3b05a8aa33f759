import ArgumentParser
import Dispatch
import Foundation
import Steno

/// `steno evaluate`: word and character error rates on a labeled manifest.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Transcribe a manifest's audio and report WER and CER against its transcripts.",
        discussion: """
            Manifests are TSV (path<TAB>transcript) or JSON lines, as for 'steno train'. Reference and \
            recognized text are normalized alike (lowercase, numbers to words, punctuation dropped), and \
            edits are summed over all utterances (corpus WER/CER). Audio that cannot be read is reported, \
            listed in the report, and its reference counted as deleted words and characters; the exit \
            status is then 1. The real-time factor is wall-clock transcription time over audio time.
            """
    )

    @Option(help: ArgumentHelp("Labeled audio: TSV (path<TAB>transcript) or JSON lines.", valueName: "file"))
    var manifest: String

    @OptionGroup var decoding: DecodingArguments

    @Option(name: .customLong("json"), help: ArgumentHelp("Also write the report as JSON to this file.", valueName: "report"))
    var jsonReport: String?

    @Option(help: ArgumentHelp("Write per-utterance results (path, reference, hypothesis, word errors) to this TSV file.", valueName: "file"))
    var details: String?

    @Option(help: ArgumentHelp("Score these hypotheses (path<TAB>text, e.g. another recognizer's output; paths resolved as in a manifest) instead of transcribing.", valueName: "file"))
    var hypotheses: String?

    func validate() throws {
        for (option, path) in [("--json", jsonReport), ("--details", details), ("--hypotheses", hypotheses)] {
            guard let path else { continue }
            if URL(fileURLWithPath: path).standardizedFileURL == URL(fileURLWithPath: manifest).standardizedFileURL {
                throw ValidationError("\(option) must not be the manifest (\(manifest))")
            }
        }
        if let jsonReport, jsonReport == details { throw ValidationError("--json and --details must be different files") }
        if let hypotheses, hypotheses == jsonReport || hypotheses == details { throw ValidationError("--hypotheses must not be an output file") }
    }

    func run() throws {
        BLASThreads.set(1)  // one BLAS thread per worker; the workers are the parallelism
        let entries = try Manifest.load(manifest).entries
        if let hypotheses {
            let given = try Manifest.load(hypotheses).entries
            let texts = Dictionary(given.map { ($0.audioPath, $0.transcript) }, uniquingKeysWith: { first, _ in first })
            let outcomes = entries.map { entry in
                Result<Transcript, any Error> {
                    guard let text = texts[entry.audioPath] else { throw ValidationError("\(hypotheses): no hypothesis for \(entry.audioPath)") }
                    let duration = try AudioDecoder.info(.file(entry.audioPath)).duration
                    return Transcript(name: entry.audioPath, text: text, words: [], duration: duration, alternatives: [])
                }
            }
            printError("scoring \(given.count) hypotheses from \(hypotheses) against \(entries.count) references (processing time not measured)")
            for case .failure(let error) in outcomes { printError("error: \(error)") }
            try finish(Evaluator().score(entries: entries, outcomes: outcomes, processingSeconds: 0), entries: entries)
            return
        }
        let model = try decoding.loadModel()
        let pool = RecognizerPool(model: model, options: try decoding.recognizerOptions(), workers: min(decoding.threads, entries.count))
        printError("evaluating \(entries.count) utterances from \(manifest) on \(pool.workers) thread\(pool.workers == 1 ? "" : "s")…")

        let started = DispatchTime.now().uptimeNanoseconds
        let outcomes = pool.transcribe(entries.map { .file($0.audioPath) }) { _, outcome in
            switch outcome {
            case .failure(let error): printError("error: \(error)")
            case .success(let transcript) where transcript.missingSeconds > 0:
                printError(String(format: "warning: %@: truncated: %.2f s missing; scored what is there", transcript.name, transcript.missingSeconds))
            case .success: break
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9

        let evaluator = Evaluator(normalizer: TextNormalizer(alphabet: model.description.alphabet))
        try finish(evaluator.score(entries: entries, outcomes: outcomes, processingSeconds: seconds), entries: entries)
    }

    /// Reports `report`: warnings, the files asked for, the summary, and the exit status.
    private func finish(_ report: EvaluationReport, entries: [ManifestEntry]) throws {
        if !report.unknownCharacters.isEmpty {
            let list = report.unknownCharacters.sorted().map { "\"\($0)\"" }.joined(separator: " ")
            printError("warning: characters outside the model's alphabet dropped from the references: \(list)")
        }
        if let details { try AtomicFile.write(Data(report.details().utf8), to: details) }
        if let jsonReport { try AtomicFile.write(report.jsonData(), to: jsonReport) }
        try StandardOutput.emit(report.summary() + "\n")
        if !report.failures.isEmpty {
            printError("error: \(report.failures.count) of \(entries.count) utterances could not be transcribed; their reference words count as deletions")
            throw ExitCode.failure
        }
    }
}
