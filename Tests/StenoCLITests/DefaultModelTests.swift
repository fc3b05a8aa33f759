import Foundation
import Steno
import Testing

/// The bundled samples and their transcripts, from samples/manifest.tsv.
private func samples() throws -> [(path: String, transcript: String)] {
    try Manifest.load(samplesFolder + "/manifest.tsv").entries.map { ($0.audioPath, $0.transcript) }
}

@Suite("The bundled model and language model")
struct DefaultModelTests {
    @Test("The package ships a model and a language model, found without flags")
    func found() throws {
        let model = try #require(DefaultModel.modelPath, "searched \(DefaultModel.folders)")
        #expect(model.hasSuffix("/default.steno"))
        #expect(DefaultModel.languageModelPath != nil)
        let loaded = try DefaultModel.load()
        #expect(loaded.description.alphabet == .english)
        let lm = try DefaultModel.loadLanguageModel()
        #expect(lm.order >= 2 && lm.isKnown("the"))
    }

    @Test("steno transcribe with no flags gives every sample's transcript (the README's first command)")
    func transcribeSamples() throws {
        for sample in try samples() {
            let result = try steno(["transcribe", sample.path])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == sample.transcript + "\n", "\(sample.path)")
        }
    }

    @Test("steno quantize writes an int8 model a quarter of the size that transcribes the samples as the original")
    func quantize() throws {
        let scratch = Scratch()
        let model = try #require(DefaultModel.modelPath)
        let output = scratch.file("int8.steno")
        let result = try steno(["quantize", model, "--output", output])
        #expect(result.status == 0 && result.stdout.contains("int8"), "\(result.stderr)")
        let original = try #require(try FileManager.default.attributesOfItem(atPath: model)[.size] as? Int)
        let quantized = try #require(try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int)
        // The bundled model is stored as float16: int8 is at most about half of it.
        #expect(Double(quantized) < 0.55 * Double(original), "\(quantized) against \(original) bytes")
        #expect(try steno(["info", output]).stdout.contains("precision: int8"))
        #expect(try AcousticModel(contentsOf: output).description.precision == .int8)
        let lm = try #require(DefaultModel.languageModelPath)
        for sample in try samples() {
            let transcript = try steno(["transcribe", "--model", output, "--lm", lm, sample.path])
            #expect(transcript.status == 0 && transcript.stdout == sample.transcript + "\n", "\(sample.path): \(transcript.stdout)")
            // The best paths (no LM) stay within a character or two of float32's.
            let int8 = try steno(["transcribe", "--model", output, sample.path]).stdout
            let float = try steno(["transcribe", "--no-lm", sample.path]).stdout
            #expect(ErrorRate.characters(reference: float, hypothesis: int8).errors <= 2, "\(float) against \(int8)")
        }
        // Never over its input, nor from a checkpoint.
        let same = try steno(["quantize", model, "--output", model])
        #expect(same.status != 0 && same.stderr.contains("must not be the model itself"), "\(same.stderr)")
        let missing = try steno(["quantize", scratch.file("nothing.steno"), "--output", scratch.file("x.steno")])
        #expect(missing.status != 0 && missing.stderr.contains("nothing.steno"), "\(missing.stderr)")
    }

    @Test("An LM that knows none of the words: the best path comes out, and the JSON says it is a fallback")
    func fallbackWhenTheSearchFindsNothing() throws {
        let scratch = Scratch()
        // No words at all: a closed search can output nothing. (With any word, even an improbable one,
        // the search outputs it rather than nothing: blanks over clear speech cost more.)
        let arpa = "\\data\\\nngram 1=3\n\n\\1-grams:\n-8 <unk>\n-99 <s>\n-0.01 </s>\n\n\\end\\\n"
        try arpa.write(toFile: scratch.file("zebra.arpa"), atomically: true, encoding: .utf8)
        let station = samplesFolder + "/station.wav"
        let greedy = try steno(["transcribe", "--no-lm", station])
        #expect(greedy.status == 0 && !greedy.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(greedy.stderr)")
        let result = try steno(["transcribe", "--format", "json", "--closed-vocabulary", "--lm", scratch.file("zebra.arpa"), station])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any])
        #expect(object["text"] as? String == greedy.stdout.trimmingCharacters(in: .newlines))
        #expect((object["fallback"] as? String)?.contains("best path") == true, "\(result.stdout)")
        // The same in `steno stream`'s results.
        let wav = try Data(contentsOf: URL(fileURLWithPath: station))
        let streamed = try steno(["stream", "--encoding", "wav", "--closed-vocabulary", "--lm", scratch.file("zebra.arpa")], stdin: wav)
        let bestPath = greedy.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(streamed.status == 0 && streamed.stdout.contains("\"fallback\": \"") && streamed.stdout.contains("\"text\": \"\(bestPath)\""),
                "\(streamed.stdout)\(streamed.stderr)")
        // An ordinary result has no fallback key; a vocabulary the user gave is obeyed even if nothing fits.
        let normal = try steno(["transcribe", "--format", "json", station])
        #expect(!normal.stdout.contains("fallback"), "\(normal.stdout)")
        try "zebra\n".write(toFile: scratch.file("words.txt"), atomically: true, encoding: .utf8)
        let strict = try steno(["transcribe", "--no-lm", "--vocabulary", scratch.file("words.txt"), station])
        #expect(strict.status == 0 && strict.stdout == "\n", "\(strict.stdout)")
    }

    @Test("steno evaluate with no flags scores the samples at WER 0; --no-lm decodes without the LM")
    func evaluateSamples() throws {
        let scratch = Scratch()
        let result = try steno(["evaluate", "--manifest", samplesFolder + "/manifest.tsv", "--json", scratch.file("r.json")])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.file("r.json")))) as? [String: Any])
        #expect(report["wer"] as? Double == 0, "\(result.stdout)")
        let greedy = try steno(["evaluate", "--manifest", samplesFolder + "/manifest.tsv", "--no-lm"])
        #expect(greedy.status == 0 && greedy.stdout.contains("WER:"), "\(greedy.stderr)")
    }

    @Test("steno stream with no flags gives the same text as transcribe")
    func streamSample() throws {
        let sample = try #require(try samples().first)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: sample.path))
        let result = try steno(["stream", "--encoding", "wav"], stdin: bytes)
        #expect(result.status == 0, "\(result.stderr)")
        let texts = result.stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["text"] as? String
        }
        #expect(texts.joined(separator: " ") == sample.transcript)
    }

    @Test("steno info with no files describes the bundled model: architecture, data, splits, measured results, the LM")
    func info() throws {
        let result = try steno(["info"])
        #expect(result.status == 0, "\(result.stderr)")
        for needle in ["architecture:", "alphabet:", "trained on:", "test_wer", "language model:", "notes:"] {
            #expect(result.stdout.contains(needle), "\(needle) missing in:\n\(result.stdout)")
        }
    }

    @Test("A built binary copied elsewhere with its resource bundle uses the bundle beside it")
    func relocatedBinary() throws {
        let scratch = Scratch()
        let bundle = stenoBinary.deletingLastPathComponent().appendingPathComponent("Steno_Steno.resources")
        try FileManager.default.copyItem(atPath: stenoBinary.path, toPath: scratch.file("steno"))
        try FileManager.default.copyItem(atPath: bundle.path, toPath: scratch.file("Steno_Steno.resources"))
        let result = try steno(["info"], executable: URL(fileURLWithPath: scratch.file("steno")))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("file: \(scratch.file("Steno_Steno.resources/Resources/default.steno"))"), "\(result.stdout)")
    }

    @Test("--lm and --no-lm together are refused")
    func conflictingLanguageModelFlags() throws {
        let result = try steno(["transcribe", "--no-lm", "--lm", "x.arpa", samplesFolder + "/hello.wav"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--lm and --no-lm cannot be combined"), "\(result.stderr)")
    }
}
