import Foundation
import Steno
import Testing

/// Writes an untrained model small enough to build in a moment (1 × 8 BiLSTM over 4 stacked
/// 80-bin frames) and returns its path. Its transcripts are gibberish but deterministic, which
/// is all the plumbing tests need.
func tinyModel(in scratch: Scratch) throws -> String {
    let network = NetworkConfiguration(inputSize: 80, classes: Alphabet.english.classCount, stacking: 4, layers: 1, hiddenSize: 8,
                                       chunk: 4, lookahead: 2)
    let model = AcousticModel(ModelDescription(alphabet: .english, features: .fbank(bins: 80), network: network), seed: 1)
    let path = scratch.file("tiny.steno")
    try model.write(to: path)
    return path
}

/// Copies `names` from `samples/` into a fresh folder of `scratch`.
func sampleCopies(_ names: [String], in scratch: Scratch, folder: String = "audio") throws -> String {
    let target = scratch.file(folder)
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
    for name in names { try FileManager.default.copyItem(atPath: "\(samplesFolder)/\(name)", toPath: "\(target)/\(name)") }
    return target
}

@Suite("steno transcribe")
struct TranscribeCommandTests {
    @Test("One file prints its transcript as one line of text")
    func oneFile() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let result = try steno(["transcribe", "--model", model, "\(samplesFolder)/hello.wav"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasSuffix("\n") && result.stdout.filter { $0 == "\n" }.count == 1, "\(result.stdout)")
        #expect(!result.stdout.contains("\t"))
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test("json: one object with the file, text, duration and timed words")
    func json() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let wav = "\(samplesFolder)/hello.wav"
        let result = try steno(["transcribe", "--model", model, "--format", "json", wav])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any])
        #expect(object["file"] as? String == wav)
        #expect(object["text"] is String)
        // samples/hello.wav holds 44 550 frames at 22 050 Hz: 2.020 s.
        #expect(object["duration"] as? Double == 2.02)
        let words = try #require(object["words"] as? [[String: Any]])
        for word in words { #expect(Set(word.keys) == ["word", "start", "end", "conf"]) }
        #expect(object["alternatives"] == nil)
    }

    @Test("--alternatives: the n-best list in json, best first, its first entry the transcript")
    func alternatives() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let result = try steno(["transcribe", "--model", model, "--format", "json", "--beam-width", "4", "--alternatives", "3",
                                "\(samplesFolder)/hello.wav"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any])
        let alternatives = try #require(object["alternatives"] as? [[String: Any]])
        #expect((2...3).contains(alternatives.count))
        #expect(alternatives.first?["text"] as? String == object["text"] as? String)
        let scores = alternatives.compactMap { $0["score"] as? Double }
        #expect(scores.count == alternatives.count && scores == scores.sorted(by: >))
    }

    @Test("srt and vtt have their subtitle structure")
    func subtitles() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let wav = "\(samplesFolder)/weather.wav"
        let text = try steno(["transcribe", "--model", model, wav]).stdout
        let srt = try steno(["transcribe", "--model", model, "--format", "srt", wav])
        #expect(srt.status == 0, "\(srt.stderr)")
        let cues = srt.stdout.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(!cues.isEmpty, "the untrained model still emits characters")
        for (index, cue) in cues.enumerated() {
            let lines = cue.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 3, "\(cue)")
            #expect(lines[0] == "\(index + 1)")
            #expect(lines[1].wholeMatch(of: /\d\d:\d\d:\d\d,\d\d\d --> \d\d:\d\d:\d\d,\d\d\d/) != nil, "\(lines[1])")
        }
        #expect(cues.map { $0.split(separator: "\n").last.map(String.init) ?? "" }.joined(separator: " ") + "\n" == text)

        let vtt = try steno(["transcribe", "--model", model, "--format", "vtt", wav])
        #expect(vtt.status == 0, "\(vtt.stderr)")
        #expect(vtt.stdout.hasPrefix("WEBVTT\n"))
        #expect(vtt.stdout.components(separatedBy: "\n\n").count == cues.count + 1)
    }

    @Test("A folder: every audio file in name order as path<TAB>text; other files skipped with a warning")
    func folder() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let result = try steno(["transcribe", "--model", model, samplesFolder])
        #expect(result.status == 0, "\(result.stderr)")
        let paths = result.stdout.split(separator: "\n").map { String($0.split(separator: "\t", omittingEmptySubsequences: false)[0]) }
        #expect(paths == ["digits.wav", "hello.wav", "station.wav", "time.wav", "weather.wav"].map { "\(samplesFolder)/\($0)" })
        #expect(result.stderr.contains("warning: skipped \(samplesFolder)/manifest.tsv: not a recognised audio file"), "\(result.stderr)")
    }

    @Test("Several files in json: one object per line, in input order")
    func jsonLines() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let files = ["weather.wav", "hello.wav", "digits.wav"].map { "\(samplesFolder)/\($0)" }
        let result = try steno(["transcribe", "--model", model, "--format", "json"] + files)
        #expect(result.status == 0, "\(result.stderr)")
        let objects = try result.stdout.split(separator: "\n").map { line in
            try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(objects.map { $0["file"] as? String } == files)
    }

    @Test("Standard input gives the same transcript as the file")
    func standardInput() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let wav = "\(samplesFolder)/digits.wav"
        let file = try steno(["transcribe", "--model", model, wav])
        let piped = try steno(["transcribe", "--model", model, "-"], stdin: Data(contentsOf: URL(fileURLWithPath: wav)))
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout == file.stdout)
    }

    @Test("Four threads give the same output, in the same order, as one")
    func threads() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let files = (0..<3).flatMap { _ in ["hello.wav", "weather.wav", "digits.wav"] }.map { "\(samplesFolder)/\($0)" }
        let one = try steno(["transcribe", "--model", model, "--format", "json"] + files)
        let four = try steno(["transcribe", "--model", model, "--format", "json", "--threads", "4"] + files)
        #expect(one.status == 0 && four.status == 0, "\(four.stderr)")
        #expect(four.stdout == one.stdout)
        #expect(one.stdout.split(separator: "\n").count == files.count)
    }

    @Test("--output-dir: one file per input named after it, the folder created, nothing on stdout")
    func outputFolder() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let audio = try sampleCopies(["hello.wav", "digits.wav"], in: scratch)
        let out = scratch.file("out/subtitles")
        let result = try steno(["transcribe", "--model", model, "--format", "vtt", "--output-dir", out, audio, "-"],
                               stdin: Data(contentsOf: URL(fileURLWithPath: "\(samplesFolder)/weather.wav")))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["digits.vtt", "hello.vtt", "stdin.vtt"])
        let single = try steno(["transcribe", "--model", model, "--format", "vtt", "\(audio)/hello.wav"])
        #expect(try String(contentsOfFile: out + "/hello.vtt", encoding: .utf8) == single.stdout)
    }

    @Test("--output-dir refuses two inputs that would write the same file")
    func outputCollision() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let first = try sampleCopies(["hello.wav"], in: scratch, folder: "a"), second = try sampleCopies(["hello.wav"], in: scratch, folder: "b")
        let result = try steno(["transcribe", "--model", model, "--output-dir", scratch.file("out"), "\(first)/hello.wav", "\(second)/hello.wav"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("would both be written to"), "\(result.stderr)")
    }

    @Test("A bad file among good ones: reported by name, the others transcribed, exit status 1")
    func badFile() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let notes = scratch.file("notes.wav")
        try "these are not samples\n".write(toFile: notes, atomically: true, encoding: .utf8)
        let good = "\(samplesFolder)/hello.wav"
        let result = try steno(["transcribe", "--model", model, good, notes, scratch.file("gone.flac"), good])
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: \(notes): not a recognised audio file"), "\(result.stderr)")
        #expect(result.stderr.contains("error: \(scratch.file("gone.flac")): no such file"), "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").map { String($0.split(separator: "\t", omittingEmptySubsequences: false)[0]) } == [good, good])
    }

    @Test("A model file that is not a model is named in the error")
    func badModel() throws {
        let result = try steno(["transcribe", "--model", "\(samplesFolder)/hello.wav", "\(samplesFolder)/hello.wav"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("\(samplesFolder)/hello.wav"), "\(result.stderr)")
    }

    @Test("Invalid options are refused before any work, naming the option", arguments: [
        (["--beam-width", "0"], "--beam-width"), (["--threads", "0"], "--threads"),
        (["--alternatives", "3"], "--alternatives"), (["--alternatives", "0"], "--alternatives"),
        (["--format", "docx"], "docx"), (["--format", "srt", "a.wav", "b.wav"], "--output-dir"), (["-", "-"], "standard input"),
    ])
    func invalidOptions(options: [String], mention: String) throws {
        let result = try steno(["transcribe", "--model", "no-such.steno"] + options + (options.contains { $0.hasSuffix(".wav") || $0 == "-" } ? [] : ["x.wav"]))
        #expect(result.status != 0)
        #expect(result.stderr.contains(mention), "\(result.stderr)")
        #expect(!result.stderr.contains("no-such.steno"), "options are checked before the model is loaded")
    }

    @Test("Help lists transcribe and evaluate with the decoding options")
    func help() throws {
        let top = try steno(["--help"])
        #expect(top.stdout.contains("transcribe") && top.stdout.contains("evaluate"))
        let transcribe = try steno(["transcribe", "--help"])
        #expect(transcribe.stdout.contains("--beam-width") && transcribe.stdout.contains("text, json, srt, vtt"), "\(transcribe.stdout)")
    }
}
