import Steno

/// Words and their phones, for an auxiliary phone-level CTC loss in training: a text file of lines
/// `word<TAB>phone phone …` (as `tools/make_pronunciations.py` writes with espeak-ng), `#` comments
/// and blank lines skipped. A word listed twice keeps its first pronunciation (the others are ignored).
///
/// The phone inventory is every phone of the kept pronunciations, sorted, after the CTC blank: class 0 is the
/// blank, class k the k-th phone. So the same file always gives the same classes.
public struct PronunciationDictionary: Sendable {
    /// The phone symbols; class k ≥ 1 is `phones[k - 1]`.
    public let phones: [String]
    private let pronunciations: [String: [Int]]

    /// Output classes of a phone CTC head: the phones and the blank.
    public var classes: Int { phones.count + 1 }
    /// Words with a pronunciation.
    public var count: Int { pronunciations.count }

    /// Reads the dictionary at `path`.
    public init(contentsOf path: String) throws(PronunciationDictionaryError) {
        let lines: [String]
        do { lines = try TextFile.lines(of: path) } catch { throw PronunciationDictionaryError(file: path, line: error.line, problem: "\(TextFileError.reason(error.problem))") }
        var spelled: [(word: String, phones: [String])] = []
        var seen = Set<String>()
        for (offset, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2 else {
                throw PronunciationDictionaryError(file: path, line: offset + 1, problem: "expected a word, a tab and its phones, found \(fields.count) tab-separated fields")
            }
            let word = fields[0].trimmingCharacters(in: .whitespaces)
            let phones = fields[1].split(separator: " ").map(String.init)
            guard !word.isEmpty, !word.contains(" ") else {
                throw PronunciationDictionaryError(file: path, line: offset + 1, problem: "the word must be one word, not \"\(word)\"")
            }
            guard !phones.isEmpty else { throw PronunciationDictionaryError(file: path, line: offset + 1, problem: "\"\(word)\" has no phones") }
            if seen.insert(word).inserted { spelled.append((word, phones)) }
        }
        guard !spelled.isEmpty else { throw PronunciationDictionaryError(file: path, line: nil, problem: "holds no pronunciations") }
        self.init(spelled)
    }

    /// A dictionary of `entries` (word, phones); the first entry of a word wins.
    public init(_ entries: [(word: String, phones: [String])]) {
        phones = Set(entries.flatMap(\.phones)).sorted()
        let index = Dictionary(uniqueKeysWithValues: phones.enumerated().map { ($1, $0 + 1) })
        var pronunciations: [String: [Int]] = [:]
        for entry in entries where pronunciations[entry.word] == nil {
            pronunciations[entry.word] = entry.phones.map { index[$0]! }
        }
        self.pronunciations = pronunciations
    }

    /// The phone classes of a normalized transcript (words separated by spaces), or `nil` when a
    /// word has no pronunciation.
    public func phoneLabels(of text: String) -> [Int]? {
        var labels: [Int] = []
        for word in text.split(separator: " ") {
            guard let phones = pronunciations[String(word)] else { return nil }
            labels += phones
        }
        return labels
    }
}

/// A pronunciation dictionary that cannot be used.
public struct PronunciationDictionaryError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    /// The line at fault, counting from 1 (nil for the file as a whole).
    public var line: Int?
    public var problem: String

    public var description: String { "\(line.map { "\(file):\($0)" } ?? file): \(problem)" }
}
