import Foundation
import StenoLM
import StenoNN
import Testing

/// Estimates a model from sentences given as space-separated words.
private func estimate(_ sentences: [String], _ options: NGramEstimator.Options) -> NGramEstimator.Model {
    var estimator = NGramEstimator(options: options)
    for sentence in sentences { estimator.add(sentence: sentence.split(separator: " ").map(String.init)) }
    return estimator.estimate()
}

/// The listed log10 probability and back-off of `words` (space-separated).
private func entry(_ model: NGramEstimator.Model, _ words: String) -> NGramEstimator.Model.Entry? {
    let list = words.split(separator: " ").map(String.init)
    return model.ngrams[list.count - 1].first { $0.words == list }
}

/// Sentences of a random language of 150 words with a skewed (roughly Zipfian) distribution, so that
/// every order has counts of 1 to 4 and the discounts can be estimated.
private func randomText(sentences: Int, seed: UInt64) -> [String] {
    var random = SplitMix64(seed: seed)
    return (0..<sentences).map { _ in
        let length = 1 + random.below(7)
        return (0..<length).map { _ in "w\(min(random.below(150), random.below(150), random.below(150)))" }.joined(separator: " ")
    }
}

/// The language model's state after `history` (which may start with <s>).
private func stateAfter(_ history: [String], _ lm: NGramLanguageModel) -> NGramLanguageModel.State {
    var state = history.first == "<s>" ? lm.startState : NGramLanguageModel.State()
    for word in history where word != "<s>" { state = lm.score(state, word: lm.wordID(word)).next }
    return state
}

// Probabilities are written with six decimals of log10, so values read back from the text
// differ from the exact ones by up to 5e-7 in log10, about 1.2e-6 relative.
private let arpaTolerance = 2e-6

@Suite("NGramEstimator")
struct NGramEstimatorTests {
    /// Corpus "a b", "a c", "a b" with fixed discounts 0.5, 1, 1.5; the values below are worked out by hand.
    /// Unigram (continuation) counts: a 1 (after <s>), b 1, c 1, </s> 2 (after b and c); Σ = 5, and
    /// γ = (0.5·3 + 1·1) / 5 = 0.5 spread over the 5 words that can be predicted (a b c </s> <unk>).
    @Test("A bigram model on a tiny corpus equals the hand-computed probabilities and back-offs")
    func handComputedBigrams() throws {
        let model = estimate(["a b", "a c", "a b"], .init(order: 2, fixedDiscounts: [0.5, 1, 1.5]))
        let expected: [(String, Double, Double?)] = [
            ("a", 0.5 / 5 + 0.1, 0.5),  // γ(a) = (0.5·1 [a c] + 1·1 [a b]) / 3
            ("b", 0.5 / 5 + 0.1, 0.5),
            ("c", 0.5 / 5 + 0.1, 0.5),
            ("</s>", 1.0 / 5 + 0.1, nil),
            ("<unk>", 0.1, nil),
            ("<s> a", 1.5 / 3 + 0.5 * 0.2, nil),  // raw count 3, D3+ = 1.5, γ(<s>) = 1.5 / 3
            ("a b", 1.0 / 3 + 0.5 * 0.2, nil),
            ("a c", 0.5 / 3 + 0.5 * 0.2, nil),
            ("b </s>", 1.0 / 2 + 0.5 * 0.3, nil),
            ("c </s>", 0.5 / 1 + 0.5 * 0.3, nil),
        ]
        for (words, probability, backoff) in expected {
            let found = try #require(entry(model, words), "\(words) is missing")
            #expect(abs(found.logProbability - log10(probability)) < 1e-12, "\(words)")
            if let backoff {
                #expect(abs(pow(10, try #require(found.logBackoff)) - backoff) < 1e-12, "\(words)")
            } else {
                #expect(found.logBackoff == nil, "\(words)")
            }
        }
        let start = try #require(entry(model, "<s>"))
        #expect(start.logProbability == -99)
        #expect(abs(try #require(start.logBackoff) - log10(0.5)) < 1e-12)
        #expect(model.ngrams.map(\.count) == [6, 5])
    }

    /// The middle order of a trigram model uses continuation counts: "b c" follows a, d and <s>, so its count is 3.
    @Test("Lower orders use continuation counts, except n-grams that start with <s>")
    func continuationCounts() throws {
        let model = estimate(["a b c", "d b c", "b c"], .init(order: 3, fixedDiscounts: [0.5, 1, 1.5]))
        // Unigram continuation counts: b after a, d and <s> = 3; c after b = 1; a 1; d 1; </s> 1. Σ = 7.
        // γ(ε) = (0.5·4 + 1.5·1) / 7 = 0.5; uniform share 0.5 / 6 (a b c d </s> <unk>).
        let uniform = 0.5 / 6
        let pc = 0.5 / 7 + uniform
        // Bigrams with context b: "b c" follows a, d and <s>, so its continuation count is 3; γ(b) = 1.5 / 3.
        let pbc = 1.5 / 3 + 0.5 * pc
        #expect(abs(try #require(entry(model, "b c")).logProbability - log10(pbc)) < 1e-12)
        // "<s> b" keeps its raw count 1 (context <s>: "<s> a" 1, "<s> d" 1, "<s> b" 1; γ = 1.5 / 3).
        let pb = 1.5 / 7 + uniform
        #expect(abs(try #require(entry(model, "<s> b")).logProbability - log10(0.5 / 3 + 0.5 * pb)) < 1e-12)
        // The trigram "a b c" uses raw counts: 1 of 1 after "a b"; γ(a b) = 0.5.
        #expect(abs(try #require(entry(model, "a b c")).logProbability - log10(0.5 + 0.5 * pbc)) < 1e-12)
    }

    @Test("Discounts follow Chen and Goodman's estimate from the count-of-counts")
    func discountEstimate() {
        // t1..t4 = 10, 4, 2, 1: Y = 10 / 18; D1 = 1 - 2Y·4/10, D2 = 2 - 3Y·2/4, D3 = 3 - 4Y·1/2.
        let counts = Array(repeating: 1, count: 10) + Array(repeating: 2, count: 4) + [3, 3, 4, 7]
        let (d, problem) = NGramEstimator.discounts(countOfCounts: counts)
        let y = 10.0 / 18
        #expect(problem == nil)
        let expected: [Double] = [1 - 2 * y * 0.4, 2 - 3 * y * 0.5, 3 - 4 * y * 0.5]
        for k in 0..<3 { #expect(abs(d[k] - expected[k]) < 1e-12, "D\(k + 1)") }
        let (fallback, why) = NGramEstimator.discounts(countOfCounts: [1, 1, 2])
        #expect(fallback == [0.5, 1, 1.5])
        #expect(why?.contains("too little text") == true)
    }

    @Test("Every context's distribution sums to one over the vocabulary, pruned or not", arguments: [[Int](), [0, 1], [0, 1, 2]])
    func normalization(prune: [Int]) throws {
        let text = randomText(sentences: 400, seed: 7)
        let model = estimate(text, .init(order: 3, pruneThresholds: prune))
        // Orders 1 and 2 estimate their discounts from this text (random trigrams may fall back).
        #expect(!model.warnings.contains { $0.hasPrefix("order 1") || $0.hasPrefix("order 2") }, "\(model.warnings)")
        let lm = try NGramLanguageModel(arpa: Array(model.arpa().utf8), name: "estimated")
        let vocabulary = model.ngrams[0].map(\.words[0]).filter { $0 != "<s>" }
        // Histories: <s>, every word, and every listed bigram.
        let histories: [[String]] = [["<s>"]] + vocabulary.filter { $0 != "</s>" }.map { [$0] } + model.ngrams[1].map(\.words).filter { $0.last != "</s>" }
        for history in histories {
            let state = stateAfter(history, lm)
            let total = vocabulary.reduce(0.0) { sum, word in sum + pow(10, Double(lm.score(state, word: lm.wordID(word)).logProbability)) }
            #expect(abs(total - 1) < 1e-4, "P(· | \(history.joined(separator: " "))) sums to \(total)")
        }
        if prune.count > 1 {
            let full = estimate(text, .init(order: 3))
            #expect(model.ngrams[1].count < full.ngrams[1].count && model.ngrams[2].count < full.ngrams[2].count)
        }
    }

    @Test("Pruning keeps the contexts and back-off suffixes of the n-grams it keeps")
    func pruningClosure() {
        let model = estimate(randomText(sentences: 300, seed: 3), .init(order: 3, pruneThresholds: [0, 2, 1]))
        let listed = model.ngrams.map { Set($0.map(\.words)) }
        for n in 2...3 {
            for words in listed[n - 1] {
                #expect(listed[n - 2].contains(Array(words.dropLast())), "context of \(words)")
                #expect(listed[n - 2].contains(Array(words.dropFirst())), "suffix of \(words)")
            }
        }
    }

    @Test("The ARPA text loads in NGramLanguageModel with the same probabilities")
    func arpaRoundTrip() throws {
        let model = estimate(randomText(sentences: 200, seed: 11), .init(order: 3, pruneThresholds: [0, 1]))
        let lm = try NGramLanguageModel(arpa: Array(model.arpa().utf8), name: "estimated")
        #expect(lm.order == 3)
        #expect(lm.counts == model.ngrams.map(\.count))
        for entry in model.ngrams[2].prefix(50) {
            let score = lm.score(stateAfter(Array(entry.words.dropLast()), lm), word: lm.wordID(entry.words[2])).logProbability
            #expect(abs(Double(score) - entry.logProbability) < arpaTolerance * 10, "\(entry.words)")
        }
    }

    @Test("Invalid options are explained")
    func invalidOptions() {
        #expect(NGramEstimator.Options(order: 0).problem != nil)
        #expect(NGramEstimator.Options(order: 7).problem != nil)
        #expect(NGramEstimator.Options(order: 3, pruneThresholds: [1]).problem?.contains("unigram") == true)
        #expect(NGramEstimator.Options(order: 3, pruneThresholds: [0, -1]).problem != nil)
        #expect(NGramEstimator.Options(order: 3, fixedDiscounts: [0.5, 2.5, 1]).problem != nil)
        #expect(NGramEstimator.Options(order: 3, pruneThresholds: [0, 1, 1]).problem == nil)
    }
}
