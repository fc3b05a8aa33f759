import Foundation
import Steno
import Testing

@Suite("steno lm build")
struct LanguageModelCommandTests {
    @Test("Text in, a normalized ARPA model out, with the hand-computed probabilities")
    func build() throws {
        let scratch = Scratch()
        // Normalization makes "A b." and "a B" the same sentence as "a b".
        try "A b.\na c\n\na B\n".write(toFile: scratch.file("text.txt"), atomically: true, encoding: .utf8)
        let result = try steno(["lm", "build", "--order", "2", "--text", scratch.file("text.txt"), "--discounts", "0.5", "1", "1.5",
                                "--output", scratch.file("lm.arpa")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("3 sentences, 6 words"), "\(result.stderr)")
        let arpa = try String(contentsOfFile: scratch.file("lm.arpa"), encoding: .utf8)
        #expect(arpa.hasPrefix("\\data\\\nngram 1=6\nngram 2=5\n"))
        // P(a | <s>) = (3 − 1.5) / 3 + γ(<s>) · P(a) = 0.5 + 0.5 · 0.2 (NGramEstimatorTests works it out).
        #expect(arpa.contains(String(format: "%.6f\t<s> a\n", log10(0.6))), "\(arpa)")
        let lm = try NGramLanguageModel(contentsOf: scratch.file("lm.arpa"))
        #expect(lm.order == 2 && lm.isKnown("c"))
    }

    @Test("lm compile and lm build --output X.bin write binary models with the ARPA file's scores")
    func binary() throws {
        let scratch = Scratch()
        let lines = (0..<40).map { "the cat \(["sat", "ran", "ate"][$0 % 3]) on mat number \($0 % 7)" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: scratch.file("text.txt"), atomically: true, encoding: .utf8)
        let build = try steno(["lm", "build", "--text", scratch.file("text.txt"), "--output", scratch.file("lm.arpa")])
        let compile = try steno(["lm", "compile", scratch.file("lm.arpa"), "--output", scratch.file("lm.bin")])
        let direct = try steno(["lm", "build", "--text", scratch.file("text.txt"), "--output", scratch.file("direct.bin")])
        #expect(build.status == 0 && compile.status == 0 && direct.status == 0, "\(build.stderr)\(compile.stderr)\(direct.stderr)")
        #expect(compile.stderr.contains("written to \(scratch.file("lm.bin"))"), "\(compile.stderr)")
        let arpa = try NGramLanguageModel(contentsOf: scratch.file("lm.arpa"))
        let compiled = try NGramLanguageModel(contentsOf: scratch.file("lm.bin"))
        let built = try NGramLanguageModel(contentsOf: scratch.file("direct.bin"))
        #expect(compiled.isBinary && built.isBinary && !arpa.isBinary)
        for sentence in [["the", "cat", "sat"], ["mat", "number", "three", "the"], ["dog", "on", "mat"]] {
            #expect(compiled.score(sentence: sentence) == arpa.score(sentence: sentence))
            #expect(built.score(sentence: sentence) == arpa.score(sentence: sentence))
        }
        // Errors name the file; nothing is written.
        let missing = try steno(["lm", "compile", scratch.file("nope.arpa"), "--output", scratch.file("x.bin")])
        #expect(missing.status != 0 && missing.stderr.contains("nope.arpa: no such file"), "\(missing.stderr)")
        try Data(Array(try Data(contentsOf: URL(fileURLWithPath: scratch.file("lm.bin"))).prefix(300))).write(to: URL(fileURLWithPath: scratch.file("cut.bin")))
        let cut = try steno(["lm", "compile", scratch.file("cut.bin"), "--output", scratch.file("x.bin")])
        #expect(cut.status != 0 && cut.stderr.contains("cut.bin: truncated binary language model"), "\(cut.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("x.bin")))
    }

    @Test("lm perplexity: the hand-computed perplexity, without and with the words outside the model")
    func perplexity() throws {
        let scratch = Scratch()
        // P(a) = P(</s>) = 1/2 everywhere, P(<unk>) = 1/4.
        let arpa = "\\data\\\nngram 1=4\n\n\\1-grams:\n-0.30103 a\n-0.30103 </s>\n-99 <s>\n-0.60206 <unk>\n\n\\end\\\n"
        try arpa.write(toFile: scratch.file("u.arpa"), atomically: true, encoding: .utf8)
        try "A.\na b\n\n".write(toFile: scratch.file("text.txt"), atomically: true, encoding: .utf8)
        let result = try steno(["lm", "perplexity", "--lm", scratch.file("u.arpa"), "--text", scratch.file("text.txt")])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(JSONSerialization.jsonObject(with: result.stdoutBytes) as? [String: Any])
        // Tokens a </s> | a b </s>: without b, four tokens at 1/2 each: perplexity 2. With b at 1/4:
        // 10^(-(4 log10 ½ + log10 ¼) / 5) = 2^(6/5) = 2.297.
        #expect(object["sentences"] as? Int == 2 && object["words"] as? Int == 3 && object["oov"] as? Int == 1)
        #expect(abs((object["perplexity"] as? Double ?? 0) - 2) < 0.01)
        #expect(abs((object["perplexity_with_oov"] as? Double ?? 0) - pow(2, 1.2)) < 0.01)
        let missing = try steno(["lm", "perplexity", "--lm", scratch.file("none.bin"), "--text", scratch.file("text.txt")])
        #expect(missing.status != 0 && missing.stderr.contains("none.bin: no such file"), "\(missing.stderr)")
    }

    @Test("--transcripts reads a manifest's transcripts; --prune shrinks the model")
    func transcriptsAndPruning() throws {
        let scratch = Scratch()
        let lines = (0..<60).map { "a\(($0 * 7) % 13).wav\tthe cat \(["sat", "ran", "ate"][$0 % 3]) on mat number \($0)" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: scratch.file("m.tsv"), atomically: true, encoding: .utf8)
        let full = try steno(["lm", "build", "--transcripts", scratch.file("m.tsv"), "--output", scratch.file("full.arpa")])
        let pruned = try steno(["lm", "build", "--transcripts", scratch.file("m.tsv"), "--prune", "0", "1", "--output", scratch.file("pruned.arpa")])
        #expect(full.status == 0 && pruned.status == 0, "\(full.stderr)\(pruned.stderr)")
        let a = try NGramLanguageModel(contentsOf: scratch.file("full.arpa")), b = try NGramLanguageModel(contentsOf: scratch.file("pruned.arpa"))
        #expect(a.isKnown("eight"))  // digits were normalized to words
        #expect(b.counts[0] == a.counts[0] && b.counts[2] < a.counts[2])
    }

    @Test("Bad input: a clear message naming the file or option, no output file", arguments: [
        (["--text", "missing.txt"], "missing.txt: cannot be read (no such file)"),
        (["--text", "latin1.txt"], "latin1.txt:2: not UTF-8 (invalid bytes at byte 4 of the line"),
        (["--text", "."], "is a directory"),
        (["--text", "empty.txt"], "no words in"),
        (["--text", "text.txt", "--order", "0"], "the order must be 1…6"),
        (["--text", "text.txt", "--prune", "1", "1"], "unigram prune threshold must be 0"),
        (["--text", "text.txt", "--discounts", "0.5", "3", "1"], "discounts must be three numbers"),
        (["--text", "text.txt", "--output", "text.txt"], "is one of the inputs"),
        ([String](), "give at least one --text file"),
    ])
    func badInput(arguments: [String], message: String) throws {
        let scratch = Scratch()
        try "one sentence\n".write(toFile: scratch.file("text.txt"), atomically: true, encoding: .utf8)
        try (Data("fine\ncaf".utf8) + [0xE9, 0x0A]).write(to: URL(fileURLWithPath: scratch.file("latin1.txt")))
        try "\n  \n".write(toFile: scratch.file("empty.txt"), atomically: true, encoding: .utf8)
        let resolved = arguments.map { ["missing.txt", "latin1.txt", "empty.txt", "text.txt"].contains($0) ? scratch.file($0) : $0 == "." ? scratch.path : $0 }
        let output = resolved.contains("--output") ? [] : ["--output", scratch.file("out.arpa")]
        let result = try steno(["lm", "build"] + resolved + output)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("out.arpa")))
        #expect(try String(contentsOfFile: scratch.file("text.txt"), encoding: .utf8) == "one sentence\n")
    }
}
