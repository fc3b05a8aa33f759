import Foundation
import Steno
import Testing

@Suite("Language model, vocabulary and hotword options")
struct DecodingOptionsTests {
    /// An untrained model and a short recording, written into `scratch`.
    func setup(_ scratch: Scratch) throws -> (model: String, audio: String) {
        let network = NetworkConfiguration(inputSize: 80, classes: 29, stacking: 4, layers: 1, hiddenSize: 8, chunk: 4, lookahead: 2)
        try AcousticModel(ModelDescription(alphabet: .english, features: .fbank(bins: 80), network: network), seed: 1).write(to: scratch.file("m.steno"))
        return (scratch.file("m.steno"), samplesFolder + "/hello.wav")
    }

    @Test("A vocabulary file limits the words; an ARPA model and hotwords are accepted")
    func vocabularyAndLM() throws {
        let scratch = Scratch()
        let (model, audio) = try setup(scratch)
        try "yes\nno\n# a comment\nstop it\n".write(toFile: scratch.file("words.txt"), atomically: true, encoding: .utf8)
        try """
            \\data\\
            ngram 1=5

            \\1-grams:
            -1.0\t<s>\t-0.3
            -0.5\tyes
            -0.7\tno
            -1.2\t</s>
            -2.0\t<unk>

            \\end\\

            """.write(toFile: scratch.file("lm.arpa"), atomically: true, encoding: .utf8)
        let result = try steno(["transcribe", "--model", model, "--beam-width", "4", "--vocabulary", scratch.file("words.txt"),
                                "--lm", scratch.file("lm.arpa"), "--hotword", "yes:2", "--format", "json", audio])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: result.stdoutBytes) as! [String: Any]
        let words = (json["words"] as! [[String: Any]]).map { $0["word"] as! String }
        #expect(words.allSatisfy { ["yes", "no", "stop", "it"].contains($0) }, "\(words)")
    }

    @Test("--closed-vocabulary keeps the output to the LM's words; the open vocabulary (the default) lets other words through")
    func languageModelVocabulary() throws {
        let scratch = Scratch()
        let (model, audio) = try setup(scratch)
        try "\\data\\\nngram 1=5\n\n\\1-grams:\n-1.0\t<s>\t-0.3\n-0.5\tyes\n-0.7\tno\n-1.2\t</s>\n-2.0\t<unk>\n\n\\end\\\n"
            .write(toFile: scratch.file("lm.arpa"), atomically: true, encoding: .utf8)
        // A large word bonus makes the untrained model's search emit many words.
        var fallbacks = 0
        func words(_ extra: [String]) throws -> [String] {
            let result = try steno(["transcribe", "--format", "json", "--model", model, "--lm", scratch.file("lm.arpa"), "--word-bonus", "20"]
                                   + extra + [audio])
            #expect(result.status == 0, "\(result.stderr)")
            let json = try #require(JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any])
            if json["fallback"] != nil { fallbacks += 1 }
            return (json["text"] as? String ?? "").split(separator: " ").map(String.init)
        }
        let kept = try words(["--closed-vocabulary"])
        let keptFellBack = fallbacks > 0
        let open = try words(["--unk-char-penalty", "0"])
        // The open search does emit words the LM lacks; the closed one never does.
        #expect(open.contains { !["yes", "no"].contains($0) }, "\(open)")
        // The closed search keeps to the LM's words, unless it found none at all: then the best path
        // comes out, marked as a fallback (this untrained model spells no "yes" or "no").
        if keptFellBack {
            let greedy = try steno(["transcribe", "--model", model, "--no-lm", audio])
            #expect(kept.joined(separator: " ") + "\n" == greedy.stdout)
        } else {
            #expect(kept.allSatisfy { ["yes", "no"].contains($0) } && kept != open, "\(kept)")
        }
        #expect(try words(["--open-vocabulary"]) == words([]))
        // A cost per character of unknown words shortens them (or turns them into known words).
        func unknownCharacters(_ words: [String]) -> Int {
            words.filter { $0 != "yes" && $0 != "no" }.reduce(0) { $0 + $1.count }
        }
        let costly = try words(["--unk-char-penalty", "-30"])
        #expect(unknownCharacters(costly) < unknownCharacters(open), "\(costly) vs \(open)")
    }

    @Test("Bad language-model and hotword options are reported", arguments: [
        (["--hotword", "steno"], "--hotword"), (["--hotword", "steno:lots"], "--hotword"), (["--lm-weight", "-1"], "--lm-weight"),
        (["--lm", "/nonexistent/lm.arpa"], "lm.arpa"), (["--vocabulary", "/nonexistent/words.txt"], "words.txt"),
        (["--open-vocabulary", "--closed-vocabulary"], "cannot be combined"), (["--unk-char-penalty", "nan"], "--unk"),
    ])
    func badOptions(options: [String], mention: String) throws {
        let scratch = Scratch()
        let (model, audio) = try setup(scratch)
        let result = try steno(["transcribe", "--model", model] + options + [audio])
        #expect(result.status != 0)
        #expect(result.stderr.contains(mention), "\(result.stderr)")
    }

    @Test("A malformed ARPA file names the file and the line")
    func malformedLM() throws {
        let scratch = Scratch()
        let (model, audio) = try setup(scratch)
        try "\\data\\\nngram 1=2\n\n\\1-grams:\n-1.0\t<s>\nnot-a-number\tyes\n\\end\\\n".write(toFile: scratch.file("bad.arpa"), atomically: true, encoding: .utf8)
        let result = try steno(["transcribe", "--model", model, "--lm", scratch.file("bad.arpa"), audio])
        #expect(result.status != 0)
        #expect(result.stderr.contains("bad.arpa:6"), "\(result.stderr)")
    }
}
