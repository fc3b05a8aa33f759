import Foundation
import Steno
import Testing

@Suite("steno stream")
struct StreamCommandTests {
    /// 2.5 s of syllable-like noise written as a 16 kHz 16-bit WAV; returns its path and raw s16le bytes.
    static func speech(in scratch: Scratch) throws -> (wav: String, raw: Data) {
        var random = SplitMix64(seed: 21)
        let samples = (0..<40_000).map { (index: Int) -> Float in
            let envelope: Double = 0.6 + 0.4 * sin(Double(index) / 16_000 * 8 * .pi)
            let noise: Double = (random.uniform() - 0.5) * 0.4 * envelope
            return Float(noise + 0.2 * sin(Double(index) * 0.09))
        }
        let wav = scratch.file("speech.wav")
        try AudioFileWriter.write(samples, sampleRate: 16_000, format: .wav16, to: wav)
        let decoded = try AudioDecoder.decode(.file(wav)).samples
        var raw = Data()
        for sample in decoded { withUnsafeBytes(of: Int16(sample * 32_768).littleEndian) { raw.append(contentsOf: $0) } }
        return (wav, raw)
    }

    static func lines(_ output: String) throws -> [[String: Any]] {
        try output.split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
    }

    @Test("Raw s16le on standard input: JSON lines with text, start, end and timed words; the text that transcribe gives")
    func rawInput() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let (wav, raw) = try Self.speech(in: scratch)
        let offline = try steno(["transcribe", "--model", model, wav])
        let result = try steno(["stream", "--model", model, "--silence", "0", "--max-utterance", "0"], stdin: raw)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        let objects = try Self.lines(result.stdout)
        try #require(objects.count == 1, "\(result.stdout)")
        #expect(Set(objects[0].keys) == ["text", "start", "end", "result"])
        #expect(objects[0]["text"] as? String == offline.stdout.trimmingCharacters(in: .newlines))
        #expect(!(objects[0]["text"] as? String ?? "").isEmpty)
        #expect(objects[0]["start"] as? Double == 0 && objects[0]["end"] as? Double == 2.5)
        let words = try #require(objects[0]["result"] as? [[String: Any]])
        #expect(!words.isEmpty && words.allSatisfy { Set($0.keys) == ["word", "start", "end", "conf"] })
    }

    @Test("--partial adds partial lines before the final; the default endpointing gives the same text here")
    func partials() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let (_, raw) = try Self.speech(in: scratch)
        let result = try steno(["stream", "--model", model, "--partial", "--chunk-ms", "20"], stdin: raw)
        #expect(result.status == 0, "\(result.stderr)")
        let objects = try Self.lines(result.stdout)
        let partials = objects.compactMap { $0["partial"] as? String }
        #expect(!partials.isEmpty)
        #expect(objects.last?["text"] is String)
        #expect(objects.allSatisfy { $0.keys.count == 1 ? $0["partial"] != nil : $0["text"] != nil })
    }

    @Test("--encoding wav reads the header's rate and channels; the result equals the raw stream's")
    func wavInput() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let (wav, raw) = try Self.speech(in: scratch)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: wav))
        let fromWAV = try steno(["stream", "--model", model, "--encoding", "wav"], stdin: bytes)
        let fromRaw = try steno(["stream", "--model", model], stdin: raw)
        #expect(fromWAV.status == 0, "\(fromWAV.stderr)")
        #expect(!fromWAV.stdout.isEmpty && fromWAV.stdout == fromRaw.stdout)
    }

    @Test("WAV bytes declared as s16le: a clear error and a non-zero status")
    func wavAsRaw() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let (wav, _) = try Self.speech(in: scratch)
        let result = try steno(["stream", "--model", model], stdin: Data(contentsOf: URL(fileURLWithPath: wav)))
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: standard input: input looks like a WAV file; use --encoding wav"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("Bad samples mid-stream: what was heard so far is still written, then a non-zero status")
    func badSamplesAfterSpeech() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        var bytes = Data()
        for index in 0..<32_000 {
            let value = Float(sin(Double(index) * 0.09) * 0.3) + (index % 7 == 0 ? 0.1 : -0.05)
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        let result = try steno(["stream", "--model", model, "--encoding", "f32le", "--silence", "0"], stdin: bytes)
        #expect(result.status == 1)
        #expect(result.stderr.contains("sample frame 32000 is not a finite number"), "\(result.stderr)")
        let objects = try Self.lines(result.stdout)
        #expect(objects.count == 1 && (objects.first?["end"] as? Double) == 2)
    }

    @Test("Input ending mid-sample: a warning, the partial sample dropped, status 0")
    func danglingByte() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let (_, raw) = try Self.speech(in: scratch)
        let whole = try steno(["stream", "--model", model], stdin: raw)
        let result = try steno(["stream", "--model", model], stdin: raw + Data([0x7F]))
        #expect(result.status == 0)
        #expect(result.stderr.contains("warning: standard input ended 1 byte into a sample frame; dropped the incomplete frame"), "\(result.stderr)")
        #expect(result.stdout == whole.stdout)
    }

    @Test("Empty input: no output, status 0")
    func emptyInput() throws {
        let scratch = Scratch()
        let result = try steno(["stream", "--model", try tinyModel(in: scratch)], stdin: Data())
        #expect(result.status == 0 && result.stdout.isEmpty, "\(result.stderr)")
    }

    @Test("Invalid options are refused, naming the option", arguments: [
        (["--chunk-ms", "0"], "--chunk-ms"), (["--rate", "0"], "--rate"), (["--channels", "0"], "--channels"),
        (["--silence", "-1"], "--silence"), (["--max-utterance", "nan"], "--max-utterance"), (["--encoding", "mp3"], "--encoding"),
    ])
    func validation(arguments: [String], option: String) throws {
        let scratch = Scratch()
        let result = try steno(["stream", "--model", try tinyModel(in: scratch)] + arguments, stdin: Data())
        #expect(result.status != 0)
        #expect(result.stderr.contains(option), "\(result.stderr)")
    }

    @Test("Standard output closed by the reader: a message and status 141, not a crash")
    func closedStdout() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let (_, raw) = try Self.speech(in: scratch)
        let input = scratch.file("in.raw")
        try (raw + raw + raw).write(to: URL(fileURLWithPath: input))
        let process = Process()
        process.executableURL = stenoBinary
        process.arguments = ["stream", "--model", model, "--partial", "--chunk-ms", "10"]
        let output = Pipe(), errors = scratch.file("err")
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        try output.fileHandleForReading.close()  // nobody will read: the first write fails with EPIPE
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 141)
        #expect(try String(contentsOfFile: errors, encoding: .utf8).contains("stdout closed; stopping"))
    }
}
