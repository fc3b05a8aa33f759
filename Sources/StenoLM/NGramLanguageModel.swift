#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A word n-gram language model read from an ARPA file or its binary form (`steno lm compile`) (as KenLM's `lmplz`, SRILM's `ngram-count`
/// and most toolkits write), for scoring words during CTC prefix beam search.
///
/// **Scores** are log10 probabilities, as in the file. P(w | h) is the listed probability of the
/// n-gram (h, w) when the file has it, otherwise back-off(h) + P(w | h′) with h′ the history
/// without its oldest word, recursively (Katz-style back-off); a missing back-off counts as 0.
///
/// **Words outside the vocabulary** score as `<unk>` when the model has it (and then behave as
/// `<unk>` in the context too). Without `<unk>` they score ``unknownWordLogProbability`` (−100,
/// KenLM's convention) and leave an empty context. ``isKnown(_:)`` lets a caller reject them instead.
///
/// **States** carry the context: the last words, at most ``order`` − 1 of them, kept only as far
/// back as the model can use them. After each word the state is the longest suffix of
/// (context, word) that is a *context* of the model: an n-gram that some longer n-gram extends,
/// or whose back-off is not zero. Dropping the rest changes no score, and histories that agree
/// on what the model can see give equal states, so a beam search can merge them.
///
/// **The file** is `\data\` with `ngram N=count` lines, then `\1-grams:` … `\N-grams:` sections
/// of `log10prob  w1 … wn  [log10backoff]` lines (tabs or spaces), then `\end\`. Text before
/// `\data\` and after `\end\` is ignored; so is a back-off on the highest order, which could never
/// be used. Everything else is checked, and a problem throws ``LanguageModelError`` naming the file
/// and line: counts against the sections and the file length (before anything is allocated),
/// section order, numbers, words per line, words unknown to the 1-grams, duplicate n-grams (an
/// error, never "last wins"), orders 1…``maximumOrder``. A context that only appears inside
/// longer n-grams (as pruned SRILM files have) is added with the probability back-off gives it.
///
/// **Memory**: one `Float` pair per word, and per n-gram of order n ≥ 2 one hash-table slot of
/// n `UInt32` ids and the scores, about 1.5 slots per n-gram (a trigram takes ≈ 24 bytes).
/// An ARPA file is mapped while it is read and its tables built in memory; a binary file
/// (`BinaryLanguageModelFormat.swift` gives its layout) holds those tables as they are and is
/// mapped for the model's lifetime, so loading it costs a header check whatever its size.
///
/// The model is immutable once loaded, so one instance can serve any number of threads.
public final class NGramLanguageModel: Sendable {
    /// The highest order supported (6).
    public static let maximumOrder = 6
    /// The log10 probability of a word outside the vocabulary when the model has no `<unk>`.
    public static let unknownWordLogProbability: Float = -100

    /// The file path, or the name given to ``init(arpa:name:)``.
    public let name: String
    /// The longest n-gram, in words (1…``maximumOrder``).
    public let order: Int
    /// The n-gram counts of the file's `\data\` section, `counts[0]` for 1-grams.
    public let counts: [Int]
    /// The id of `<unk>`, if the model has it.
    public let unknownWordID: Int?
    /// The id of `<s>`, if the model has it.
    public let sentenceStartID: Int?
    /// The id of `</s>`, if the model has it.
    public let sentenceEndID: Int?

    /// The tables, laid out as in the binary format: mapped from a binary file, or built from ARPA text.
    private let image: ImageBytes
    private let vocabulary: VocabularyView
    private let unigramProbabilities: FloatsView
    private let unigramBackoffs: FloatsView
    private let tables: [NGramTableView]
    /// The CRC-32 the header gives for the bytes after it (see ``verify()``).
    private let bodyChecksum: UInt32
    /// Whether the model was mapped from a binary file (rather than parsed from ARPA text).
    public let isBinary: Bool

    /// Loads the language model at `path`: a binary model (`steno lm compile`), mapped and
    /// used in place, or an ARPA file, parsed (the file's first bytes tell which).
    /// - Throws: ``LanguageModelError`` naming `path`, and the line when the problem is on one.
    public convenience init(contentsOf path: String) throws(LanguageModelError) {
        let file = try ImageBytes(mapping: path)
        if isBinaryLanguageModel(file.buffer) {
            try self.init(image: file, name: path)
        } else {
            file.advise(MADV_SEQUENTIAL)
            let contents = try ARPAParser.parse(file.buffer, name: path, isMapped: true)
            try self.init(image: contents.binaryImage(), name: path)
        }
    }

    /// Loads a model from the bytes of an ARPA file or a binary model; `name` stands for the file in errors.
    /// - Throws: ``LanguageModelError`` naming `name`, and the line when the problem is on one.
    public convenience init(arpa data: some Collection<UInt8>, name: String) throws(LanguageModelError) {
        let load = { (bytes: UnsafeBufferPointer<UInt8>) in
            Result { () throws(LanguageModelError) -> ImageBytes in
                if isBinaryLanguageModel(bytes) {
                    let copy = ImageBytes(allocating: bytes.count)
                    if let base = bytes.baseAddress { copy.mutableBase.copyMemory(from: base, byteCount: bytes.count) }
                    return copy
                }
                return try ARPAParser.parse(bytes, name: name).binaryImage()
            }
        }
        let result = data.withContiguousStorageIfAvailable(load) ?? Array(data).withUnsafeBufferPointer(load)
        try self.init(image: try result.get(), name: name)
    }

    /// A model over `image`, a whole binary model; its header is checked here.
    private init(image: ImageBytes, name: String) throws(LanguageModelError) {
        let (layout, checksum) = try BinaryLayout.read(UnsafeRawBufferPointer(start: image.base, count: image.count), name: name)
        self.image = image
        self.name = name
        bodyChecksum = checksum
        isBinary = !image.isAllocated
        order = layout.order
        counts = layout.counts
        let base = image.base
        vocabulary = VocabularyView(
            slots: (base + layout.vocabularySlotsOffset).assumingMemoryBound(to: UInt64.self), slotCount: layout.vocabularySlots,
            records: (base + layout.recordsOffset).assumingMemoryBound(to: UInt32.self), count: layout.wordCount,
            pool: base + layout.poolOffset, poolBytes: layout.poolBytes)
        unigramProbabilities = FloatsView(base: (base + layout.probabilitiesOffset).assumingMemoryBound(to: Float.self))
        unigramBackoffs = FloatsView(base: (base + layout.backoffsOffset).assumingMemoryBound(to: Float.self))
        tables = (2..<(layout.order + 1)).map { n in
            NGramTableView(
                order: n, hasBackoff: n < layout.order, stride: layout.stride(order: n),
                slots: (base + layout.tableOffsets[n - 2]).assumingMemoryBound(to: UInt32.self),
                capacity: layout.tableCapacities[n - 2])
        }
        unknownWordID = vocabulary.id(of: "<unk>").map(Int.init)
        sentenceStartID = vocabulary.id(of: "<s>").map(Int.init)
        sentenceEndID = vocabulary.id(of: "</s>").map(Int.init)
    }

    // MARK: - The binary format

    /// The model in the binary format (`steno lm compile`), for writing to a file: the image
    /// this model reads from, so loading the file gives exactly these scores.
    public func withBinaryRepresentation<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: image.base, count: image.count))
    }

    /// Checks the CRC-32 of the whole model against its header. Loading checks only the header
    /// and the sizes (reading every byte of a large model would take longer than using it);
    /// `steno lm compile` and `steno info` call this.
    /// - Throws: ``LanguageModelError`` when the bytes after the header were changed.
    public func verify() throws(LanguageModelError) {
        let body = UnsafeRawBufferPointer(start: image.base + BinaryLayout.headerSize, count: image.count - BinaryLayout.headerSize)
        guard CRC32.checksum(body) == bodyChecksum else {
            throw LanguageModelError(file: name, kind: .damagedBinary("the checksum of the n-gram tables does not match (the file is damaged)"))
        }
    }

    // MARK: - Vocabulary

    /// The number of words (the 1-grams, `<s>`, `</s>` and `<unk>` included when listed).
    public var vocabularySize: Int { vocabulary.count }

    /// The id of `word` (0..<``vocabularySize``, in 1-gram order), or nil when it is not in the vocabulary.
    public func wordID(_ word: String) -> Int? { vocabulary.id(of: word).map(Int.init) }

    /// Whether `word` is in the vocabulary (otherwise it scores as `<unk>` or the floor).
    public func isKnown(_ word: String) -> Bool { vocabulary.id(of: word) != nil }

    /// The spelling of word `id` (0..<``vocabularySize``).
    public func word(_ id: Int) -> String {
        precondition(id >= 0 && id < vocabulary.count, "word id \(id) is outside 0..<\(vocabulary.count)")
        return vocabulary.word(id)
    }

    // MARK: - Scoring

    /// The context of a word: up to ``NGramLanguageModel/order`` − 1 previous words, minimised
    /// (see ``NGramLanguageModel``). A fixed-size value: no allocation to copy, compare or hash.
    public struct State: Hashable, Sendable {
        /// Word ids, most recent first; entries past `length` are 0.
        fileprivate var words: (UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0)
        /// `backoffs[j]`: the log10 back-off of the context `words[0...j]` (a function of the words,
        /// kept so that backing off needs no lookup); entries past `length` are 0.
        fileprivate var backoffs: (Float, Float, Float, Float, Float) = (0, 0, 0, 0, 0)
        fileprivate var length: UInt8 = 0

        /// The empty context: nothing known about the previous words (as after a word outside a
        /// model without `<unk>`). Use ``NGramLanguageModel/startState`` to begin a sentence.
        public init() {}

        /// The number of words the context keeps.
        public var count: Int { Int(length) }

        /// The context's word ids, oldest first.
        public var wordIDs: [Int] {
            withUnsafeBytes(of: words) { raw in (0..<count).reversed().map { Int(raw.load(fromByteOffset: 4 * $0, as: UInt32.self)) } }
        }

        fileprivate func backoff(_ j: Int) -> Float {
            withUnsafeBytes(of: backoffs) { $0.load(fromByteOffset: 4 * j, as: Float.self) }
        }

        public static func == (a: State, b: State) -> Bool { a.length == b.length && a.words == b.words }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(length)
            hasher.combine(words.0)
            hasher.combine(words.1)
            hasher.combine(words.2)
            hasher.combine(words.3)
            hasher.combine(words.4)
        }
    }

    /// The state at the beginning of a sentence: after `<s>` (the empty state if the model has no `<s>`).
    public var startState: State {
        guard let sentenceStartID else { return State() }
        return score(State(), word: sentenceStartID).next
    }

    /// log10 P(word | state), and the state after the word.
    ///
    /// - Parameter word: an id from ``wordID(_:)``, or nil for a word outside the vocabulary
    ///   (scored as `<unk>`, or ``unknownWordLogProbability`` with the empty state next).
    public func score(_ state: State, word: Int?) -> (logProbability: Float, next: State) {
        guard let id = word ?? unknownWordID else { return (Self.unknownWordLogProbability, State()) }
        precondition(id >= 0 && id < vocabulary.count, "word id \(id) is outside 0..<\(vocabulary.count)")
        let contextLength = Int(state.length)
        var probability = unigramProbabilities[id]
        // key: the word, then its context most recent first; backoffs[j] is that of key[0...j].
        var key = (UInt32(id), state.words.0, state.words.1, state.words.2, state.words.3, state.words.4)
        var backoffs: (Float, Float, Float, Float, Float, Float) = (unigramBackoffs[id], 0, 0, 0, 0, 0)
        var matched = 0
        withUnsafeMutableBytes(of: &key) { keyBytes in
            withUnsafeMutableBytes(of: &backoffs) { backoffBytes in
                let key = keyBytes.baseAddress!.assumingMemoryBound(to: UInt32.self)
                let backoffs = backoffBytes.baseAddress!.assumingMemoryBound(to: Float.self)
                // Upward from the word alone: the loader made every n-gram's suffix present,
                // so the first miss means no longer n-gram matches either.
                var hash = NGramTable.start(key[0])
                while matched < contextLength {
                    hash = NGramTable.extend(hash, with: key[matched + 1])
                    let table = tables[matched]
                    guard let slot = table.find(key, hash: hash) else { break }
                    probability = table.probability(slot)
                    backoffs[matched + 1] = table.backoff(slot)
                    matched += 1
                }
            }
        }
        // Back off past the context words the longest match did not use.
        for j in matched..<contextLength { probability += state.backoff(j) }

        // The next state: the longest matched suffix below the highest order that is a context
        // (a back-off of −0.0 marks "zero, and nothing extends it").
        var next = State()
        var length = min(matched + 1, order - 1)
        withUnsafeBytes(of: backoffs) { backoffs in
            while length > 0 && backoffs.load(fromByteOffset: 4 * (length - 1), as: Float.self).bitPattern == Self.negativeZero {
                length -= 1
            }
            withUnsafeBytes(of: key) { key in
                withUnsafeMutableBytes(of: &next.words) { words in
                    words.copyMemory(from: UnsafeRawBufferPointer(rebasing: key[0..<(4 * length)]))
                }
            }
            withUnsafeMutableBytes(of: &next.backoffs) { next in
                next.copyMemory(from: UnsafeRawBufferPointer(rebasing: backoffs[0..<(4 * length)]))
            }
        }
        next.length = UInt8(length)
        return (probability, next)
    }

    private static let negativeZero = (-0.0 as Float).bitPattern

    /// log10 P(`</s>` | state): the cost of ending the sentence here (`</s>` missing from the
    /// model is scored as any word outside the vocabulary).
    public func endScore(_ state: State) -> Float {
        score(state, word: sentenceEndID).logProbability
    }

    /// The log10 probability of a whole sentence: each word given ``startState`` and the words
    /// before it, then `</s>`. Words outside the vocabulary score as in ``score(_:word:)``.
    public func score(sentence: [String]) -> Float {
        var state = startState
        var total: Float = 0
        for word in sentence {
            let (logProbability, next) = score(state, word: wordID(word))
            total += logProbability
            state = next
        }
        return total + endScore(state)
    }
}
