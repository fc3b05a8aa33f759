import ArgumentParser
import Foundation
import Steno

/// `steno transcribe`: audio files to text or subtitles.
struct TranscribeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcribe",
        abstract: "Transcribe audio files to text, JSON with word times, or SRT/WebVTT subtitles.",
        discussion: """
            INPUT is an audio file, a folder (every file in it, not recursing, in name order; hidden files \
            and files that are not audio are skipped with a warning) or - for standard input. \
            One file prints its transcript; several, or a folder, print one line each: path<TAB>text, or one \
            JSON object per line. With --output-dir, each input goes to DIR/NAME.EXT instead (written \
            atomically) and only diagnostics are printed. An input that fails is reported and the others \
            still transcribed; the exit status is then 1.
            """
    )

    @Argument(help: ArgumentHelp("Audio files, folders of audio files, or - for standard input.", valueName: "input"))
    var inputs: [String] = []

    @OptionGroup var decoding: DecodingArguments

    @OptionGroup var sharding: ShardOptions

    @Option(help: "Output format.")
    var format: TranscriptFormat = .text

    @Option(help: ArgumentHelp("Write one file per input into this folder (created if missing).", valueName: "dir"))
    var outputDir: String?

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("name at least one input (an audio file, a folder, or - for standard input)") }
        if inputs.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input (-) can be read only once") }
        let several = inputs.count > 1 || inputs.contains(where: Self.isDirectory)
        if several && outputDir == nil && (format == .srt || format == .vtt) {
            throw ValidationError("--format \(format.rawValue) writes one file per input: with several inputs, give --output-dir DIR")
        }
    }

    func run() throws {
        var failures = 0
        let (allJobs, expansionFailures) = expand(inputs)
        failures += expansionFailures
        let shard = try sharding.resolved()
        let jobs = ShardOptions.part(allJobs, index: shard.index, count: shard.count)
        let targets = try outputDir.map { folder in try outputPaths(for: jobs, in: folder) }
        if allJobs.isEmpty { throw ExitCode.failure }
        if jobs.isEmpty {  // more parts than inputs: nothing for this one
            if failures > 0 { throw ExitCode.failure }
            return
        }

        let model = try decoding.loadModel()
        let pool = RecognizerPool(model: model, options: try decoding.recognizerOptions(), workers: min(decoding.threads, jobs.count))
        let plain = allJobs.count == 1 && !allJobs[0].fromFolder
        let format = self.format
        let tally = Tally()
        let progress = FileProgress(total: jobs.count)
        _ = pool.transcribe(jobs.map(\.source)) { index, outcome in
            let job = jobs[index]
            if case .success(let transcript) = outcome { progress.advance(seconds: transcript.duration) } else { progress.advance(seconds: 0) }
            switch outcome {
            case .success(let transcript):
                if transcript.missingSeconds > 0 {
                    printError(String(format: "warning: %@: truncated: %.2f s of the audio its header declares are missing; transcribed what is there", job.name, transcript.missingSeconds))
                }
                if let targets {
                    do {
                        try AtomicFile.write(Data(transcript.rendered(as: format).utf8), to: targets[index])
                    } catch {
                        printError("error: \(error)")
                        tally.fail()
                    }
                } else if !tally.outputClosed {
                    let text = plain ? transcript.rendered(as: format)
                        : format == .json ? transcript.jsonLine() + "\n" : "\(job.name)\t\(transcript.text)\n"
                    do {
                        try StandardOutput.write(text)
                    } catch {
                        tally.closeOutput(error)
                    }
                }
            case .failure(let error):
                if job.fromFolder, let audioError = error as? AudioError, Self.isNotAudio(audioError, path: job.name) {
                    printError("warning: skipped \(audioError)")
                } else {
                    printError("error: \(error)")
                    tally.fail()
                }
            }
        }
        if let error = tally.outputError {
            if error is StdoutClosed {
                printError("stdout closed; stopping")
                throw ExitCode(stdoutClosedStatus)
            }
            throw error
        }
        if failures + tally.count > 0 { throw ExitCode.failure }
    }

    // MARK: - Implementation details

    /// One input to transcribe.
    struct Job {
        var source: AudioSource
        /// The path as shown in output and messages (`-` for standard input).
        var name: String
        /// Found by listing a folder rather than named by the user.
        var fromFolder: Bool
    }

    /// Extensions of the formats libsndfile reads; a folder's other files that fail to decode are
    /// skipped with a warning rather than counted as failures.
    static let audioExtensions: Set<String> = ["wav", "flac", "ogg", "oga", "opus", "mp3", "aiff", "aif", "aifc", "au", "snd", "caf", "w64", "rf64", "wv", "voc"]

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return path != "-" && FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// A folder's file that is plainly not audio (a manifest, notes), as opposed to damaged audio.
    static func isNotAudio(_ error: AudioError, path: String) -> Bool {
        guard !audioExtensions.contains((path as NSString).pathExtension.lowercased()) else { return false }
        switch error.kind {
        case .notAudio, .emptyFile: return true
        default: return false
        }
    }

    /// The inputs with folders replaced by their files; reports folders that cannot be listed or are empty.
    func expand(_ inputs: [String]) -> (jobs: [Job], failures: Int) {
        var jobs: [Job] = []
        var failures = 0
        for input in inputs {
            guard Self.isDirectory(input) else {
                jobs.append(Job(source: AudioSource(argument: input), name: input, fromFolder: false))
                continue
            }
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: input).filter { !$0.hasPrefix(".") }.sorted()
            } catch {
                printError("error: \(input): cannot list the folder (\(error.localizedDescription))")
                failures += 1
                continue
            }
            let files = names.map { (input as NSString).appendingPathComponent($0) }.filter { !Self.isDirectory($0) }
            if files.isEmpty {
                printError("error: \(input): the folder holds no files to transcribe")
                failures += 1
            }
            jobs += files.map { Job(source: .file($0), name: $0, fromFolder: true) }
        }
        return (jobs, failures)
    }

    /// `DIR/<basename without extension>.<ext>` for every job (`stdin.<ext>` for standard input),
    /// creating DIR; refuses two inputs that would write the same file, or one that would overwrite an input.
    func outputPaths(for jobs: [Job], in folder: String) throws -> [String] {
        let paths = jobs.map { job in
            let base = job.name == "-" ? "stdin" : ((job.name as NSString).lastPathComponent as NSString).deletingPathExtension
            return (folder as NSString).appendingPathComponent(base + "." + format.fileExtension)
        }
        var seen: [String: String] = [:]
        let inputs = Set(jobs.map { URL(fileURLWithPath: $0.name).standardizedFileURL.path })
        for (job, path) in zip(jobs, paths) {
            let key = URL(fileURLWithPath: path).standardizedFileURL.path
            if let other = seen[key] {
                throw ValidationError("\(other) and \(job.name) would both be written to \(path); transcribe them into different --output-dir folders")
            }
            if inputs.contains(key) { throw ValidationError("\(path) would overwrite the input \(path); choose another --output-dir") }
            seen[key] = job.name
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ValidationError("--output-dir \(folder): cannot create the folder (\(error.localizedDescription))")
        }
        return paths
    }
}

/// A failure count shared with the in-order delivery callback.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var failures = 0
    private var closed: (any Error)?
    func fail() { lock.withLock { failures += 1 } }
    var count: Int { lock.withLock { failures } }
    /// Records that standard output can no longer be written (`StdoutClosed`, or another write error).
    func closeOutput(_ error: any Error) { lock.withLock { if closed == nil { closed = error } } }
    var outputClosed: Bool { lock.withLock { closed != nil } }
    var outputError: (any Error)? { lock.withLock { closed } }
}
