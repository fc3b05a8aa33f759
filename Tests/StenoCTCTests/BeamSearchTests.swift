import Foundation
import Testing
@testable import StenoCTC
import StenoLM

/// A 3-letter alphabet ("a", "b", " ") for small exhaustive checks: classes blank, a, b, space.
let tinyAlphabet = try! Alphabet(characters: ["a", "b", " "])

/// Log-softmax rows of random logits `[frames, classes]`.
func randomLogProbabilities(frames: Int, classes: Int, seed: UInt64, scale: Double = 2) -> [Float] {
    var random = TestRandom(state: seed)
    var out: [Float] = []
    for _ in 0..<frames {
        let row = random.logits(classes, scale: scale)
        let normaliser = log(row.map { exp($0) }.reduce(0, +))
        out += row.map { Float($0 - normaliser) }
    }
    return out
}

/// The labeling with the highest total probability over all its alignments, by enumerating every path.
func bruteForceBest(_ logProbabilities: [Float], frames: Int, classes: Int) -> (labels: [Int], logProbability: Double) {
    var totals: [[Int]: Double] = [:]
    var path = [Int](repeating: 0, count: frames)
    for index in 0..<Int(pow(Double(classes), Double(frames))) {
        var rest = index
        for t in 0..<frames { path[t] = rest % classes; rest /= classes }
        var labels: [Int] = [], previous = 0
        for symbol in path {
            if symbol != previous && symbol != 0 { labels.append(symbol) }
            previous = symbol
        }
        let p = exp((0..<frames).reduce(0.0) { $0 + Double(logProbabilities[$1 * classes + path[$1]]) })
        totals[labels, default: 0] += p
    }
    let best = totals.max { $0.value < $1.value || ($0.value == $1.value && $0.key.count > $1.key.count) }!
    return (best.key, log(best.value))
}

@Suite("Prefix beam search")
struct BeamSearchTests {
    @Test("With a wide beam it finds the most probable labeling, as exhaustive search does", arguments: [1, 2, 3, 4, 5])
    func exactOnSmallInputs(seed: UInt64) {
        let (frames, classes) = (6, 4)
        let lp = randomLogProbabilities(frames: frames, classes: classes, seed: seed)
        var options = BeamSearchOptions()
        options.beamWidth = 10_000
        options.pruneLogProbability = -.infinity
        options.wordBonus = 0
        // No space in this alphabet, so every labeling is one word and the two searches compare directly.
        let letters = try! Alphabet(characters: ["a", "b", "c"])
        let search = PrefixBeamSearch(alphabet: letters, options: options, secondsPerFrame: 0.03)
        search.accept(lp)
        let best = search.hypotheses()[0]
        let expected = bruteForceBest(lp, frames: frames, classes: classes)
        #expect(best.text == letters.decode(expected.labels))
        #expect(abs(best.score - expected.logProbability) < 1e-5)
    }

    @Test("The result does not depend on how the frames are split")
    func chunkingInvariant() {
        let lp = randomLogProbabilities(frames: 40, classes: 4, seed: 9)
        let whole = PrefixBeamSearch(alphabet: tinyAlphabet, options: BeamSearchOptions(), secondsPerFrame: 0.03)
        whole.accept(lp)
        let pieces = PrefixBeamSearch(alphabet: tinyAlphabet, options: BeamSearchOptions(), secondsPerFrame: 0.03)
        for start in stride(from: 0, to: 40, by: 7) { pieces.accept(Array(lp[start * 4..<min(40, start + 7) * 4])) }
        #expect(whole.hypotheses() == pieces.hypotheses())
    }

    /// Frames that spell "ab" clearly but make "a" then "b" vs "a" " " "b" ambiguous.
    func ambiguousFrames() -> [Float] {
        // classes: blank, a, b, space
        let rows: [[Double]] = [
            [0.05, 0.9, 0.025, 0.025],
            [0.5, 0.025, 0.025, 0.45],
            [0.05, 0.025, 0.9, 0.025],
        ]
        return rows.flatMap { $0.map { Float(log($0)) } }
    }

    @Test("A vocabulary restricts the output to its words")
    func vocabulary() {
        var options = BeamSearchOptions()
        options.wordBonus = 0
        let free = PrefixBeamSearch(alphabet: tinyAlphabet, options: options, secondsPerFrame: 0.03)
        free.accept(ambiguousFrames())
        #expect(free.hypotheses()[0].text == "ab")
        options.lexicon = Lexicon(words: ["a b", "bb"], alphabet: tinyAlphabet)
        let constrained = PrefixBeamSearch(alphabet: tinyAlphabet, options: options, secondsPerFrame: 0.03)
        constrained.accept(ambiguousFrames())
        #expect(constrained.hypotheses()[0].text == "a b")
    }

    @Test("Without an LM the word bonus is not applied: a wide beam still finds the likeliest labeling")
    func wordBonusNeedsLanguageModel() {
        var options = BeamSearchOptions()
        options.beamWidth = 64
        options.wordBonus = 5   // would turn "ab" into "a b" if it were added per word
        let search = PrefixBeamSearch(alphabet: tinyAlphabet, options: options, secondsPerFrame: 0.03)
        search.accept(ambiguousFrames())
        #expect(search.hypotheses()[0].text == "ab")
    }

    @Test("An LM that knows none of the words: the search ends empty, so the best path comes out, marked as a fallback")
    func fallbackWithUnknownWords() throws {
        // Only "zz" is known; anything else costs <unk>'s 10⁻¹⁰, so the empty output wins the search.
        let arpa = "\\data\\\nngram 1=4\n\n\\1-grams:\n-10 <unk>\n-99 <s>\n-0.3 zz\n-0.3 </s>\n\n\\end\\\n"
        let lm = try NGramLanguageModel(arpa: Array(arpa.utf8), name: "zz.arpa")
        var options = BeamSearchOptions()
        options.languageModel = lm
        options.languageModelWeight = 1
        options.wordBonus = 0
        options.bestPathFallback = false
        let strict = PrefixBeamSearch(alphabet: tinyAlphabet, options: options, secondsPerFrame: 0.03)
        strict.accept(ambiguousFrames())
        #expect(strict.hypotheses().first?.text == "")
        options.bestPathFallback = true
        let search = PrefixBeamSearch(alphabet: tinyAlphabet, options: options, secondsPerFrame: 0.03)
        search.accept(ambiguousFrames())
        let best = try #require(search.hypotheses().first)
        // The best path: a, blank, b.
        #expect(best.text == "ab" && best.words.map(\.word) == ["ab"])
        #expect(best.fallback?.contains("best path") == true)
        // With the LM's words as the lexicon no prefix can end at all; the fallback is the same.
        options.lexicon = Lexicon(words: ["zz"], alphabet: tinyAlphabet)
        let closed = PrefixBeamSearch(alphabet: tinyAlphabet, options: options, secondsPerFrame: 0.03)
        closed.accept(ambiguousFrames())
        #expect(closed.hypotheses().first?.text == "ab" && closed.hypotheses().first?.fallback != nil)
        // An ordinary result carries no fallback mark; silence (all blank) stays empty, with no fallback.
        let free = PrefixBeamSearch(alphabet: tinyAlphabet, options: BeamSearchOptions(), secondsPerFrame: 0.03)
        free.accept(ambiguousFrames())
        #expect(free.hypotheses()[0].fallback == nil)
        let silent = PrefixBeamSearch(alphabet: tinyAlphabet, options: options, secondsPerFrame: 0.03)
        silent.accept([Float](repeating: log(0.97), count: 1).flatMap { [$0, log(0.01), log(0.01), log(0.01)] })
        #expect(silent.hypotheses().allSatisfy { $0.text.isEmpty && $0.fallback == nil })
    }

    @Test("A hotword boost turns the decision towards it")
    func hotword() {
        var options = BeamSearchOptions()
        options.wordBonus = 0
        options.hotwords = ["b": 3]
        let search = PrefixBeamSearch(alphabet: tinyAlphabet, options: options, secondsPerFrame: 0.03)
        search.accept(ambiguousFrames())
        #expect(search.hypotheses()[0].text == "a b")
    }

    @Test("Word times follow the frames where characters are emitted; alternatives come best first")
    func timesAndAlternatives() {
        var options = BeamSearchOptions()
        options.alternatives = 3
        let search = PrefixBeamSearch(alphabet: tinyAlphabet, options: options, secondsPerFrame: 0.03)
        search.accept(ambiguousFrames())
        let hypotheses = search.hypotheses()
        #expect(hypotheses.count == 3)
        #expect(Set(hypotheses.map(\.text)).count == 3)
        #expect(zip(hypotheses, hypotheses.dropFirst()).allSatisfy { $0.score >= $1.score })
        let spaced = hypotheses.first { $0.text == "a b" }!
        #expect(spaced.words.map(\.word) == ["a", "b"])
        #expect(abs(spaced.words[0].start - 0) < 1e-9 && abs(spaced.words[0].end - 0.03) < 1e-9)
        #expect(abs(spaced.words[1].start - 0.06) < 1e-9 && abs(spaced.words[1].end - 0.09) < 1e-9)
        // Evidence: the characters' posteriors where emitted (0.9 each), and the beam's share of
        // prefixes holding the word (all of them hold "a" at frame 0).
        for word in spaced.words {
            let evidence = try! #require(word.evidence)
            #expect(abs(evidence.meanLogPosterior - log(0.9)) < 1e-6 && evidence.minLogPosterior == evidence.meanLogPosterior)
            #expect(evidence.length == 1 && !evidence.outOfVocabulary && evidence.logBeamPosterior <= 0)
            #expect(word.confidence > 0 && word.confidence < 1)
        }
        let a = try! #require(hypotheses[0].words.first)
        #expect(a.word == "a" || a.word == "ab")
        // Without calibration, the confidence is the geometric mean of the characters' posteriors.
        options.confidence = nil
        let plain = PrefixBeamSearch(alphabet: tinyAlphabet, options: options, secondsPerFrame: 0.03)
        plain.accept(ambiguousFrames())
        let plainSpaced = plain.hypotheses().first { $0.text == "a b" }!
        #expect(plainSpaced.words.allSatisfy { abs($0.confidence - 0.9) < 1e-6 })
    }

    @Test("Calibrated confidence: the logistic mapping of the evidence, monotone in each posterior")
    func calibration() {
        let calibration = ConfidenceCalibration(bias: -1, meanLogPosterior: 2, minLogPosterior: 0.5, logBeamPosterior: 1.5,
                                                outOfVocabulary: -0.7, inverseLength: 0.3)
        let evidence = WordEvidence(meanLogPosterior: -0.2, minLogPosterior: -0.9, logBeamPosterior: -0.4, outOfVocabulary: true, length: 4)
        let z = -1 + 2 * -0.2 + 0.5 * -0.9 + 1.5 * -0.4 - 0.7 + 0.3 / 4
        #expect(abs(calibration.probability(evidence) - 1 / (1 + exp(-z))) < 1e-12)
        var better = evidence
        better.logBeamPosterior = 0
        #expect(calibration.probability(better) > calibration.probability(evidence))
        better.outOfVocabulary = false
        #expect(calibration.probability(better) > calibration.probability(evidence))
    }
}

@Suite("Prefix beam search on long streams")
struct LongBeamSearchTests {
    @Test("The prefix tree is compacted, so memory follows the transcript, not the number of frames; results are unchanged")
    func compaction() {
        let frames = 4_000
        let lp = randomLogProbabilities(frames: frames, classes: 4, seed: 17, scale: 3)
        let search = PrefixBeamSearch(alphabet: tinyAlphabet, options: BeamSearchOptions(), secondsPerFrame: 0.03)
        var largest = 0
        for start in stride(from: 0, to: frames, by: 100) {
            search.accept(Array(lp[start * 4..<(start + 100) * 4]))
            largest = max(largest, search.treeSize)
        }
        // Without compaction this run builds about 89 000 nodes (measured below).
        #expect(largest <= 60_000)
        // The same search with compaction switched off gives the same hypotheses.
        let uncompacted = PrefixBeamSearch(alphabet: tinyAlphabet, options: BeamSearchOptions(), secondsPerFrame: 0.03)
        uncompacted.compactionThreshold = .max
        uncompacted.accept(lp)
        #expect(uncompacted.treeSize > 80_000)
        let full = uncompacted.hypotheses(), compacted = search.hypotheses()
        #expect(full.map(\.text) == compacted.map(\.text))
        #expect(full.map(\.score) == compacted.map(\.score))
        #expect(!compacted[0].text.isEmpty)
        // Word timings agree except where a prefix that had fallen off the beam was reached again:
        // the full tree reuses its node (and the frame it was first made at), the compacted tree has
        // dropped it and makes it anew. Such revivals are rare.
        let words = zip(full[0].words, compacted[0].words)
        #expect(words.allSatisfy { $0.word == $1.word })
        let moved = words.filter { $0.start != $1.start || $0.end != $1.end }.count
        #expect(moved * 100 <= full[0].words.count)
    }
}
