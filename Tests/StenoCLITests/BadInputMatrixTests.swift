import Foundation
import Steno
import Testing

/// What one bad input must produce when run through the built `steno` binary.
struct BadInputExpectation {
    /// The command line (without `steno`).
    var arguments: [String]
    /// Bytes on standard input (closed after them).
    var stdin = Data()
    /// The file, option or "standard input" that one line of stderr must name…
    var names: String
    /// …together with this phrase describing the problem.
    var problem: String
    /// The exact exit status, where the documentation gives one.
    var status: Int32? = nil
    /// Further lines stderr must contain.
    var alsoMentions: [String] = []
    /// Files the command may leave in the case's folder (a complete report, say); anything else new is a leftover.
    var allowedOutputs: [String] = []
}

/// One row of the matrix: a name for the test report, and how to build its inputs in a fresh folder.
struct BadInput: Sendable, CustomTestStringConvertible {
    var name: String
    var make: @Sendable (Scratch) throws -> BadInputExpectation
    var testDescription: String { name }

    init(_ name: String, _ make: @escaping @Sendable (Scratch) throws -> BadInputExpectation) {
        self.name = name
        self.make = make
    }
}

@Suite("Bad input end to end: a message naming the input and the problem, a non-zero status, no crash, no hang, no leftovers")
struct BadInputMatrixTests {
    @Test("Bad input is refused cleanly", arguments: BadInputMatrixTests.cases)
    func badInput(_ row: BadInput) throws {
        let scratch = Scratch()
        let expected = try row.make(scratch)
        let before = try regularFiles(in: scratch.path)
        let result = try runBounded(expected.arguments, stdin: expected.stdin)
        try #require(!result.timedOut, "steno \(expected.arguments.joined(separator: " ")) still running after \(Self.timeout) s; killed")
        #expect(result.reason == .exit, "ended by signal \(result.status) (a crash): \(result.stderr)")
        #expect(result.status != 0 && result.status < 128, "exit status \(result.status): \(result.stderr)")
        if let status = expected.status { #expect(result.status == status, "\(result.stderr)") }
        let lines = result.stderr.split(separator: "\n")
        let message = lines.first { $0.contains(expected.names) && $0.contains(expected.problem) }
        Self.report(row.name, status: result.status, message: message)
        #expect(message != nil, "no line of stderr names \(expected.names) with \"\(expected.problem)\":\n\(result.stderr)")
        #expect(message?.hasPrefix("error: ") != false, "every error line starts with \"error: \": \(message ?? "")")
        for phrase in expected.alsoMentions { #expect(result.stderr.contains(phrase), "\(result.stderr)") }
        let left = try regularFiles(in: scratch.path).subtracting(before).subtracting(expected.allowedOutputs.map { relative($0, to: scratch) })
        #expect(left.isEmpty, "left behind: \(left.sorted())")
    }

    @Test("A file without read permission", .enabled(if: geteuid() != 0, "running as root, which reads every file: cannot test"))
    func unreadable() throws {
        let scratch = Scratch()
        let locked = try put(wav(data: quietInt16(1_600)), "locked.wav", in: scratch)
        chmod(locked, 0)
        defer { chmod(locked, 0o644) }
        try FileManager.default.createDirectory(atPath: scratch.file("out"), withIntermediateDirectories: true)
        let result = try runBounded(["features", locked, "-o", scratch.file("out/f.npy")])
        try #require(!result.timedOut)
        #expect(result.reason == .exit && result.status != 0 && result.status < 128, "\(result.status): \(result.stderr)")
        #expect(result.stderr.contains("\(locked): cannot be read (Permission denied)"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("out/f.npy")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.file("out")).isEmpty)
    }

    @Test("stream: standard input closed in the middle of a sample gives a warning, the valid output and status 0")
    func streamEndsMidSample() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let raw = Data(quietInt16(16_000)) + Data([0x12, 0x34, 0x56])  // 8 000 s16le stereo frames (0.5 s), then 3 bytes of the next
        let result = try runBounded(["stream", "--model", model, "--channels", "2", "--silence", "0", "--max-utterance", "0"], stdin: raw)
        try #require(!result.timedOut)
        #expect(result.reason == .exit && result.status == 0, "\(result.status): \(result.stderr)")
        #expect(result.stderr.contains("warning: standard input ended 3 bytes into a sample frame; dropped the incomplete frame"), "\(result.stderr)")
        let objects = try result.stdout.split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
        #expect(objects.count == 1 && objects[0]["text"] is String, "\(result.stdout)")
        #expect(objects.first?["end"] as? Double == 0.5, "8 000 whole stereo frames at 16 kHz")
    }

    @Test("train: characters outside the alphabet are reported once, as a warning")
    func trainUnknownCharacters() throws {
        let scratch = Scratch()
        let train = try put(Data("\(samplesFolder)/hello.wav\tпривет hello ñandú world\n\(samplesFolder)/digits.wav\tone two ж three\n".utf8),
                            "train.tsv", in: scratch)
        // A validation set with nothing usable stops the run after the corpus is prepared: no training.
        let valid = try put(Data("gone.wav\thello\n".utf8), "valid.tsv", in: scratch)
        let result = try runBounded(["train", "--train", train, "--valid", valid, "-o", scratch.file("m.steno")])
        try #require(!result.timedOut)
        #expect(result.reason == .exit, "\(result.stderr)")
        let warnings = result.stderr.split(separator: "\n").filter { $0.contains("characters outside the alphabet") }
        #expect(warnings.count == 1, "\(result.stderr)")
        #expect(warnings.first?.hasPrefix("warning: ") == true && warnings.first?.contains("\"ж\"") == true, "\(warnings)")
        #expect(!result.stderr.contains("error: \(train)"), "the unknown characters are not an error")
        #expect(result.stderr.contains("training: 2 utterances"), "both training utterances are kept: \(result.stderr)")
        #expect(result.stderr.contains("no usable validation utterances"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("m.steno")))
    }

    /// With `STENO_BAD_INPUT_REPORT=FILE`, appends "case TAB status TAB message" for each row to FILE: the
    /// evidence of what users see (scratch folders shortened to `…/`). One `write` per line, so parallel rows don't mix.
    static func report(_ name: String, status: Int32, message: Substring?) {
        guard let path = ProcessInfo.processInfo.environment["STENO_BAD_INPUT_REPORT"] else { return }
        let shortened = (message.map(String.init) ?? "(no matching line)")
            .replacing(/\/[^ :]*steno-cli-test-[^\/ ]*\//, with: "…/")
        let line = Array("\(name)\t\(status)\t\(shortened)\n".utf8)
        let file = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard file >= 0 else { return }
        _ = line.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
        close(file)
    }

    // MARK: - The matrix

    static let cases: [BadInput] = audioCases + standardInputCases + streamCases + modelCases + languageModelCases + manifestCases + optionCases

    static let audioCases: [BadInput] = [
        BadInput("empty file (transcribe --output-dir)") { scratch in
            let file = try put(Data(), "empty.wav", in: scratch)
            return BadInputExpectation(arguments: ["transcribe", "--model", try tinyModel(in: scratch), "--output-dir", scratch.file("out"), file],
                                       names: file, problem: "the file is empty (0 bytes)", status: 1)
        },
        BadInput("text file named .wav (features)") { scratch in
            let file = try put(Data(String(repeating: "not audio at all\n", count: 20).utf8), "notes.wav", in: scratch)
            return try features(file, in: scratch, problem: "not a recognised audio file")
        },
        BadInput("truncated WAV header (transcribe)") { scratch in
            let file = try put(wav(data: quietInt16(100)).prefix(30), "short.wav", in: scratch)
            return try transcribe(file, in: scratch, problem: "damaged audio file")
        },
        BadInput("header claims more data than the file holds (features)") { scratch in
            let file = try put(wav(data: quietInt16(1_000), declaredDataBytes: 8_000), "cut.wav", in: scratch)
            return try features(file, in: scratch, problem: "truncated: the header declares 8000 bytes of audio data but the file holds 2000")
        },
        BadInput("absurd channel count (transcribe)") { scratch in
            let file = try put(wav(channels: 5_000, data: quietInt16(10_000)), "channels.wav", in: scratch)
            return try transcribe(file, in: scratch, problem: "invalid channel count 5000")
        },
        BadInput("absurd sample rate (features)") { scratch in
            let file = try put(wav(rate: 3_000_000_000, data: quietInt16(1_000)), "rate.wav", in: scratch)
            return try features(file, in: scratch, problem: "invalid sample rate 3000000000 Hz")
        },
        BadInput("float WAV with NaN (features)") { scratch in
            var samples = [Float](repeating: 0.1, count: 4_000)
            samples[2_777] = .nan
            let file = try put(wav(formatTag: 3, bits: 32, data: float32(samples)), "nan.wav", in: scratch)
            return try features(file, in: scratch, problem: "sample 2777 is NaN or infinite")
        },
        BadInput("float WAV with infinity (transcribe)") { scratch in
            var samples = [Float](repeating: 0.1, count: 4_000)
            samples[3_000] = -.infinity
            let file = try put(wav(formatTag: 3, bits: 32, data: float32(samples)), "inf.wav", in: scratch)
            return try transcribe(file, in: scratch, problem: "sample 3000 is NaN or infinite")
        },
        BadInput("0-sample audio (transcribe)") { scratch in
            let file = try put(wav(data: []), "silent.wav", in: scratch)
            return try transcribe(file, in: scratch, problem: "the audio holds no samples")
        },
        BadInput("unsupported codec: unknown WAV format tag (features)") { scratch in
            let file = try put(wav(formatTag: 0x7A7A, data: quietInt16(1_000)), "codec.wav", in: scratch)
            return try features(file, in: scratch, problem: "unsupported audio encoding (libsndfile: no decoder for format tag 0x7A7A")
        },
        BadInput("unsupported codec: unknown WAV format tag (info)") { scratch in
            let file = try put(wav(formatTag: 0x7A7A, data: quietInt16(1_000)), "codec.wav", in: scratch)
            return BadInputExpectation(arguments: ["info", file], names: file, problem: "unsupported audio encoding", status: 1)
        },
        BadInput("WAV whose LIST chunk claims more than the file holds (info)") { scratch in
            let list = Array("LIST".utf8) + littleEndian(20, bytes: 4) + Array("INFO".utf8) + Array("ISFT".utf8) + [0xFF, 0xFF, 0xFF, 0xFF] + Array("stenosteno".utf8)
            var bytes = [UInt8](wav(data: quietInt16(100)))
            bytes.insert(contentsOf: list, at: 36)
            let file = try put(Data(bytes), "list.wav", in: scratch)
            return BadInputExpectation(arguments: ["info", file], names: file, problem: "damaged audio file (the LIST chunk at byte 36 holds a sub-chunk 'ISFT' of 4294967295 bytes", status: 1)
        },
        BadInput("directory given as the input (features)") { scratch in
            let folder = scratch.file("recordings.wav")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            return try features(folder, in: scratch, problem: "is a directory, not an audio file")
        },
        BadInput("missing file (features)") { scratch in
            try features(scratch.file("gone.wav"), in: scratch, problem: "no such file")
        },
        BadInput("missing file (transcribe)") { scratch in
            try transcribe(scratch.file("gone.flac"), in: scratch, problem: "no such file")
        },
    ]

    static let standardInputCases: [BadInput] = [
        BadInput("standard input with no data (transcribe -)") { scratch in
            BadInputExpectation(arguments: ["transcribe", "--model", try tinyModel(in: scratch), "-"],
                                names: "standard input", problem: "the file is empty (0 bytes)", status: 1)
        },
        BadInput("standard input with no data (features -)") { scratch in
            try features("-", in: scratch, names: "standard input", problem: "the file is empty (0 bytes)")
        },
        BadInput("standard input with a truncated WAV header (features -)") { scratch in
            var expectation = try features("-", in: scratch, names: "standard input", problem: "damaged audio file")
            expectation.stdin = wav(data: quietInt16(100)).prefix(30)
            return expectation
        },
    ]

    static let streamCases: [BadInput] = [
        BadInput("stream: WAV bytes with --encoding s16le") { scratch in
            BadInputExpectation(arguments: ["stream", "--model", try tinyModel(in: scratch), "--encoding", "s16le"], stdin: wav(data: quietInt16(8_000)),
                                names: "standard input", problem: "input looks like a WAV file; use --encoding wav", status: 1)
        },
        BadInput("stream: raw bytes with --encoding wav") { scratch in
            BadInputExpectation(arguments: ["stream", "--model", try tinyModel(in: scratch), "--encoding", "wav"], stdin: Data(quietInt16(8_000)),
                                names: "standard input", problem: "input is not a WAV file", status: 1)
        },
        BadInput("stream: input ends inside the WAV header") { scratch in
            BadInputExpectation(arguments: ["stream", "--model", try tinyModel(in: scratch), "--encoding", "wav"], stdin: wav(data: []).prefix(30),
                                names: "standard input", problem: "input ended inside the WAV header", status: 1)
        },
        BadInput("stream: WAV header with an absurd channel count") { scratch in
            BadInputExpectation(arguments: ["stream", "--model", try tinyModel(in: scratch), "--encoding", "wav"],
                                stdin: wav(channels: 5_000, data: quietInt16(20_000)),
                                names: "standard input", problem: "the header declares 5000 channels", status: 1)
        },
        BadInput("stream: WAV header with an absurd sample rate") { scratch in
            BadInputExpectation(arguments: ["stream", "--model", try tinyModel(in: scratch), "--encoding", "wav"],
                                stdin: wav(rate: 3_000_000_000, data: quietInt16(8_000)),
                                names: "standard input", problem: "the header declares a sample rate of 3000000000 Hz", status: 1)
        },
        BadInput("stream: NaN in f32le input") { scratch in
            var samples = [Float](repeating: 0.1, count: 4_000)
            samples[1_234] = .nan
            return BadInputExpectation(arguments: ["stream", "--model", try tinyModel(in: scratch), "--encoding", "f32le"], stdin: Data(float32(samples)),
                                       names: "standard input", problem: "sample frame 1234 is not a finite number", status: 1)
        },
    ]

    static let modelCases: [BadInput] = [
        BadInput("model file truncated (transcribe --output-dir)") { scratch in
            let model = try damagedModel("cut.steno", in: scratch) { $0.removeLast($0.count / 2) }
            return transcribe(model: model, in: scratch, problem: "truncated or damaged")
        },
        BadInput("model file with the wrong magic (transcribe --output-dir)") { scratch in
            let model = try damagedModel("magic.steno", in: scratch) { $0.replaceSubrange(0..<8, with: Array("GGUFGGUF".utf8)) }
            return transcribe(model: model, in: scratch, problem: "not a Steno model file")
        },
        BadInput("model file from a future version (transcribe --output-dir)") { scratch in
            let model = try damagedModel("future.steno", in: scratch) { $0[8] = 2 }
            return transcribe(model: model, in: scratch, problem: "written by a newer Steno (format 2)")
        },
        BadInput("model file with a flipped bit (stream)") { scratch in
            let model = try damagedModel("flipped.steno", in: scratch) { $0[$0.count - 100] ^= 0x10 }
            return BadInputExpectation(arguments: ["stream", "--model", model], stdin: Data(quietInt16(1_600)), names: model, problem: "bad checksum")
        },
        BadInput("model whose tensor shapes do not match its architecture (transcribe --output-dir)") { scratch in
            let model = try mismatchedModel(in: scratch)
            return transcribe(model: model, in: scratch, problem: "the architecture needs")
        },
        BadInput("model whose tensor shapes do not match its architecture (info)") { scratch in
            let model = try mismatchedModel(in: scratch)
            return BadInputExpectation(arguments: ["info", model], names: model, problem: "the architecture needs", status: 1)
        },
        BadInput("model file missing (evaluate)") { scratch in
            let manifest = try put(Data("\(samplesFolder)/hello.wav\thello\n".utf8), "m.tsv", in: scratch)
            return BadInputExpectation(arguments: ["evaluate", "--manifest", manifest, "--model", scratch.file("gone.steno"), "--json", scratch.file("r.json")],
                                       names: scratch.file("gone.steno"), problem: "no such file")
        },
    ]

    static let languageModelCases: [BadInput] = [
        BadInput("ARPA: counts that disagree with the sections") { scratch in
            try lmCase(arpa.replacingOccurrences(of: "ngram 1=3", with: "ngram 1=5"), in: scratch, problem: "holds 3 n-grams but \\data\\ declares 5")
        },
        BadInput("ARPA: a count line that is not a number") { scratch in
            try lmCase(arpa.replacingOccurrences(of: "ngram 1=3", with: "ngram 1=three"), in: scratch, problem: "expected \"ngram N=count\"")
        },
        BadInput("ARPA: no \\data\\ line") { scratch in
            try lmCase(arpa.replacingOccurrences(of: "\\data\\\n", with: ""), in: scratch, problem: "no \\data\\ line")
        },
        BadInput("ARPA: no \\end\\ line") { scratch in
            try lmCase(arpa.replacingOccurrences(of: "\\end\\\n", with: ""), in: scratch, problem: "the file ends without \\end\\")
        },
        BadInput("ARPA: a probability that is not a number") { scratch in
            try lmCase(arpa.replacingOccurrences(of: "-0.5\tyes", with: "high\tyes"), in: scratch, problem: "\"high\" is not a number")
        },
    ]

    static let manifestCases: [BadInput] = [
        BadInput("manifest line without a transcript column (evaluate)") { scratch in
            let manifest = try put(Data("\(samplesFolder)/hello.wav\thello\n\(samplesFolder)/digits.wav\n".utf8), "m.tsv", in: scratch)
            return try evaluate(manifest, in: scratch, names: manifest + ":2", problem: "no TAB between the audio path and the transcript")
        },
        BadInput("manifest line without a transcript column (train)") { scratch in
            let manifest = try put(Data("\(samplesFolder)/hello.wav\n".utf8), "m.tsv", in: scratch)
            return BadInputExpectation(arguments: ["train", "--train", manifest, "--valid", manifest, "-o", scratch.file("m.steno")],
                                       names: manifest + ":1", problem: "no TAB between the audio path and the transcript")
        },
        BadInput("JSON-lines manifest without \"text\" (evaluate)") { scratch in
            let manifest = try put(Data("{\"audio_filepath\": \"\(samplesFolder)/hello.wav\"}\n".utf8), "m.jsonl", in: scratch)
            return try evaluate(manifest, in: scratch, names: manifest + ":1", problem: "missing \"text\"")
        },
        BadInput("manifest with missing audio (evaluate: reported, counted, status 1)") { scratch in
            let manifest = try put(Data("\(samplesFolder)/hello.wav\thello world\ngone.wav\tthree more words\n".utf8), "m.tsv", in: scratch)
            var expectation = try evaluate(manifest, in: scratch, names: scratch.file("gone.wav"), problem: "no such file")
            expectation.status = 1
            expectation.alsoMentions = ["1 of 2 utterances could not be transcribed"]
            expectation.allowedOutputs = [scratch.file("report.json"), scratch.file("details.tsv")]  // complete reports that list the failure
            return expectation
        },
        BadInput("manifest with bytes that are not UTF-8 (evaluate)") { scratch in
            let manifest = try put(Data("\(samplesFolder)/hello.wav\thello\n\(samplesFolder)/digits.wav\tone ".utf8) + Data([0xC3, 0x28, 0x0A]),
                                   "m.tsv", in: scratch)
            return try evaluate(manifest, in: scratch, names: manifest + ":2", problem: "not UTF-8")
        },
        BadInput("manifest missing (train)") { scratch in
            BadInputExpectation(arguments: ["train", "--train", scratch.file("gone.tsv"), "--valid", scratch.file("gone.tsv"), "-o", scratch.file("m.steno")],
                                names: scratch.file("gone.tsv"), problem: "no such file")
        },
    ]

    static let optionCases: [BadInput] = [
        BadInput("transcribe --beam-width -1") { scratch in
            BadInputExpectation(arguments: ["transcribe", "--model", try tinyModel(in: scratch), "--beam-width", "-1", "\(samplesFolder)/hello.wav"],
                                names: "--beam-width", problem: "must be at least 1", status: 64)
        },
        BadInput("stream --rate 0") { scratch in
            BadInputExpectation(arguments: ["stream", "--model", try tinyModel(in: scratch), "--rate", "0"], stdin: Data(quietInt16(1_600)),
                                names: "--rate", problem: "must be a positive number of Hz", status: 64)
        },
        BadInput("stream --rate 3000000000") { scratch in
            BadInputExpectation(arguments: ["stream", "--model", try tinyModel(in: scratch), "--rate", "3000000000"], stdin: Data(quietInt16(1_600)),
                                names: "--rate", problem: "must be between 1000 and 768000 Hz", status: 64)
        },
        BadInput("stream --chunk-ms 0") { scratch in
            BadInputExpectation(arguments: ["stream", "--model", try tinyModel(in: scratch), "--chunk-ms", "0"], stdin: Data(quietInt16(1_600)),
                                names: "--chunk-ms", problem: "must be between 1 and 60000", status: 64)
        },
        BadInput("features --bins 0") { scratch in
            var expectation = try features("\(samplesFolder)/hello.wav", in: scratch, names: "--bins", problem: "use at least 3")
            expectation.arguments += ["--bins", "0"]
            expectation.status = 64
            return expectation
        },
        BadInput("train --batch-size 0") { scratch in
            let manifest = try put(Data("\(samplesFolder)/hello.wav\thello\n".utf8), "m.tsv", in: scratch)
            return BadInputExpectation(arguments: ["train", "--train", manifest, "--valid", manifest, "-o", scratch.file("m.steno"), "--batch-size", "0"],
                                       names: "--batch-size", problem: "must be at least 1", status: 64)
        },
    ]

    // MARK: - Commands

    /// Computes features of `input` into an existing folder, so a partial `.npy` or temporary file would show.
    static func features(_ input: String, in scratch: Scratch, names: String? = nil, problem: String) throws -> BadInputExpectation {
        try FileManager.default.createDirectory(atPath: scratch.file("out"), withIntermediateDirectories: true)
        return BadInputExpectation(arguments: ["features", input, "-o", scratch.file("out/features.npy")], names: names ?? input, problem: problem)
    }

    /// Transcribes one bad file into `--output-dir`, so a partial transcript would show.
    static func transcribe(_ input: String, in scratch: Scratch, problem: String) throws -> BadInputExpectation {
        let model = try tinyModel(in: scratch)
        return BadInputExpectation(arguments: ["transcribe", "--model", model, "--output-dir", scratch.file("out"), input],
                                   names: input, problem: problem, status: 1)
    }

    /// Transcribes a good recording with a bad model into `--output-dir`.
    static func transcribe(model: String, in scratch: Scratch, problem: String) -> BadInputExpectation {
        BadInputExpectation(arguments: ["transcribe", "--model", model, "--output-dir", scratch.file("out"), "\(samplesFolder)/hello.wav"],
                            names: model, problem: problem)
    }

    static func evaluate(_ manifest: String, in scratch: Scratch, names: String, problem: String) throws -> BadInputExpectation {
        let model = try tinyModel(in: scratch)
        return BadInputExpectation(arguments: ["evaluate", "--manifest", manifest, "--model", model, "--json", scratch.file("report.json"),
                                               "--details", scratch.file("details.tsv")],
                                   names: names, problem: problem)
    }

    /// A small, valid ARPA model to damage.
    static let arpa = "\\data\\\nngram 1=3\n\n\\1-grams:\n-1.0\t<s>\t-0.3\n-0.5\tyes\n-1.2\t</s>\n\n\\end\\\n"

    static func lmCase(_ text: String, in scratch: Scratch, problem: String) throws -> BadInputExpectation {
        let lm = scratch.file("lm.arpa")
        try Data(text.utf8).write(to: URL(fileURLWithPath: lm))
        var expectation = transcribe(model: try tinyModel(in: scratch), in: scratch, problem: problem)
        expectation.arguments.insert(contentsOf: ["--beam-width", "4", "--lm", lm], at: 1)
        expectation.names = lm
        return expectation
    }

    static func damagedModel(_ name: String, in scratch: Scratch, damage: (inout [UInt8]) -> Void) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try tinyModel(in: scratch))))
        damage(&bytes)
        return try put(Data(bytes), name, in: scratch)
    }

    /// A well-formed container (valid checksum) whose second tensor has one column too many for the architecture in its header.
    static func mismatchedModel(in scratch: Scratch) throws -> String {
        var container = try ModelContainer(contentsOf: try tinyModel(in: scratch))
        let tensor = container.tensors[1], shape = [container.tensors[1].shape[0], container.tensors[1].shape[1] + 1]
        container.tensors[1] = NamedTensor(name: tensor.name, shape: shape, values: [Float](repeating: 0, count: shape[0] * shape[1]))
        let path = scratch.file("mismatch.steno")
        try container.write(to: path)
        return path
    }

    // MARK: - Running with a time limit

    /// Seconds a command may take before it counts as hung (every case takes well under one in a debug build).
    static let timeout: Double = 60

    struct BoundedResult {
        var status: Int32
        var reason: Process.TerminationReason
        var stdout: String
        var stderr: String
        var timedOut: Bool
    }

    /// Runs the built `steno` with `arguments` and `stdin`, killing it after ``timeout`` seconds.
    func runBounded(_ arguments: [String], stdin: Data = Data()) throws -> BoundedResult {
        let folder = Scratch()
        let outURL = URL(fileURLWithPath: folder.file("out")), errURL = URL(fileURLWithPath: folder.file("err")), inURL = URL(fileURLWithPath: folder.file("in"))
        for (url, contents) in [(outURL, Data()), (errURL, Data()), (inURL, stdin)] { try contents.write(to: url) }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL), input = try FileHandle(forReadingFrom: inURL)
        defer { try? out.close(); try? err.close(); try? input.close() }
        let process = Process()
        process.executableURL = stenoBinary
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        let ended = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in ended.signal() }
        try process.run()
        var timedOut = false
        if ended.wait(timeout: .now() + Self.timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            ended.wait()
        }
        return BoundedResult(status: process.terminationStatus, reason: process.terminationReason,
                             stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                             stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self), timedOut: timedOut)
    }
}

// MARK: - Inputs written by hand

/// Writes `data` to `name` in `scratch` and returns its path.
private func put(_ data: Data, _ name: String, in scratch: Scratch) throws -> String {
    try data.write(to: URL(fileURLWithPath: scratch.file(name)))
    return scratch.file(name)
}

private func littleEndian(_ value: Int, bytes: Int) -> [UInt8] { (0..<bytes).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

/// A canonical 44-byte-header RIFF/WAVE file, built by hand so that any field can be damaged.
private func wav(formatTag: Int = 1, channels: Int = 1, rate: Int = 16_000, bits: Int = 16, data: [UInt8], declaredDataBytes: Int? = nil) -> Data {
    let blockAlign = channels * bits / 8, dataBytes = declaredDataBytes ?? data.count
    var bytes = Array("RIFF".utf8) + littleEndian(36 + dataBytes, bytes: 4) + Array("WAVE".utf8)
    bytes += Array("fmt ".utf8) + littleEndian(16, bytes: 4) + littleEndian(formatTag, bytes: 2) + littleEndian(channels, bytes: 2)
    bytes += littleEndian(rate, bytes: 4) + littleEndian(rate * blockAlign, bytes: 4) + littleEndian(blockAlign, bytes: 2) + littleEndian(bits, bytes: 2)
    bytes += Array("data".utf8) + littleEndian(dataBytes, bytes: 4) + data
    return Data(bytes)
}

/// `count` samples of a quiet 16-bit sine, little-endian.
private func quietInt16(_ count: Int) -> [UInt8] {
    (0..<count).flatMap { littleEndian(Int(Int16(3_000 * sin(Double($0) * 0.07))), bytes: 2) }
}

/// 32-bit IEEE floats, little-endian.
private func float32(_ values: [Float]) -> [UInt8] {
    values.flatMap { littleEndian(Int($0.bitPattern), bytes: 4) }
}

/// The regular files under `folder`, as paths relative to it.
private func regularFiles(in folder: String) throws -> Set<String> {
    guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
    var files = Set<String>()
    while let path = enumerator.nextObject() as? String {
        if (enumerator.fileAttributes?[.type] as? FileAttributeType) == .typeRegular { files.insert(path) }
    }
    return files
}

private func relative(_ path: String, to scratch: Scratch) -> String {
    path.hasPrefix(scratch.path + "/") ? String(path.dropFirst(scratch.path.count + 1)) : path
}
