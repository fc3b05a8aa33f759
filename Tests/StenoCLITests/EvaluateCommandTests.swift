import Foundation
import Steno
import Testing

@Suite("steno evaluate")
struct EvaluateCommandTests {
    /// The keys every JSON report has.
    static let reportKeys: Set<String> = [
        "wer", "cer", "substitutions", "deletions", "insertions", "reference_words", "reference_chars",
        "char_substitutions", "char_deletions", "char_insertions", "utterances", "audio_seconds",
        "processing_seconds", "real_time_factor", "failed", "failures", "failed_counted_as_deletions",
    ]

    @Test("The samples manifest: a summary on stdout, a JSON report and per-utterance details")
    func samples() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let report = scratch.file("report.json"), details = scratch.file("details.tsv")
        let result = try steno(["evaluate", "--manifest", "\(samplesFolder)/fixtures.tsv", "--model", model,
                                "--json", report, "--details", details, "--threads", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        for label in ["WER: ", "CER: ", "utterances: 3", "audio: ", "processing: ", "real-time factor: "] {
            #expect(result.stdout.contains(label), "\(result.stdout)")
        }

        let object = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        #expect(Set(object.keys) == Self.reportKeys)
        // "hello world this is steno", "one two three four five", "the weather is cold and windy today".
        #expect(object["reference_words"] as? Int == 17)
        #expect(object["utterances"] as? Int == 3)
        #expect(object["failed"] as? Int == 0)
        #expect((object["failures"] as? [Any])?.isEmpty == true)
        let audioSeconds = try #require(object["audio_seconds"] as? Double)
        #expect(audioSeconds > 5 && audioSeconds < 10, "\(audioSeconds)")
        let wer = try #require(object["wer"] as? Double)
        #expect(wer >= 0)

        let lines = try String(contentsOfFile: details, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("# path\treference\thypothesis"))
        #expect(lines[1].hasPrefix("\(samplesFolder)/hello.wav\thello world this is steno\t"))
    }

    @Test("A missing file is reported, counted as failed, and its words as deletions; exit status 1")
    func missingFile() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let manifest = scratch.file("m.tsv"), report = scratch.file("report.json")
        try "\(samplesFolder)/hello.wav\tHello world, this is Steno.\ngone.wav\tThree more words\n"
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let result = try steno(["evaluate", "--manifest", manifest, "--model", model, "--json", report])
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: \(scratch.file("gone.wav")): no such file"), "\(result.stderr)")
        #expect(result.stdout.contains("utterances: 2 (1 failed"), "\(result.stdout)")

        let object = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        #expect(Set(object.keys) == Self.reportKeys)
        #expect(object["failed"] as? Int == 1)
        #expect(object["failed_counted_as_deletions"] as? Bool == true)
        #expect(object["reference_words"] as? Int == 8)
        #expect((object["deletions"] as? Int ?? 0) >= 3)
        let failures = try #require(object["failures"] as? [[String: Any]])
        #expect(failures.count == 1)
        #expect(failures.first?["file"] as? String == scratch.file("gone.wav"))
        #expect((failures.first?["error"] as? String)?.contains("no such file") == true)
    }

    @Test("Problems with the manifest or options are reported, naming them", arguments: [
        (["--manifest", "nowhere.tsv"], "nowhere.tsv"),
        (["--manifest", "m.tsv", "--beam-width", "0"], "--beam-width"),
        (["--manifest", "m.tsv", "--threads", "0"], "--threads"),
        (["--manifest", "m.tsv", "--json", "m.tsv"], "--json"),
    ])
    func problems(options: [String], mention: String) throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        try "\(samplesFolder)/hello.wav\thello\n".write(toFile: scratch.file("m.tsv"), atomically: true, encoding: .utf8)
        let arguments = options.map { $0.hasSuffix(".tsv") ? scratch.file($0) : $0 }
        let result = try steno(["evaluate", "--model", model] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(mention), "\(result.stderr)")
        #expect(try String(contentsOfFile: scratch.file("m.tsv"), encoding: .utf8) == "\(samplesFolder)/hello.wav\thello\n")
    }

    @Test("--hypotheses scores another recognizer's output with the same normalization; a missing one counts as deleted")
    func externalHypotheses() throws {
        let scratch = Scratch()
        try "\(samplesFolder)/hello.wav\tOne, two three!\n\(samplesFolder)/digits.wav\tfour five six\n\(samplesFolder)/weather.wav\tseven\n"
            .write(toFile: scratch.file("m.tsv"), atomically: true, encoding: .utf8)
        try "\(samplesFolder)/hello.wav\tone two 3\n\(samplesFolder)/digits.wav\tfour fix six\n"
            .write(toFile: scratch.file("h.tsv"), atomically: true, encoding: .utf8)
        let result = try steno(["evaluate", "--manifest", scratch.file("m.tsv"), "--hypotheses", scratch.file("h.tsv"), "--json", scratch.file("r.json")])
        #expect(result.status == 1, "\(result.stderr)")  // weather.wav has no hypothesis
        #expect(result.stderr.contains("no hypothesis for \(samplesFolder)/weather.wav"), "\(result.stderr)")
        let report = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.file("r.json")))) as? [String: Any])
        // 7 reference words: "fix" substitutes "five", "seven" is deleted.
        #expect(report["substitutions"] as? Int == 1 && report["deletions"] as? Int == 1 && report["insertions"] as? Int == 0, "\(report)")
        #expect(report["reference_words"] as? Int == 7)
    }
}
