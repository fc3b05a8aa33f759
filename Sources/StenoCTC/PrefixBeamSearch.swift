import Foundation
import StenoLM

/// Options of the CTC prefix beam search.
public struct BeamSearchOptions: Sendable {
    /// Prefixes kept after each frame.
    public var beamWidth = 16
    /// Characters whose log posterior at a frame is below this are not tried there (natural log).
    public var pruneLogProbability: Float = -10
    /// At most this many characters (besides the blank) are tried per frame, the likeliest first.
    public var maxCandidatesPerFrame = 12
    /// Hypotheses returned, best first.
    public var alternatives = 1
    /// A word n-gram model scored at each completed word, weighted by `languageModelWeight`.
    public var languageModel: NGramLanguageModel?
    /// α: weight of the LM's natural-log probability.
    public var languageModelWeight: Float = 0.5
    /// β: added per word (natural log), countering the LM's preference for short outputs.
    public var wordBonus: Float = 1
    /// When set, only these words can be output.
    public var lexicon: Lexicon?
    /// Extra score (natural log) for each occurrence of these words.
    public var hotwords: [String: Float] = [:]

    public init() {}
}

/// CTC prefix beam search (Hannun et al., 2014) with an optional word n-gram LM, vocabulary
/// constraint and hotword boosts, taking log-probabilities frame by frame.
///
/// A prefix's probability is split into paths ending in a blank and in its last character, so
/// repeated characters need a blank between them as in CTC. LM scores, word counts and the
/// lexicon position depend only on the prefix, so they live on the prefix tree's nodes.
public final class PrefixBeamSearch {
    public let alphabet: Alphabet
    public let options: BeamSearchOptions
    /// Seconds per output frame.
    public let secondsPerFrame: Double
    private let space: Int?

    // The prefix tree: node 0 is the empty prefix.
    private var parent: [Int] = [-1], label: [Int] = [-1], frameOf: [Int] = [0], logProbabilityOf: [Float] = [0]
    private var lmState: [NGramLanguageModel.State?] = [nil]
    private var lmScore: [Double] = [0]         // weighted LM log probability + bonuses of completed words
    private var partialWord: [String] = [""]    // characters since the last space
    private var lexiconNode: [Int] = [0]
    private var childIndex: [Int: Int] = [:]     // (node << 8 | label) → child

    /// Beam entries: node → (log P ending in blank, log P ending in its last label).
    private var beam: [Int: (blank: Double, label: Double)] = [0: (0, -.infinity)]
    private var frame = 0

    public init(alphabet: Alphabet, options: BeamSearchOptions, secondsPerFrame: Double) {
        self.alphabet = alphabet
        self.options = options
        self.secondsPerFrame = secondsPerFrame
        space = alphabet.index(of: " ")
        lmState[0] = options.languageModel?.startState
    }

    /// Feeds log-probabilities `[n, classes]` (natural log).
    public func accept(_ logProbabilities: [Float]) {
        let classes = alphabet.classCount, blank = alphabet.blank
        for row in stride(from: 0, to: logProbabilities.count, by: classes) {
            let lp = logProbabilities[row..<row + classes]
            var candidates = (0..<classes).filter { $0 != blank && lp[row + $0] >= options.pruneLogProbability }
            if candidates.count > options.maxCandidatesPerFrame {
                candidates = Array(candidates.sorted { lp[row + $0] > lp[row + $1] }.prefix(options.maxCandidatesPerFrame))
            }
            var next: [Int: (blank: Double, label: Double)] = [:]
            func add(_ node: Int, blank b: Double = -.infinity, label l: Double = -.infinity) {
                let old = next[node] ?? (-.infinity, -.infinity)
                next[node] = (logAdd(old.blank, b), logAdd(old.label, l))
            }
            let blankLog = Double(lp[row + blank])
            for (node, p) in beam {
                let total = logAdd(p.blank, p.label)
                add(node, blank: total + blankLog)
                let last = label[node]
                if last >= 0 { add(node, label: p.label + Double(lp[row + last])) }
                for c in candidates {
                    guard let child = extend(node, with: c, logProbability: lp[row + c]) else { continue }
                    // A repeat of the last label extends the prefix only across a blank.
                    let source = c == last ? p.blank : total
                    add(child, label: source + Double(lp[row + c]))
                }
            }
            beam = prune(next)
            frame += 1
            if parent.count > compactionThreshold { compact() }
        }
    }

    /// Nodes in the prefix tree (for memory checks).
    public var treeSize: Int { parent.count }

    /// The tree is compacted when it grows past this: a long stream creates nodes every frame,
    /// but only those on the beam's prefixes are still needed.
    var compactionThreshold = 50_000

    /// Drops every node no beam prefix passes through and renumbers the rest.
    private func compact() {
        var keep = [Bool](repeating: false, count: parent.count)
        keep[0] = true
        for node in beam.keys {
            var current = node
            while current > 0 && !keep[current] { keep[current] = true; current = parent[current] }
        }
        // A child is always created after its parent, so keeping the order keeps parents first.
        var renumbered = [Int](repeating: -1, count: parent.count)
        var kept: [Int] = []
        for node in parent.indices where keep[node] {
            renumbered[node] = kept.count
            kept.append(node)
        }
        parent = kept.map { $0 == 0 ? -1 : renumbered[parent[$0]] }
        label = kept.map { label[$0] }
        frameOf = kept.map { frameOf[$0] }
        logProbabilityOf = kept.map { logProbabilityOf[$0] }
        lmState = kept.map { lmState[$0] }
        lmScore = kept.map { lmScore[$0] }
        partialWord = kept.map { partialWord[$0] }
        lexiconNode = kept.map { lexiconNode[$0] }
        childIndex = [:]
        for node in 1..<parent.count { childIndex[parent[node] << 8 | label[node]] = node }
        beam = Dictionary(uniqueKeysWithValues: beam.map { (renumbered[$0.key], $0.value) })
        compactionThreshold = max(50_000, 4 * parent.count)
    }

    /// The best hypotheses so far, finishing any word in progress (best first, `alternatives` of them).
    public func hypotheses() -> [Hypothesis] {
        var scored: [(node: Int, score: Double)] = []
        for (node, p) in beam {
            guard let final = finalScore(node) else { continue }
            scored.append((node, logAdd(p.blank, p.label) + final))
        }
        scored.sort { $0.score > $1.score || ($0.score == $1.score && $0.node < $1.node) }
        // Prefixes that differ only by a trailing space are the same words: keep the better one.
        var seen: Set<String> = []
        var hypotheses: [Hypothesis] = []
        for entry in scored where hypotheses.count < max(1, options.alternatives) {
            let words = alphabet.words(from: path(to: entry.node), secondsPerFrame: secondsPerFrame)
            let text = words.map(\.word).joined(separator: " ")
            if seen.insert(text).inserted { hypotheses.append(Hypothesis(text: text, words: words, score: entry.score)) }
        }
        return hypotheses
    }

    // MARK: - Prefix tree

    /// The node for `node + label`, created with its LM and lexicon annotations; `nil` when the
    /// lexicon forbids it (a word no vocabulary entry starts with, or a space after a non-word).
    private func extend(_ node: Int, with c: Int, logProbability: Float) -> Int? {
        let key = node << 8 | c
        if let child = childIndex[key] { return child }
        var state = lmState[node], score = lmScore[node], word = partialWord[node], position = lexiconNode[node]
        if c == space {
            guard !word.isEmpty else { return nil }   // no leading or double spaces
            if let lexicon = options.lexicon, !lexicon.isWord(position) { return nil }
            score += wordScore(word, state: &state)
            word = ""
            position = options.lexicon?.root ?? 0
        } else {
            if let lexicon = options.lexicon {
                guard let nextPosition = lexicon.child(of: position, label: c) else { return nil }
                position = nextPosition
            }
            word += alphabet.decode([c])
        }
        parent.append(node); label.append(c); frameOf.append(frame); logProbabilityOf.append(logProbability)
        lmState.append(state); lmScore.append(score); partialWord.append(word); lexiconNode.append(position)
        let child = parent.count - 1
        childIndex[key] = child
        return child
    }

    /// LM score (weighted, natural log) + word bonus + hotword boost of completing `word`.
    private func wordScore(_ word: String, state: inout NGramLanguageModel.State?) -> Double {
        var score = Double(options.wordBonus) + Double(options.hotwords[word] ?? 0)
        if let model = options.languageModel, let current = state {
            let (log10Probability, next) = model.score(current, word: model.wordID(word))
            score += Double(options.languageModelWeight) * Double(log10Probability) * M_LN10
            state = next
        }
        return score
    }

    /// The score of ending the utterance at `node`: the prefix's LM score plus the last word and
    /// the end of sentence; `nil` when the lexicon forbids the unfinished last word.
    private func finalScore(_ node: Int) -> Double? {
        var state = lmState[node]
        var score = lmScore[node]
        let word = partialWord[node]
        if !word.isEmpty {
            if let lexicon = options.lexicon, !lexicon.isWord(lexiconNode[node]) { return nil }
            score += wordScore(word, state: &state)
        }
        if let model = options.languageModel, let state {
            score += Double(options.languageModelWeight) * Double(model.endScore(state)) * M_LN10
        }
        return score
    }

    private func prune(_ candidates: [Int: (blank: Double, label: Double)]) -> [Int: (blank: Double, label: Double)] {
        guard candidates.count > options.beamWidth else { return candidates }
        let ranked = candidates.map { ($0.key, logAdd($0.value.blank, $0.value.label) + lmScore[$0.key]) }
            .sorted { $0.1 > $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        return Dictionary(uniqueKeysWithValues: ranked.prefix(options.beamWidth).map { ($0.0, candidates[$0.0]!) })
    }

    private func path(to node: Int) -> [EmittedLabel] {
        var labels: [EmittedLabel] = []
        var current = node
        while current > 0 {
            labels.append(EmittedLabel(label: label[current], frame: frameOf[current], logProbability: logProbabilityOf[current]))
            current = parent[current]
        }
        return labels.reversed()
    }
}

/// log(eᵃ + eᵇ), with −∞ as the log of zero.
@inline(__always)
func logAdd(_ a: Double, _ b: Double) -> Double {
    if a == -.infinity { return b }
    if b == -.infinity { return a }
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b))
}
