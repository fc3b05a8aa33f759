import ArgumentParser
import Dispatch
import Foundation
import Steno
import StenoMPI

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

    @OptionGroup var sharding: ShardOptions

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
        let shard = try sharding.resolved()
        let mine = ShardOptions.part(Array(entries.indices), index: shard.index, count: shard.count)
        let part = mine.map { entries[$0] }
        let model = try decoding.loadModel()
        let pool = RecognizerPool(model: model, options: try decoding.recognizerOptions(), workers: max(1, min(decoding.threads, part.count)))
        let which = shard.count > 1 ? "part \(shard.index + 1) of \(shard.count) (\(part.count) of \(entries.count) utterances)" : "\(entries.count) utterances"
        printError("evaluating \(which) from \(manifest) on \(pool.workers) thread\(pool.workers == 1 ? "" : "s")…")

        let progress = FileProgress(total: part.count)
        let started = DispatchTime.now().uptimeNanoseconds
        let outcomes = pool.transcribe(part.map { .file($0.audioPath) }) { _, outcome in
            switch outcome {
            case .failure(let error):
                printError("error: \(error)")
                progress.advance(seconds: 0)
            case .success(let transcript):
                if transcript.missingSeconds > 0 {
                    printError(String(format: "warning: %@: truncated: %.2f s missing; scored what is there", transcript.name, transcript.missingSeconds))
                }
                progress.advance(seconds: transcript.duration)
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9

        let evaluator = Evaluator(normalizer: TextNormalizer(alphabet: model.description.alphabet))
        let report = evaluator.score(entries: part, outcomes: outcomes, processingSeconds: seconds)
        // Under a launcher the ranks' parts become one report on rank 0, as one process would write it.
        if shard.fromLauncher, shard.count > 1, let group = try MPIGroup.joinIfLaunched() {
            let payload = try JSONEncoder().encode(ShardReport(indices: mine, utterances: report.utterances,
                                                                unknownCharacters: String(report.unknownCharacters), seconds: seconds))
            guard let parts = group.gatherToFirst([UInt8](payload)) else { return }
            let decoded = try parts.map { try JSONDecoder().decode(ShardReport.self, from: Data($0)) }
            var slots = [UtteranceEvaluation?](repeating: nil, count: entries.count)
            for part in decoded { for (index, utterance) in zip(part.indices, part.utterances) { slots[index] = utterance } }
            var merged = EvaluationReport(processingSeconds: decoded.map(\.seconds).max() ?? seconds)
            for utterance in slots.compactMap({ $0 }) { merged.add(utterance) }
            merged.unknownCharacters = Set(decoded.flatMap(\.unknownCharacters))
            try finish(merged, entries: entries)
        } else {
            try finish(report, entries: part)
        }
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

/// One rank's part of a sharded evaluation, sent to rank 0.
private struct ShardReport: Codable {
    /// Manifest positions of the utterances.
    var indices: [Int]
    var utterances: [UtteranceEvaluation]
    var unknownCharacters: String
    var seconds: Double
}
