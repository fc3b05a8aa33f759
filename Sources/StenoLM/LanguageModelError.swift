/// Why an ARPA language model could not be loaded, with the file and line it concerns.
///
/// The description is a complete message for a user, naming the file (and the line, when
/// the problem is on one) first: `lm.arpa:17: "-1.2x" is not a number (log10 probability)`.
public struct LanguageModelError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// No file exists at the path.
        case fileNotFound
        /// The file exists but cannot be opened, mapped or read (permissions, a directory, I/O error).
        case unreadable(String)
        /// The file holds no bytes, or only white space.
        case emptyFile
        /// No `\data\` line was found: this is not an ARPA file.
        case missingDataHeader
        /// A line of the `\data\` section is not `ngram N=count` with N the next order (1, 2, …).
        case badCountLine(String)
        /// The `\data\` section declares no orders, or an order outside 1…``NGramLanguageModel/maximumOrder``.
        case unsupportedOrder(Int)
        /// The `\data\` counts need more bytes than the file has (each n-gram line takes at least
        /// 2n + 1 bytes), so they cannot be right; nothing was allocated for them.
        case countsExceedFile(declared: Int, fileBytes: Int)
        /// A section holds a different number of n-grams than `\data\` declares for its order.
        case countMismatch(order: Int, declared: Int, found: Int)
        /// A section header (or `\end\`) where another was expected.
        case sectionOutOfOrder(expected: String, found: String)
        /// A log10 probability or back-off weight that is not a number.
        case badNumber(String)
        /// An n-gram line with a different number of words than its section's order.
        case wrongWordCount(order: Int, found: Int)
        /// A word of a higher-order n-gram that is not among the 1-grams.
        case unknownWord(String)
        /// The same n-gram listed twice in its section (always an error: a repeated n-gram
        /// means a damaged or concatenated file, and no choice between the two is safe).
        case duplicateNGram(String)
        /// The file ends before `\end\` (truncated?).
        case missingEnd
        /// A binary model shorter than its header says (a partial copy or download).
        case truncatedBinary(expected: Int, found: Int)
        /// A binary model whose header or tables are damaged, or written by another format version.
        case damagedBinary(String)
    }

    /// The file the error concerns, as the caller named it.
    public var file: String
    /// The 1-based line the problem is on, or nil when it concerns the whole file.
    public var line: Int?
    /// What went wrong.
    public var kind: Kind

    /// Creates an error about `file`, at `line` when known.
    public init(file: String, line: Int? = nil, kind: Kind) {
        self.file = file
        self.line = line
        self.kind = kind
    }

    public var description: String {
        if let line { return "\(file):\(line): \(problem)" }
        return "\(file): \(problem)"
    }

    /// The message without the file name and line.
    public var problem: String {
        switch kind {
        case .fileNotFound: return "no such file"
        case .unreadable(let reason): return "cannot be read (\(reason))"
        case .emptyFile: return "the file is empty; expected an ARPA or binary language model"
        case .missingDataHeader: return "no \\data\\ line; not an ARPA language model"
        case .badCountLine(let text):
            return "expected \"ngram N=count\" with N the next order, found \"\(text)\""
        case .unsupportedOrder(let order):
            return "n-gram order \(order) is not supported (orders 1–\(NGramLanguageModel.maximumOrder))"
        case .countsExceedFile(let declared, let bytes):
            return "\\data\\ declares \(declared) n-grams, more than a file of \(bytes) bytes can hold (truncated or damaged header?)"
        case .countMismatch(let order, let declared, let found):
            return "the \\\(order)-grams: section holds \(found) n-grams but \\data\\ declares \(declared)"
        case .sectionOutOfOrder(let expected, let found):
            return "expected \(expected), found \(found)"
        case .badNumber(let text): return "\"\(text)\" is not a number (log10 probability or back-off)"
        case .wrongWordCount(let order, let found):
            return "a \(order)-gram needs \(order) word\(order == 1 ? "" : "s"), this line has \(found)"
        case .unknownWord(let word): return "\"\(word)\" is not among the 1-grams"
        case .duplicateNGram(let words): return "\"\(words)\" is listed twice"
        case .missingEnd: return "the file ends without \\end\\ (truncated?)"
        case .truncatedBinary(let expected, let found):
            return "truncated binary language model: \(found) bytes, the header needs \(expected); compile it again (`steno lm compile`)"
        case .damagedBinary(let why): return "damaged binary language model: \(why)"
        }
    }
}
