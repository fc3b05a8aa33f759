import Foundation

/// Estimates a word n-gram language model from sentences with interpolated modified Kneser-Ney
/// smoothing (Chen & Goodman 1998, as KenLM's `lmplz` does it), and writes it in the ARPA format
/// that ``NGramLanguageModel`` reads.
///
/// **Counts.** Every sentence is padded as `<s> w1 … wk </s>`. The highest order uses raw counts;
/// a lower-order n-gram uses its *continuation* count, the number of different words seen before
/// it, except when it starts with `<s>` (nothing can precede that), which keeps its raw count.
///
/// **Discounts.** Per order n, from the count-of-counts t₁…t₄ of those adjusted counts:
/// Y = t₁ / (t₁ + 2t₂), Dₖ = k − (k + 1) · Y · tₖ₊₁ / tₖ for k = 1, 2, 3 (D₃ applies to counts ≥ 3).
/// When the text is too small for that (some tₖ is 0, or a Dₖ falls outside (0, k)), the order falls
/// back to D = 0.5, 1, 1.5, as `lmplz --discount_fallback` does, and ``Model/warnings`` says so.
///
/// **Probabilities.** P(w | h) = (a(hw) − D(a(hw))) / Σᵥ a(hv) + γ(h) · P(w | h′), with h′ the history
/// without its oldest word and γ(h) = (D₁N₁(h) + D₂N₂(h) + D₃N₃₊(h)) / Σᵥ a(hv) the mass the discounts
/// freed. Unigrams interpolate with the uniform distribution over the vocabulary (`</s>` and `<unk>`
/// included, `<s>` excluded: it is never predicted and gets log10 probability −99).
///
/// **Pruning.** ``Options/pruneThresholds`` drops n-grams whose adjusted count is at most the
/// threshold of their order, unless a kept longer n-gram needs them as its context or its back-off
/// suffix. Kept n-grams keep their unpruned probabilities; each context's back-off weight is then
/// recomputed so that its distribution still sums to one (without pruning it equals γ(h)).
public struct NGramEstimator: Sendable {
    /// What to estimate.
    public struct Options: Sendable, Equatable {
        /// The longest n-gram, in words (1…``NGramLanguageModel/maximumOrder``; default 3).
        public var order: Int = 3
        /// Count thresholds per order, unigrams first (KenLM's `--prune`): an n-gram of order n whose
        /// adjusted count is ≤ `pruneThresholds[n - 1]` is dropped. Missing orders repeat the last
        /// threshold; the unigram threshold must be 0 (every word keeps a probability). Default: none.
        public var pruneThresholds: [Int] = []
        /// Discounts (D₁, D₂, D₃₊) to use for every order instead of estimating them; nil estimates.
        public var fixedDiscounts: [Double]?

        public init(order: Int = 3, pruneThresholds: [Int] = [], fixedDiscounts: [Double]? = nil) {
            self.order = order
            self.pruneThresholds = pruneThresholds
            self.fixedDiscounts = fixedDiscounts
        }

        /// Why these options cannot be used, or nil.
        public var problem: String? {
            if !(1...NGramLanguageModel.maximumOrder).contains(order) { return "the order must be 1…\(NGramLanguageModel.maximumOrder), not \(order)" }
            if pruneThresholds.contains(where: { $0 < 0 }) { return "prune thresholds must not be negative" }
            if let first = pruneThresholds.first, first != 0 { return "the unigram prune threshold must be 0 (every word keeps a probability)" }
            if let d = fixedDiscounts, d.count != 3 || zip(d, [1.0, 2, 3]).contains(where: { !($0 > 0 && $0 < $1) }) {
                return "discounts must be three numbers D1 < 1, D2 < 2, D3 < 3, all above 0"
            }
            return nil
        }

        func threshold(order n: Int) -> Int {
            guard !pruneThresholds.isEmpty else { return 0 }
            return pruneThresholds[min(n, pruneThresholds.count) - 1]
        }
    }

    /// An estimated model: every kept n-gram with its log10 probability and back-off.
    public struct Model: Sendable {
        /// One entry per kept n-gram; `words` as strings, `logProbability` and `logBackoff` in log10
        /// (`logBackoff` is nil for n-grams that are no context: the highest order, or nothing follows).
        public struct Entry: Sendable, Equatable {
            public var words: [String]
            public var logProbability: Double
            public var logBackoff: Double?
        }
        /// `ngrams[n - 1]` holds the n-grams of order n, sorted by their words.
        public var ngrams: [[Entry]]
        /// The discounts used, `discounts[n - 1] = [D1, D2, D3+]`.
        public var discounts: [[Double]]
        /// Things a user should know (discount fallbacks).
        public var warnings: [String]

        /// The model in the ARPA format.
        public func arpa() -> String {
            var text = "\\data\\\n"
            for (index, entries) in ngrams.enumerated() { text += "ngram \(index + 1)=\(entries.count)\n" }
            for (index, entries) in ngrams.enumerated() {
                text += "\n\\\(index + 1)-grams:\n"
                for entry in entries {
                    text += Self.format(entry.logProbability) + "\t" + entry.words.joined(separator: " ")
                    if let backoff = entry.logBackoff { text += "\t" + Self.format(backoff) }
                    text += "\n"
                }
            }
            return text + "\n\\end\\\n"
        }

        private static func format(_ value: Double) -> String { String(format: "%.6f", value) }
    }

    public static let sentenceStart = "<s>", sentenceEnd = "</s>", unknownWord = "<unk>"

    public let options: Options
    private var ids: [String: Int32] = [:]
    private var words: [String] = []
    /// `rawCounts[n - 1]`: every n-gram of order n in the padded sentences.
    private var rawCounts: [[[Int32]: Int]]
    /// Sentences and words (without padding) added so far.
    public private(set) var sentenceCount = 0, wordCount = 0

    /// An estimator with nothing counted yet.
    public init(options: Options) {
        precondition(options.problem == nil, "NGramEstimator: \(options.problem!)")
        self.options = options
        rawCounts = Array(repeating: [:], count: options.order)
        for special in [Self.sentenceStart, Self.sentenceEnd, Self.unknownWord] { _ = id(of: special) }
    }

    private mutating func id(of word: String) -> Int32 {
        if let id = ids[word] { return id }
        let id = Int32(words.count)
        ids[word] = id
        words.append(word)
        return id
    }

    private var startID: Int32 { 0 }
    private var unknownID: Int32 { 2 }

    /// Counts one sentence (already normalized words; empty sentences are skipped).
    public mutating func add(sentence: [String]) {
        guard !sentence.isEmpty else { return }
        sentenceCount += 1
        wordCount += sentence.count
        let padded = [startID] + sentence.map { id(of: $0) } + [id(of: Self.sentenceEnd)]
        for n in 1...options.order where n <= padded.count {
            for start in 0...(padded.count - n) {
                rawCounts[n - 1][Array(padded[start..<start + n]), default: 0] += 1
            }
        }
    }

    /// Estimates the model from everything added.
    public func estimate() -> Model {
        let order = options.order
        let adjusted = adjustedCounts()
        var warnings: [String] = []
        let discounts = (1...order).map { n -> [Double] in
            if let fixed = options.fixedDiscounts { return fixed }
            let (values, problem) = Self.discounts(countOfCounts: adjusted[n - 1].values.filter { $0 > 0 })
            if let problem { warnings.append("order \(n): \(problem); using the fallback discounts 0.5, 1, 1.5") }
            return values
        }
        let kept = keptNGrams(adjusted)

        // Context statistics over every n-gram (pruned ones included): Σ a, and N1, N2, N3+.
        var contexts: [[[Int32]: ContextStatistics]] = []
        for n in 1...order {
            var table: [[Int32]: ContextStatistics] = [:]
            for (gram, count) in adjusted[n - 1] where count > 0 && !(n == 1 && gram[0] == startID) {
                table[Array(gram.dropLast()), default: ContextStatistics()].add(count)
            }
            contexts.append(table)
        }

        // Interpolated probabilities of the kept n-grams, lowest order first.
        var probabilities: [[[Int32]: Double]] = Array(repeating: [:], count: order)
        let vocabularySize = Double(words.count - 1)  // every word but <s>
        let unigramContext = contexts[0][[]] ?? ContextStatistics()
        let unigramGamma = unigramContext.total > 0 ? unigramContext.gamma(discounts[0]) : 1
        for gram in kept[0] where gram[0] != startID {
            let count = adjusted[0][gram] ?? 0
            let discounted = unigramContext.total > 0 ? (Double(count) - Self.discount(count, discounts[0])) / unigramContext.total : 0
            probabilities[0][gram] = discounted + unigramGamma / vocabularySize
        }
        for n in stride(from: 2, through: order, by: 1) {
            for gram in kept[n - 1] {
                let count = adjusted[n - 1][gram]!
                let statistics = contexts[n - 1][Array(gram.dropLast())]!
                let lower = probabilities[n - 2][Array(gram.dropFirst())]!
                probabilities[n - 1][gram] = (Double(count) - Self.discount(count, discounts[n - 1])) / statistics.total
                    + statistics.gamma(discounts[n - 1]) * lower
            }
        }

        // Back-off weights: what each context leaves for the words it does not list, normalized so
        // its distribution sums to one.
        var backoffs: [[[Int32]: Double]] = Array(repeating: [:], count: order)
        for n in stride(from: 1, to: order, by: 1) {
            var listedMass: [[Int32]: (Double, Double, Int)] = [:]
            for gram in kept[n] {
                let context = Array(gram.dropLast())
                let lower = probabilities[n - 1][Array(gram.dropFirst())]!
                let entry = listedMass[context, default: (0, 0, 0)]
                listedMass[context] = (entry.0 + probabilities[n][gram]!, entry.1 + lower, entry.2 + 1)
            }
            for (context, mass) in listedMass {
                let statistics = contexts[n][context]!
                if mass.2 == statistics.distinct {
                    backoffs[n - 1][context] = statistics.gamma(discounts[n])  // nothing pruned: exactly γ(h)
                } else {
                    backoffs[n - 1][context] = max(1 - mass.0, 0) / max(1 - mass.1, 1e-12)
                }
            }
        }

        var ngrams: [[Model.Entry]] = []
        for n in 1...order {
            var entries = kept[n - 1].map { gram in
                Model.Entry(words: gram.map { words[Int($0)] },
                            logProbability: gram == [startID] ? -99 : log10(probabilities[n - 1][gram]!),
                            logBackoff: backoffs[n - 1][gram].map { log10(max($0, 1e-99)) })
            }
            entries.sort { $0.words.lexicographicallyPrecedes($1.words) }
            ngrams.append(entries)
        }
        return Model(ngrams: ngrams, discounts: discounts, warnings: warnings)
    }

    // MARK: - Implementation details

    /// Σ a(hv), and how many v have a(hv) = 1, 2 and ≥ 3.
    private struct ContextStatistics {
        var total = 0.0
        var ones = 0, twos = 0, more = 0
        var distinct: Int { ones + twos + more }
        mutating func add(_ count: Int) {
            total += Double(count)
            switch count {
            case 1: ones += 1
            case 2: twos += 1
            default: more += 1
            }
        }
        func gamma(_ d: [Double]) -> Double { (d[0] * Double(ones) + d[1] * Double(twos) + d[2] * Double(more)) / total }
    }

    static func discount(_ count: Int, _ d: [Double]) -> Double { count <= 0 ? 0 : d[min(count, 3) - 1] }

    /// Modified Kneser-Ney discounts [D1, D2, D3+] from the adjusted counts of one order; when they
    /// cannot be estimated, the fallback [0.5, 1, 1.5] and the reason.
    public static func discounts(countOfCounts counts: some Sequence<Int>) -> ([Double], String?) {
        var t = [0, 0, 0, 0, 0]
        for count in counts where count <= 4 { t[count] += 1 }
        let fallback = [0.5, 1.0, 1.5]
        guard t[1] > 0, t[2] > 0, t[3] > 0, t[4] > 0 else {
            return (fallback, "too little text to estimate discounts (count-of-counts \(t[1]), \(t[2]), \(t[3]), \(t[4]))")
        }
        let y = Double(t[1]) / Double(t[1] + 2 * t[2])
        let d = (1...3).map { k in Double(k) - Double(k + 1) * y * Double(t[k + 1]) / Double(t[k]) }
        for (k, value) in d.enumerated() where !(value > 0 && value < Double(k + 1)) {
            return (fallback, "the estimated discount D\(k + 1) = \(String(format: "%.3f", value)) is outside (0, \(k + 1))")
        }
        return (d, nil)
    }

    /// `adjusted[n - 1]`: raw counts for the highest order and for n-grams starting with `<s>`,
    /// continuation counts for the rest.
    private func adjustedCounts() -> [[[Int32]: Int]] {
        let order = options.order
        var adjusted = Array(repeating: [[Int32]: Int](), count: order)
        adjusted[order - 1] = rawCounts[order - 1]
        for n in stride(from: order - 1, through: 1, by: -1) {
            var table: [[Int32]: Int] = [:]
            table.reserveCapacity(rawCounts[n - 1].count)
            for gram in rawCounts[n].keys { table[Array(gram.dropFirst()), default: 0] += 1 }
            for (gram, count) in rawCounts[n - 1] where gram[0] == startID { table[gram] = count }
            adjusted[n - 1] = table
        }
        // Every word gets a unigram (and so a probability), <unk> too, even if never seen.
        for id in words.indices where adjusted[0][[Int32(id)]] == nil { adjusted[0][[Int32(id)]] = 0 }
        return adjusted
    }

    /// The n-grams that survive pruning, closed under context (prefix) and back-off (suffix).
    private func keptNGrams(_ adjusted: [[[Int32]: Int]]) -> [[[Int32]]] {
        let order = options.order
        var kept = Array(repeating: [[Int32]](), count: order)
        var needed = Set<[Int32]>()
        for n in stride(from: order, through: 1, by: -1) {
            let threshold = options.threshold(order: n)
            var keep: [[Int32]] = []
            var nextNeeded = Set<[Int32]>()
            for (gram, count) in adjusted[n - 1] where n == 1 || count > threshold || needed.contains(gram) {
                keep.append(gram)
                if n > 1 {
                    nextNeeded.insert(Array(gram.dropLast()))
                    nextNeeded.insert(Array(gram.dropFirst()))
                }
            }
            kept[n - 1] = keep
            needed = nextNeeded
        }
        return kept
    }
}
