import Foundation
import Steno

/// The format-invariance check: every utterance of a manifest rendered the ways users bring audio
/// (lossless, telephone, 8 kHz, MP3, Opus, quiet, noisy), each rendering scored by `steno evaluate`
/// (the binary beside this one) with the same options, and one table of WER and CER printed.
///
///     steno-bench formats MANIFEST [--limit N] [--keep FOLDER] [-- evaluate options...]
enum FormatMatrix {
    /// One way of rendering an utterance: a rate, a file format, channels and what is done to the samples first.
    struct Rendering {
        var name: String
        var rate: Int
        var format: AudioFileFormat
        var channels = 1
        var gainDB = 0.0
        var noiseSNR: Double?
    }

    static let renderings = [
        Rendering(name: "16 kHz FLAC", rate: 16_000, format: .flac16),
        Rendering(name: "8 kHz μ-law WAV", rate: 8_000, format: .wavMuLaw),
        Rendering(name: "8 kHz 16-bit WAV", rate: 8_000, format: .wav16),
        Rendering(name: "44.1 kHz stereo MP3", rate: 44_100, format: .mp3, channels: 2),
        Rendering(name: "48 kHz Opus", rate: 48_000, format: .oggOpus),
        Rendering(name: "16 kHz WAV, 25 dB quieter", rate: 16_000, format: .wav16, gainDB: -25),
        Rendering(name: "16 kHz WAV, noise at 10 dB SNR", rate: 16_000, format: .wav16, noiseSNR: 10),
    ]

    static func run(_ arguments: [String]) throws {
        var arguments = arguments
        var evaluateOptions: [String] = []
        if let separator = arguments.firstIndex(of: "--") {
            evaluateOptions = Array(arguments[(separator + 1)...])
            arguments = Array(arguments[..<separator])
        }
        var limit = Int.max, keep: String?
        var manifestPath: String?
        while !arguments.isEmpty {
            let argument = arguments.removeFirst()
            switch argument {
            case "--limit": limit = arguments.isEmpty ? 0 : Int(arguments.removeFirst()) ?? 0
            case "--keep": keep = arguments.isEmpty ? nil : arguments.removeFirst()
            default: manifestPath = argument
            }
        }
        guard let manifestPath, limit > 0 else {
            print("usage: steno-bench formats MANIFEST [--limit N] [--keep FOLDER] [-- steno evaluate options]")
            exit(2)
        }
        let manifest = try Manifest.load(manifestPath)
        let entries = Array(manifest.entries.prefix(limit))
        let folder = keep ?? NSTemporaryDirectory() + "steno-formats-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: folder) } }
        let steno = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("steno").path

        var rows: [(String, EvaluationFigures)] = []
        // The manifest's own files, as a reference row.
        let original = folder + "/original.tsv"
        try write(entries.map { ($0.audioPath, $0.transcript) }, to: original)
        rows.append(("as given (\(entries.count) utterances)", try evaluate(steno: steno, manifest: original, options: evaluateOptions, folder: folder)))
        for (index, rendering) in renderings.enumerated() {
            guard rendering.format.isWritable(channels: rendering.channels, sampleRate: rendering.rate) else {
                print("skipped \(rendering.name): this libsndfile cannot write \(rendering.format.rawValue)")
                continue
            }
            var lines: [(String, String)] = []
            for (number, entry) in entries.enumerated() {
                let path = "\(folder)/r\(index)-\(number).\(rendering.format.fileExtension)"
                try render(entry.audioPath, as: rendering, seed: UInt64(number), to: path)
                lines.append((path, entry.transcript))
            }
            let list = "\(folder)/rendering\(index).tsv"
            try write(lines, to: list)
            rows.append((rendering.name, try evaluate(steno: steno, manifest: list, options: evaluateOptions, folder: folder)))
        }
        print("| rendering | WER | CER |")
        print("|---|---|---|")
        for (name, figures) in rows {
            print(String(format: "| %@ | %.1f%% | %.1f%% |", name, figures.wer, figures.cer))
        }
    }

    /// `source` decoded, changed and written as `rendering` says.
    static func render(_ source: String, as rendering: Rendering, seed: UInt64, to path: String) throws {
        var samples = try AudioDecoder.decode(.file(source), sampleRate: rendering.rate, quality: .best).samples
        if rendering.gainDB != 0 {
            let gain = Float(pow(10, rendering.gainDB / 20))
            for i in samples.indices { samples[i] *= gain }
        }
        if let snr = rendering.noiseSNR {
            var random = SplitMix64(seed: seed)
            let signal = samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, samples.count))
            let scale = (signal / pow(10, snr / 10)).squareRoot()
            for i in samples.indices { samples[i] = min(max(samples[i] + Float(scale * random.normal()), -1), 1) }
        }
        if rendering.channels > 1 {
            samples = samples.flatMap { Array(repeating: $0, count: rendering.channels) }
        }
        try AudioFileWriter.write(samples, channels: rendering.channels, sampleRate: rendering.rate, format: rendering.format, to: path)
    }

    struct EvaluationFigures: Decodable {
        var wer: Double
        var cer: Double
    }

    /// Runs `steno evaluate` on `manifest` and reads its JSON report.
    static func evaluate(steno: String, manifest: String, options: [String], folder: String) throws -> EvaluationFigures {
        let report = folder + "/report.json"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: steno)
        process.arguments = ["evaluate", "--manifest", manifest, "--json", report] + options
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        // Status 1 means some files failed; they are scored as deletions and the report is still written.
        guard process.terminationStatus <= 1, let data = FileManager.default.contents(atPath: report) else {
            throw FormatMatrixError(message: "steno evaluate failed on \(manifest) (status \(process.terminationStatus))")
        }
        defer { try? FileManager.default.removeItem(atPath: report) }
        return try JSONDecoder().decode(EvaluationFigures.self, from: data)
    }

    static func write(_ lines: [(String, String)], to path: String) throws {
        try lines.map { "\($0.0)\t\($0.1)\n" }.joined().write(toFile: path, atomically: true, encoding: .utf8)
    }

    struct FormatMatrixError: Error, CustomStringConvertible {
        var message: String
        var description: String { "error: \(message)" }
    }
}

extension AudioFileFormat {
    /// The usual file name extension.
    var fileExtension: String {
        switch self {
        case .flac16: "flac"
        case .oggVorbis: "ogg"
        case .oggOpus: "opus"
        case .aiff16: "aiff"
        case .mp3: "mp3"
        default: "wav"
        }
    }
}
