import Foundation
import StenoLM
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The hand-made trigram model in Fixtures/tiny_trigram.arpa.
private func tinyModel() throws -> NGramLanguageModel {
    let url = try #require(Bundle.module.url(forResource: "tiny_trigram", withExtension: "arpa", subdirectory: "Fixtures"))
    return try NGramLanguageModel(contentsOf: url.path)
}

/// Scores the words one after another from `state`; returns the log10 probabilities and the last state.
private func walk(_ model: NGramLanguageModel, _ words: [String], from state: NGramLanguageModel.State? = nil)
    -> (scores: [Float], state: NGramLanguageModel.State)
{
    var state = state ?? model.startState
    var scores: [Float] = []
    for word in words {
        let (score, next) = model.score(state, word: model.wordID(word))
        scores.append(score)
        state = next
    }
    return (scores, state)
}

// The fixture's values are decimals like -0.35 that Float holds to ~3e-8; sums of up to eight of
// them agree with the decimal arithmetic below to well within 1e-5.
private let tolerance: Float = 1e-5

@Suite("NGramLanguageModel")
struct NGramLanguageModelTests {
    @Test("The fixture loads: order, counts, vocabulary, special words")
    func loads() throws {
        let model = try tinyModel()
        #expect(model.order == 3)
        #expect(model.counts == [11, 9, 4])
        #expect(model.vocabularySize == 11)
        #expect(model.wordID("<unk>") == 0)
        #expect(model.wordID("the") == 3)
        #expect(model.word(3) == "the")
        #expect(model.unknownWordID == 0)
        #expect(model.sentenceStartID == 1)
        #expect(model.sentenceEndID == 2)
        #expect(model.isKnown("mat"))
        #expect(!model.isKnown("zebra"))
        #expect(model.wordID("zebra") == nil)
        // After <s>: bo(<s>) = -0.5 is not zero, so <s> stays in the context.
        #expect(model.startState.wordIDs == [1])
    }

    @Test("Exact hits at every order, one- and two-level back-off")
    func hitsAndBackoff() throws {
        let model = try tinyModel()
        let afterThe = walk(model, ["the"]).state  // context (<s>, the)
        #expect(afterThe.wordIDs == [1, 3])
        // Trigram hit: P(cat | <s> the) = -0.1.
        #expect(abs(model.score(afterThe, word: model.wordID("cat")).logProbability - -0.1) < tolerance)
        // One level: (<s> the dog) is absent, (the dog) = -0.7; bo(<s> the) = -0.1 → -0.8.
        #expect(abs(model.score(afterThe, word: model.wordID("dog")).logProbability - -0.8) < tolerance)
        // Two levels: (the ran) is absent too: P(ran) -2.0 + bo(the) -0.3 + bo(<s> the) -0.1 = -2.4.
        #expect(abs(model.score(afterThe, word: model.wordID("ran")).logProbability - -2.4) < tolerance)
        // Bigram hit from the start: P(the | <s>) = -0.4.
        #expect(abs(model.score(model.startState, word: model.wordID("the")).logProbability - -0.4) < tolerance)
        // Unigram from the empty state: P(sat) = -1.4.
        #expect(abs(model.score(.init(), word: model.wordID("sat")).logProbability - -1.4) < tolerance)
        // (on the mat) has no (the mat) bigram: P(mat | the) backs off to bo(the) + P(mat) = -1.9.
        let justThe = walk(model, ["the"], from: .init()).state
        #expect(justThe.wordIDs == [3])
        #expect(abs(model.score(justThe, word: model.wordID("mat")).logProbability - -1.9) < tolerance)
    }

    @Test("Words outside the vocabulary score as <unk>; </s> ends the sentence")
    func unknownAndEnd() throws {
        let model = try tinyModel()
        // P(<unk> | <s>): (<s> <unk>) absent → P(<unk>) -1.0 + bo(<s>) -0.5 = -1.5.
        let (score, next) = model.score(model.startState, word: nil)
        #expect(abs(score - -1.5) < tolerance)
        #expect(model.score(model.startState, word: model.wordID("<unk>")) == (score, next))
        // <unk> has no back-off and nothing extends it: the context empties.
        #expect(next == NGramLanguageModel.State())
        // P(</s> | <s>) = P(</s>) -1.2 + bo(<s>) -0.5 = -1.7; from the empty state -1.2.
        #expect(abs(model.endScore(model.startState) - -1.7) < tolerance)
        #expect(abs(model.endScore(.init()) - -1.2) < tolerance)
        // Empty sentence: just </s> after <s>.
        #expect(abs(model.score(sentence: []) - -1.7) < tolerance)
    }

    @Test("Whole sentences against sums worked by hand")
    func sentences() throws {
        let model = try tinyModel()
        // the|<s> -0.4 (2-gram); cat|<s> the -0.1 (3-gram); sat|the cat -0.25 (3-gram);
        // </s>|cat sat: P(</s>) -1.2 + bo(sat) -0.1 + bo(cat sat) -0.3 = -1.6.  Total -2.35.
        #expect(abs(model.score(sentence: ["the", "cat", "sat"]) - -2.35) < tolerance)
        // ... on|cat sat -0.15 (3-gram); the|sat on: (on the) -0.2 + bo(sat on) -0.12 = -0.32;
        // mat|on the -0.05 (3-gram); </s>|mat -0.35 (2-gram, context (the mat) is dropped).
        // -0.4 - 0.1 - 0.25 - 0.15 - 0.32 - 0.05 - 0.35 = -1.62.
        let long = ["the", "cat", "sat", "on", "the", "mat"]
        #expect(abs(model.score(sentence: long) - -1.62) < tolerance)
        let (scores, _) = walk(model, long)
        for (got, want) in zip(scores, [-0.4, -0.1, -0.25, -0.15, -0.32, -0.05] as [Float]) {
            #expect(abs(got - want) < tolerance)
        }
        // a|<s> -0.9; dog|a -0.45; ran|dog: P(ran) -2.0 + bo(dog) -0.25 = -2.25; </s> from the
        // empty context (ran is no context) -1.2.  Total -4.8.
        #expect(abs(model.score(sentence: ["a", "dog", "ran"]) - -4.8) < tolerance)
        // An unknown word in the middle: zebra|the = <unk>|<s> the: -1.0 + bo(the) -0.3 + bo(<s> the) -0.1
        // = -1.4; then the empty context: sat -1.4, </s>|sat: -1.2 + bo(sat) -0.1 = -1.3.  Total -0.4 - 1.4 - 1.4 - 1.3 = -4.5.
        #expect(abs(model.score(sentence: ["the", "zebra", "sat"]) - -4.5) < tolerance)
    }

    @Test("States keep only what the model can use, so equal contexts merge")
    func stateMinimisation() throws {
        let model = try tinyModel()
        let mat = try #require(model.wordID("mat"))
        // (on the mat) and (a mat) both end in the context (mat): the 2-grams (the mat) and (a mat)
        // are no contexts, and mat is (mat </s>).
        let afterOnTheMat = walk(model, ["on", "the", "mat"]).state
        let afterAMat = walk(model, ["a", "mat"]).state
        let afterRanMat = walk(model, ["ran", "mat"], from: .init()).state
        #expect(afterOnTheMat == afterAMat)
        #expect(afterAMat == afterRanMat)
        #expect(afterOnTheMat.hashValue == afterAMat.hashValue)
        #expect(afterOnTheMat.wordIDs == [mat])
        // ran is no context at all: whatever came before, the state is empty.
        #expect(walk(model, ["the", "cat", "ran"]).state == NGramLanguageModel.State())
        #expect(walk(model, ["dog", "ran"]).state == NGramLanguageModel.State())
        // (a) after <s> and after ran: (<s> a) is no context, a is (bo -0.4).
        #expect(walk(model, ["a"]).state == walk(model, ["ran", "a"]).state)
        // (the dog) has a back-off, so it is kept and differs from (a dog) → (dog).
        #expect(walk(model, ["the", "dog"]).state != walk(model, ["a", "dog"]).state)
        #expect(walk(model, ["the", "dog"]).state.wordIDs == [3, 5])
        // A set of states merges the equal ones.
        let states: Set = [afterOnTheMat, afterAMat, afterRanMat, walk(model, ["the"]).state]
        #expect(states.count == 2)
    }

    @Test("Data, CRLF line endings, text before \\data\\ and after \\end\\ all load the same model")
    func variants() throws {
        let url = try #require(Bundle.module.url(forResource: "tiny_trigram", withExtension: "arpa", subdirectory: "Fixtures"))
        let data = try Data(contentsOf: url)
        let fromData = try NGramLanguageModel(arpa: data, name: "tiny.arpa")
        let text = String(decoding: data, as: UTF8.self)
        let crlf = try NGramLanguageModel(arpa: Array((text.replacingOccurrences(of: "\n", with: "\r\n") + "trailing words\n").utf8), name: "crlf.arpa")
        let sentence = ["the", "cat", "sat", "on", "the", "mat"]
        let expected = try tinyModel().score(sentence: sentence)
        #expect(fromData.score(sentence: sentence) == expected)
        #expect(crlf.score(sentence: sentence) == expected)
        #expect(fromData.name == "tiny.arpa")
    }

    @Test("One model scores from many tasks at once")
    func concurrentUse() async throws {
        let model = try tinyModel()
        let expected = model.score(sentence: ["the", "cat", "sat"])
        let results = await withTaskGroup(of: Float.self) { group in
            for _ in 0..<8 { group.addTask { model.score(sentence: ["the", "cat", "sat"]) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results == Array(repeating: expected, count: 8))
    }

    // MARK: - Malformed files

    /// A valid model the malformed cases are edits of. Lines: 1 \data\, 2–3 counts, 5 \1-grams:,
    /// 6–8 1-grams, 10 \2-grams:, 11 the 2-gram, 13 \end\.
    static let valid = "\\data\\\nngram 1=3\nngram 2=1\n\n\\1-grams:\n-1.0\t<s>\t-0.5\n-0.5\ta\n-0.7\t</s>\n\n\\2-grams:\n-0.2\t<s> a\n\n\\end\\\n"

    struct Malformed: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var line: Int?
        var kind: LanguageModelError.Kind
        var testDescription: String { name }

        /// `valid` with `old` replaced by `new`.
        init(_ name: String, _ old: String, _ new: String, line: Int?, _ kind: LanguageModelError.Kind) {
            precondition(NGramLanguageModelTests.valid.contains(old), old)
            self.init(name, NGramLanguageModelTests.valid.replacingOccurrences(of: old, with: new), line: line, kind)
        }

        init(_ name: String, _ text: String, line: Int?, _ kind: LanguageModelError.Kind) {
            self.name = name
            self.text = text
            self.line = line
            self.kind = kind
        }
    }

    static let malformed: [Malformed] = [
        Malformed("empty", "", line: nil, .emptyFile),
        Malformed("white space only", " \n\t\n", line: nil, .emptyFile),
        Malformed("no \\data\\", "hello\nworld\n", line: nil, .missingDataHeader),
        Malformed("bad count", "ngram 1=3", "ngram 1=x", line: 2, .badCountLine("ngram 1=x")),
        Malformed("count without ngram", "ngram 2=1", "2=1", line: 3, .badCountLine("2=1")),
        Malformed("orders out of sequence", "ngram 1=3\nngram 2=1", "ngram 2=1\nngram 1=3", line: 2, .badCountLine("ngram 2=1")),
        Malformed("overflowing count", "ngram 1=3", "ngram 1=99999999999999999999999", line: 2,
                  .badCountLine("ngram 1=99999999999999999999999")),
        Malformed("count beyond the file", "ngram 1=3", "ngram 1=1000000000000", line: 2,
                  .countsExceedFile(declared: 1_000_000_000_000, fileBytes: 0 /* the text's length, filled in below */)),
        Malformed("order 0", "ngram 1=3", "ngram 0=3", line: 2, .unsupportedOrder(0)),
        Malformed("no orders", "\\data\\\n\n\\1-grams:\n-1\ta\n\\end\\\n", line: 3, .unsupportedOrder(0)),
        Malformed("order 7", "\\data\\\n" + (1...7).map { "ngram \($0)=1\n" }.joined(), line: 8, .unsupportedOrder(7)),
        Malformed("fewer 1-grams than declared", "ngram 1=3", "ngram 1=4", line: 10,
                  .countMismatch(order: 1, declared: 4, found: 3)),
        Malformed("more 1-grams than declared", "ngram 1=3", "ngram 1=2", line: 8,
                  .countMismatch(order: 1, declared: 2, found: 3)),
        Malformed("more 2-grams than declared", "-0.2\t<s> a\n", "-0.2\t<s> a\n-0.3\ta </s>\n", line: 12,
                  .countMismatch(order: 2, declared: 1, found: 2)),
        Malformed("missing \\end\\", "\n\\end\\\n", "\n", line: nil, .missingEnd),
        Malformed("truncated inside a section", "\n\n\\2-grams:\n-0.2\t<s> a\n\n\\end\\\n", "\n", line: nil, .missingEnd),
        Malformed("sections swapped", "\\data\\\nngram 1=1\nngram 2=1\n\n\\2-grams:\n-1\ta a\n\n\\1-grams:\n-1\ta\n\\end\\\n",
                  line: 5, .sectionOutOfOrder(expected: "\\1-grams:", found: "\\2-grams:")),
        Malformed("undeclared section", "\n\\end\\\n", "\n\\3-grams:\n-0.1\t<s> a </s>\n\\end\\\n", line: 13,
                  .sectionOutOfOrder(expected: "\\end\\ after the \\2-grams: section", found: "\\3-grams:")),
        Malformed("bad probability", "-0.5\ta", "-0.5x\ta", line: 7, .badNumber("-0.5x")),
        Malformed("NaN probability", "-0.5\ta", "nan\ta", line: 7, .badNumber("nan")),
        Malformed("bad back-off", "<s>\t-0.5", "<s>\t-0.5.1", line: 6, .badNumber("-0.5.1")),
        Malformed("too few words", "-0.2\t<s> a", "-0.2\t<s>", line: 11, .wrongWordCount(order: 2, found: 1)),
        Malformed("too many words", "-0.2\t<s> a", "-0.2\t<s> a </s>", line: 11, .wrongWordCount(order: 2, found: 3)),
        Malformed("too many words and a back-off", "-0.2\t<s> a", "-0.2\t<s> a </s>\t-0.1", line: 11,
                  .wrongWordCount(order: 2, found: 3)),
        Malformed("a 1-gram without its word", "-0.5\ta", "-0.5", line: 7, .wrongWordCount(order: 1, found: 0)),
        Malformed("word not among the 1-grams", "-0.2\t<s> a", "-0.2\t<s> b", line: 11, .unknownWord("b")),
        Malformed("duplicate 1-gram", "-0.7\t</s>", "-0.7\ta", line: 8, .duplicateNGram("a")),
        Malformed("duplicate 2-gram",
                  valid.replacingOccurrences(of: "ngram 2=1", with: "ngram 2=2")
                      .replacingOccurrences(of: "-0.2\t<s> a\n", with: "-0.2\t<s> a\n-0.3\t<s> a\n"),
                  line: 12, .duplicateNGram("<s> a")),
    ]

    @Test("Malformed files are typed errors naming the file and line", arguments: malformed)
    func malformedFiles(_ example: Malformed) {
        var kind = example.kind
        if case .countsExceedFile(let declared, _) = kind { kind = .countsExceedFile(declared: declared, fileBytes: example.text.utf8.count) }
        #expect(throws: LanguageModelError(file: "bad.arpa", line: example.line, kind: kind)) {
            try NGramLanguageModel(arpa: Array(example.text.utf8), name: "bad.arpa")
        }
    }

    @Test("Errors read as file:line: problem")
    func errorDescriptions() {
        let error = LanguageModelError(file: "lm.arpa", line: 7, kind: .badNumber("-0.5x"))
        #expect(error.description == "lm.arpa:7: \"-0.5x\" is not a number (log10 probability or back-off)")
        #expect(LanguageModelError(file: "lm.arpa", kind: .missingEnd).description == "lm.arpa: the file ends without \\end\\ (truncated?)")
    }

    @Test("A missing file, a directory and an empty file")
    func files() throws {
        #expect(throws: LanguageModelError(file: "/nonexistent/lm.arpa", kind: .fileNotFound)) {
            try NGramLanguageModel(contentsOf: "/nonexistent/lm.arpa")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("steno-lm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: LanguageModelError(file: directory.path, kind: .unreadable("is a directory"))) {
            try NGramLanguageModel(contentsOf: directory.path)
        }
        let empty = directory.appendingPathComponent("empty.arpa")
        try Data().write(to: empty)
        #expect(throws: LanguageModelError(file: empty.path, kind: .emptyFile)) {
            try NGramLanguageModel(contentsOf: empty.path)
        }
    }

    // MARK: - Generated models

    @Test("A generated 50k n-gram model: every listed n-gram scores its listed probability, others match textbook back-off")
    func generatedRoundTrip() throws {
        let generated = GeneratedModel(seed: 7, words: 2_000, bigrams: 20_000, trigrams: 28_000)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("steno-lm-\(UUID().uuidString).arpa")
        try generated.arpa.write(to: url, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let model = try NGramLanguageModel(contentsOf: url.path)
        #expect(model.counts == [generated.vocabulary.count, 20_000, 28_000])

        // Listed n-grams: reach the context from the empty state, then the score is the listed value exactly.
        var mismatches = 0
        for (words, probability) in generated.listed {
            let ids = words.map { model.wordID($0) }
            var state = NGramLanguageModel.State()
            for id in ids.dropLast() { state = model.score(state, word: id).next }
            if model.score(state, word: ids.last!).logProbability != probability { mismatches += 1 }
        }
        #expect(mismatches == 0)

        // Random sentences, mostly along listed n-grams: every score matches the textbook recursion
        // over the full history. Different summation order: tolerance 1e-4 on values of magnitude ≤ 10.
        var random = SplitMix(seed: 11)
        var worst: Float = 0
        for _ in 0..<2_000 {
            var history = ["<s>"]
            var state = model.startState
            for _ in 0..<12 {
                let word = generated.nextWord(after: history.last!, &random)
                let (score, next) = model.score(state, word: model.wordID(word))
                history.append(word)
                worst = max(worst, abs(score - generated.textbook(Array(history.suffix(3)))))
                state = next
            }
        }
        #expect(worst < 1e-4)
    }

    @Test("Load time on a big file (set STENO_LM_BENCH=/path/to/file.arpa)",
          .enabled(if: ProcessInfo.processInfo.environment["STENO_LM_BENCH"] != nil))
    func loadBenchmark() throws {
        let path = try #require(ProcessInfo.processInfo.environment["STENO_LM_BENCH"])
        let before = peakResidentKilobytes()
        let start = Date(), startCPU = cpuSeconds()
        let model = try NGramLanguageModel(contentsOf: path)
        let seconds = Date().timeIntervalSince(start), cpu = cpuSeconds() - startCPU
        let after = peakResidentKilobytes()
        let total = model.counts.reduce(0, +)
        // Scoring speed: random words from the start state, carrying the state along.
        var random = SplitMix(seed: 1)
        var state = model.startState
        var sum: Float = 0
        let lookups = 2_000_000
        let scoringStart = Date()
        for _ in 0..<lookups {
            let (score, next) = model.score(state, word: Int(random.below(UInt64(model.vocabularySize))))
            sum += score
            state = random.below(10) == 0 ? model.startState : next
        }
        let scoringSeconds = Date().timeIntervalSince(scoringStart)
        print(String(format: "STENO_LM_BENCH %@: load %.2f s (%.2f s CPU), %d n-grams %@, peak RSS %.0f MB before, %.0f MB after (%.1f bytes/n-gram), %.0f ns/score (sum %.1f)",
                     path, seconds, cpu, total, "\(model.counts)", Double(before) / 1024, Double(after) / 1024,
                     Double(after - before) * 1024 / Double(total), scoringSeconds / Double(lookups) * 1e9, sum))
    }
}

/// User and system CPU time of this process so far, in seconds (wall time is noisy on a busy machine).
private func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// The peak resident set size of this process so far, in KiB.
private func peakResidentKilobytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss
}

/// A deterministic generator (SplitMix64).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: UInt64) -> UInt64 { next() % bound }
}

/// A random trigram model with consistent counts, its ARPA text, and a textbook scorer over
/// dictionaries. Two thirds of the trigrams extend a listed bigram; the rest are random, so
/// many have no listed prefix or suffix bigram (the loader must add those contexts).
struct GeneratedModel {
    var vocabulary: [String]
    /// Words joined by spaces → (log10 probability, log10 back-off).
    var entries: [String: (probability: Float, backoff: Float)] = [:]
    var listed: [([String], Float)] = []
    var successors: [String: [String]] = [:]
    var arpa = ""

    init(seed: UInt64, words: Int, bigrams: Int, trigrams: Int) {
        var random = SplitMix(seed: seed)
        vocabulary = ["<unk>", "<s>", "</s>"] + (0..<words).map { "w\($0)" }
        // Four decimals, so the written text is the exact value the test expects.
        func value(_ random: inout SplitMix, _ range: UInt64) -> (String, Float) {
            let k = random.below(range) + 1
            let text = "-\(k / 10_000).\(String(k % 10_000 + 10_000).dropFirst())"
            return (text, Float(text)!)
        }
        var sections: [[String]] = [[], [], []]
        func add(_ ngram: [String], _ random: inout SplitMix, backoff: Bool) {
            let (probabilityText, probability) = value(&random, 60_000)
            var line = probabilityText + "\t" + ngram.joined(separator: " ")
            var backoffValue: Float = 0
            if backoff && random.below(3) != 0 {
                let (text, number) = value(&random, 8_000)
                line += "\t" + text
                backoffValue = number
            }
            entries[ngram.joined(separator: " ")] = (probability, backoffValue)
            listed.append((ngram, probability))
            sections[ngram.count - 1].append(line)
        }
        for word in vocabulary { add([word], &random, backoff: true) }
        var bigramList: [[String]] = []
        while bigramList.count < bigrams {
            let first = vocabulary[Int(random.below(UInt64(vocabulary.count)))]
            let second = vocabulary[3 + Int(random.below(UInt64(words)) * random.below(UInt64(words)) / UInt64(words))]
            guard entries[first + " " + second] == nil else { continue }
            add([first, second], &random, backoff: true)
            bigramList.append([first, second])
            successors[first, default: []].append(second)
        }
        var trigramCount = 0
        while trigramCount < trigrams {
            var ngram: [String]
            if random.below(3) != 0 {
                ngram = bigramList[Int(random.below(UInt64(bigramList.count)))]
            } else {
                ngram = (0..<2).map { _ in vocabulary[Int(random.below(UInt64(vocabulary.count)))] }
            }
            ngram.append(vocabulary[Int(random.below(UInt64(vocabulary.count)))])
            guard entries[ngram.joined(separator: " ")] == nil else { continue }
            add(ngram, &random, backoff: false)
            trigramCount += 1
        }
        arpa = "\\data\\\n" + sections.enumerated().map { "ngram \($0.offset + 1)=\($0.element.count)\n" }.joined()
        for (n, lines) in sections.enumerated() {
            arpa += "\n\\\(n + 1)-grams:\n" + lines.joined(separator: "\n") + "\n"
        }
        arpa += "\n\\end\\\n"
    }

    /// A word that often follows `previous` in a listed bigram.
    func nextWord(after previous: String, _ random: inout SplitMix) -> String {
        if random.below(4) != 0, let next = successors[previous] { return next[Int(random.below(UInt64(next.count)))] }
        return vocabulary[Int(random.below(UInt64(vocabulary.count)))]
    }

    /// log10 P(last | the others) by the textbook recursion.
    func textbook(_ ngram: [String]) -> Float {
        if let entry = entries[ngram.joined(separator: " ")] { return entry.probability }
        let context = ngram.dropLast().joined(separator: " ")
        return (entries[context]?.backoff ?? 0) + textbook(Array(ngram.dropFirst()))
    }
}
