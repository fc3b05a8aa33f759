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
    /// β: added per word (natural log) when a ``languageModel`` is given, countering its
    /// preference for short outputs. Without an LM there is nothing to counter, and a bonus would
    /// only split words apart (the wider the beam, the more), so it is not applied.
    public var wordBonus: Float = 1
    /// The unknown-word model (natural log), for words outside the LM when no lexicon keeps them
    /// out: such a word scores α · log P(`<unk>` | history) + β, plus this once, plus
    /// ``unknownCharacterPenalty`` per character. The LM alone would score an unknown word the
    /// same however long it is, so the search would run words together; a cost per character
    /// makes a long unknown word cost what its spelling risks. Tuned on validation data
    /// (`tools/tune_open_vocabulary.sh`).
    public var unknownWordPenalty: Float = 0
    /// See ``unknownWordPenalty``; usually negative.
    public var unknownCharacterPenalty: Float = 0
    /// The LM's words as a prefix tree, so that the unknown-word costs are paid character by
    /// character as soon as a word leaves every known spelling (otherwise only when it ends, too late
    /// for the beam's pruning, which then favours one endless unknown word).
    public var knownWords: Lexicon?
    /// When set, only these words can be output.
    public var lexicon: Lexicon?
    /// Extra score (natural log) for each occurrence of these words.
    public var hotwords: [String: Float] = [:]
    /// When the search ends with no words but the best path (the likeliest class at each frame)
    /// holds some, return the best path, marked as a fallback, rather than nothing. Turn it off
    /// when the output must keep to a vocabulary the user gave.
    public var bestPathFallback = true
    /// Turns each word's evidence into its confidence; nil keeps the uncalibrated geometric mean.
    public var confidence: ConfidenceModel? = .bundled

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
    private var knownNode: [Int] = [0]           // position in options.knownWords; -1 once the word left it
    private var childIndex: [Int: Int] = [:]     // (node << 8 | label) → child

    /// Beam entries: node → (log P ending in blank, log P ending in its last label).
    private var beam: [Int: (blank: Double, label: Double)] = [0: (0, -.infinity)]
    private var frame = 0
    /// The best path, for ``BeamSearchOptions/bestPathFallback``.
    private let bestPath: StreamingGreedyDecoder

    public init(alphabet: Alphabet, options: BeamSearchOptions, secondsPerFrame: Double) {
        self.alphabet = alphabet
        self.options = options
        self.secondsPerFrame = secondsPerFrame
        space = alphabet.index(of: " ")
        lmState[0] = options.languageModel?.startState
        bestPath = StreamingGreedyDecoder(alphabet: alphabet, secondsPerFrame: secondsPerFrame)
        bestPath.calibration = options.confidence?.bestPath
    }

    /// Feeds log-probabilities `[n, classes]` (natural log).
    public func accept(_ logProbabilities: [Float]) {
        if options.bestPathFallback { bestPath.accept(logProbabilities) }
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
                if last >= 0 {
                    add(node, label: p.label + Double(lp[row + last]))
                    // A character's evidence is its peak posterior while a beam prefix holds it (the
                    // frame that created the node is often before the peak).
                    if p.label > -.infinity { logProbabilityOf[node] = max(logProbabilityOf[node], lp[row + last]) }
                }
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
        knownNode = kept.map { knownNode[$0] }
        childIndex = [:]
        for node in 1..<parent.count { childIndex[parent[node] << 8 | label[node]] = node }
        beam = Dictionary(uniqueKeysWithValues: beam.map { (renumbered[$0.key], $0.value) })
        compactionThreshold = max(50_000, 4 * parent.count)
    }

    /// The best hypotheses so far, finishing any word in progress (best first, `alternatives` of them).
    ///
    /// When the search has no words to give (its best prefix is empty, or the lexicon lets no
    /// prefix end) but the best path holds words, the best path comes first instead, with
    /// ``Hypothesis/fallback`` saying so, unless ``BeamSearchOptions/bestPathFallback`` is off.
    public func hypotheses() -> [Hypothesis] {
        let found = searchHypotheses()
        guard options.bestPathFallback, found.first?.text.isEmpty ?? true else { return found }
        var fallback = bestPath.hypothesis
        guard !fallback.text.isEmpty else { return found }
        fallback.fallback = found.isEmpty
            ? "no hypothesis of the search ends in a word it allows; the acoustic model's best path is given instead"
            : "the search's best hypothesis has no words; the acoustic model's best path is given instead"
        return [fallback] + found.prefix(max(0, options.alternatives - 1))
    }

    private func searchHypotheses() -> [Hypothesis] {
        var scored: [(node: Int, score: Double)] = []
        for (node, p) in beam {
            guard let final = finalScore(node) else { continue }
            scored.append((node, logAdd(p.blank, p.label) + final))
        }
        scored.sort { $0.score > $1.score || ($0.score == $1.score && $0.node < $1.node) }
        // Prefixes that differ only by a trailing space are the same words: keep the better one.
        var seen: Set<String> = []
        var hypotheses: [Hypothesis] = []
        var everyPrefix: [(words: [WordTiming], score: Double)] = []
        for entry in scored {
            let words = alphabet.words(from: path(to: entry.node), secondsPerFrame: secondsPerFrame)
            everyPrefix.append((words, entry.score))
            let text = words.map(\.word).joined(separator: " ")
            if hypotheses.count < max(1, options.alternatives), seen.insert(text).inserted {
                hypotheses.append(Hypothesis(text: text, words: words, score: entry.score))
            }
        }
        // Word evidence from the whole beam: the share of its probability whose prefixes hold the
        // same word at an overlapping time; then the calibrated confidence.
        let total = everyPrefix.reduce(-Double.infinity) { logAdd($0, $1.score) }
        let bestPathWords = options.bestPathFallback ? bestPath.hypothesis.words : []
        for index in hypotheses.indices {
            var state = options.languageModel?.startState
            hypotheses[index].words = hypotheses[index].words.map { word in
                var word = word
                if options.bestPathFallback {
                    word.evidence?.agreesWithBestPath = bestPathWords.contains { $0.word == word.word && $0.start < word.end && word.start < $0.end }
                }
                if let model = options.languageModel, let current = state {
                    let (log10Probability, next) = model.score(current, word: model.wordID(word.word))
                    word.evidence?.languageModelLog10 = Double(log10Probability)
                    state = next
                }
                var share = -Double.infinity
                for prefix in everyPrefix where prefix.words.contains(where: { $0.word == word.word && $0.start < word.end && word.start < $0.end }) {
                    share = logAdd(share, prefix.score)
                }
                word.evidence?.logBeamPosterior = total.isFinite ? min(0, share - total) : 0
                if let model = options.languageModel { word.evidence?.outOfVocabulary = !model.isKnown(word.word) }
                return word
            }.calibrated(with: options.confidence?.beamSearch)
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
        var known = knownNode[node]
        if c == space {
            guard !word.isEmpty else { return nil }   // no leading or double spaces
            if let lexicon = options.lexicon, !lexicon.isWord(position) { return nil }
            score += wordScore(word, state: &state, known: known)
            word = ""
            position = options.lexicon?.root ?? 0
            known = 0
        } else {
            if let lexicon = options.lexicon {
                guard let nextPosition = lexicon.child(of: position, label: c) else { return nil }
                position = nextPosition
            }
            word += alphabet.decode([c])
            if let knownWords = options.knownWords {
                if known >= 0 {
                    known = knownWords.child(of: known, label: c) ?? -1
                    // The word just left every known spelling: it will be unknown, whatever follows.
                    if known < 0 { score += unknownWordCost(characters: word.count) }
                } else {
                    score += Double(options.unknownCharacterPenalty)
                }
            }
        }
        parent.append(node); label.append(c); frameOf.append(frame); logProbabilityOf.append(logProbability)
        lmState.append(state); lmScore.append(score); partialWord.append(word); lexiconNode.append(position); knownNode.append(known)
        let child = parent.count - 1
        childIndex[key] = child
        return child
    }

    /// LM score (weighted, natural log) + word bonus (with an LM) + hotword boost of completing `word`, plus the
    /// unknown-word costs not yet paid (`known`: the word's position in the known-word tree, −1 when
    /// it left the tree and paid as it went).
    private func wordScore(_ word: String, state: inout NGramLanguageModel.State?, known: Int) -> Double {
        var score = Double(options.hotwords[word] ?? 0)
        if let model = options.languageModel, let current = state {
            score += Double(options.wordBonus)
            let id = model.wordID(word)
            let (log10Probability, next) = model.score(current, word: id)
            score += Double(options.languageModelWeight) * Double(log10Probability) * M_LN10
            if id == nil && (options.knownWords == nil || known >= 0) { score += unknownWordCost(characters: word.count) }
            state = next
        }
        return score
    }

    /// The unknown-word model's cost of a word of `characters` characters outside the LM.
    private func unknownWordCost(characters: Int) -> Double {
        Double(options.unknownWordPenalty) + Double(options.unknownCharacterPenalty) * Double(characters)
    }

    /// The score of ending the utterance at `node`: the prefix's LM score plus the last word and
    /// the end of sentence; `nil` when the lexicon forbids the unfinished last word.
    private func finalScore(_ node: Int) -> Double? {
        var state = lmState[node]
        var score = lmScore[node]
        let word = partialWord[node]
        if !word.isEmpty {
            if let lexicon = options.lexicon, !lexicon.isWord(lexiconNode[node]) { return nil }
            score += wordScore(word, state: &state, known: knownNode[node])
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
