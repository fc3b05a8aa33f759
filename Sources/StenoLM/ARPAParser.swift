// Reading ARPA bytes into the tables of NGramLanguageModel: one pass over the bytes, no String
// per line, tables sized once from the \data\ counts (checked against the file length first).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything ``NGramLanguageModel`` keeps from an ARPA file.
struct ARPAContents: Sendable {
    /// The n-gram counts of `\data\`, index 0 for 1-grams.
    var counts: [Int]
    var vocabulary: Vocabulary
    /// By word id: log10 P(w).
    var unigramProbabilities: [Float]
    /// By word id: log10 back-off, −0.0 when zero and no 2-gram extends the word.
    var unigramBackoffs: [Float]
    /// Orders 2…N, `tables[n - 2]` for order n.
    var tables: [NGramTable]
}

/// Drops the pages of a read-only file mapping before `end` from this process (they stay in the
/// page cache), so reading a big file does not also hold it all as resident memory.
private func releaseMappedPages(_ bytes: UnsafeBufferPointer<UInt8>, before end: Int) {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let length = end / page * page
    guard length > 0, let base = bytes.baseAddress else { return }
    _ = madvise(UnsafeMutableRawPointer(mutating: base), length, MADV_DONTNEED)
}

/// A one-pass reader of ARPA bytes. See ``NGramLanguageModel`` for the format and the checks.
struct ARPAParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let name: String
    /// Whether `bytes` is a read-only file mapping whose parsed pages can be released.
    private let isMapped: Bool
    /// The pages before this offset have been released.
    private var released = 0
    /// Where the next line begins.
    private var position = 0
    /// The current line's number (1-based) and bytes, without its newline.
    private var lineNumber = 0
    private var line = 0..<0

    private var counts: [Int] = []
    private var vocabulary = Vocabulary(expectedCount: 0)
    private var unigramProbabilities: [Float] = []
    private var unigramBackoffs: [Float] = []
    private var tables: [NGramTable] = []

    /// Token ranges of the current n-gram line (at most `maximumOrder + 2` kept).
    private let tokens = UnsafeMutablePointer<Range<Int>>.allocate(capacity: NGramLanguageModel.maximumOrder + 2)
    /// The current n-gram's ids, most recent word first.
    private let key = UnsafeMutablePointer<UInt32>.allocate(capacity: NGramLanguageModel.maximumOrder)

    /// Parses `bytes`; `name` is the file name errors give.
    /// Pass `isMapped` only for a read-only file mapping: parsed pages are then released as it goes.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, name: String, isMapped: Bool = false) throws(LanguageModelError) -> ARPAContents {
        var parser = ARPAParser(bytes: bytes, name: name, isMapped: isMapped)
        defer {
            parser.tokens.deallocate()
            parser.key.deallocate()
        }
        try parser.run()
        return ARPAContents(
            counts: parser.counts, vocabulary: parser.vocabulary, unigramProbabilities: parser.unigramProbabilities,
            unigramBackoffs: parser.unigramBackoffs, tables: parser.tables)
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, name: String, isMapped: Bool) {
        self.bytes = bytes
        self.name = name
        self.isMapped = isMapped
    }

    // MARK: - Sections

    private mutating func run() throws(LanguageModelError) {
        guard !bytes.isEmpty else { throw failure(.emptyFile, atLine: false) }
        try readHeader()
        let order = counts.count
        vocabulary = Vocabulary(expectedCount: counts[0])
        unigramProbabilities.reserveCapacity(counts[0])
        unigramBackoffs.reserveCapacity(counts[0])
        for n in 2..<(order + 1) {
            tables.append(NGramTable(order: n, hasBackoff: n < order, expectedCount: counts[n - 1]))
        }
        for n in 1...order {
            // The current line is the first line starting with "\" after the previous section.
            let header = trimmed()
            guard equals(header, "\\\(n)-grams:") else {
                throw failure(.sectionOutOfOrder(expected: "\\\(n)-grams:", found: text(header)))
            }
            try readSection(order: n, of: order)
        }
        let last = trimmed()
        guard equals(last, "\\end\\") else {
            throw failure(.sectionOutOfOrder(expected: "\\end\\ after the \\\(order)-grams: section", found: text(last)))
        }
    }

    /// Skips to `\data\` and reads the `ngram N=count` lines, leaving the first `\` line current.
    private mutating func readHeader() throws(LanguageModelError) {
        var sawText = false
        while true {
            guard nextLine() else { throw failure(sawText ? .missingDataHeader : .emptyFile, atLine: false) }
            let content = trimmed()
            if content.isEmpty { continue }
            sawText = true
            if equals(content, "\\data\\") { break }
        }
        var minimumBytes = 0
        var declared = 0
        while true {
            guard nextLine() else { throw failure(.missingEnd, atLine: false) }
            let content = trimmed()
            if content.isEmpty { continue }
            if bytes[content.lowerBound] == UInt8(ascii: "\\") { break }
            guard let (n, count) = countLine(content) else { throw failure(.badCountLine(text(content))) }
            guard (1...NGramLanguageModel.maximumOrder).contains(n) else { throw failure(.unsupportedOrder(n)) }
            guard n == counts.count + 1 else { throw failure(.badCountLine(text(content))) }
            // Each n-gram line needs a number, a separator, n words with n − 1 spaces, and a newline.
            declared = declared.addingReportingOverflow(count).overflow ? .max : declared + count
            let (lineBytes, o1) = count.multipliedReportingOverflow(by: 2 * n + 1)
            let (total, o2) = minimumBytes.addingReportingOverflow(lineBytes)
            guard !o1, !o2, total <= bytes.count, count < Int(UInt32.max) else {
                throw failure(.countsExceedFile(declared: declared, fileBytes: bytes.count))
            }
            minimumBytes = total
            counts.append(count)
        }
        guard !counts.isEmpty else { throw failure(.unsupportedOrder(0)) }
    }

    /// `ngram N=count` → (N, count); nil when the line has another shape or a number overflows.
    private func countLine(_ range: Range<Int>) -> (Int, Int)? {
        var i = range.lowerBound
        for ascii in "ngram".utf8 {
            guard i < range.upperBound, bytes[i] == ascii else { return nil }
            i += 1
        }
        guard i < range.upperBound, isSpace(bytes[i]) else { return nil }
        func skipSpaces() { while i < range.upperBound && isSpace(bytes[i]) { i += 1 } }
        func integer() -> Int? {
            var value = 0, digits = 0
            while i < range.upperBound, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int(bytes[i] - UInt8(ascii: "0")))
                if o1 || o2 { return nil }
                value = sum
                digits += 1
                i += 1
            }
            return digits > 0 ? value : nil
        }
        skipSpaces()
        guard let n = integer() else { return nil }
        skipSpaces()
        guard i < range.upperBound, bytes[i] == UInt8(ascii: "=") else { return nil }
        i += 1
        skipSpaces()
        guard let count = integer(), i == range.upperBound else { return nil }
        return (n, count)
    }

    /// Reads the n-gram lines of order `n` up to the next `\` line (left current).
    private mutating func readSection(order n: Int, of order: Int) throws(LanguageModelError) {
        let declared = counts[n - 1]
        var found = 0
        while true {
            guard nextLine() else { throw failure(.missingEnd, atLine: false) }
            let content = trimmed()
            if content.isEmpty { continue }
            if bytes[content.lowerBound] == UInt8(ascii: "\\") { break }
            if found == declared {
                let extraLine = lineNumber
                var total = found + 1
                while nextLine() {
                    let more = trimmed()
                    if more.isEmpty { continue }
                    if bytes[more.lowerBound] == UInt8(ascii: "\\") { break }
                    total += 1
                }
                throw LanguageModelError(
                    file: name, line: extraLine, kind: .countMismatch(order: n, declared: declared, found: total))
            }
            try readNGram(content, order: n, highest: n == order)
            found += 1
            if isMapped && position - released > 1 << 25 {
                releaseMappedPages(bytes, before: line.lowerBound)
                released = line.lowerBound
            }
        }
        guard found == declared else { throw failure(.countMismatch(order: n, declared: declared, found: found)) }
    }

    // MARK: - N-gram lines

    /// Parses `log10prob w1 … wn [log10backoff]` (fields separated by tabs or spaces) and stores it.
    private mutating func readNGram(_ range: Range<Int>, order n: Int, highest: Bool) throws(LanguageModelError) {
        var cursor = range.lowerBound
        var tokenCount = 0
        let kept = n + 2
        var last = range
        while let token = nextToken(&cursor, range.upperBound) {
            if tokenCount < kept { tokens[tokenCount] = token }
            tokenCount += 1
            last = token
        }
        guard let probability = number(tokens[0]) else { throw failure(.badNumber(text(tokens[0]))) }
        var words = tokenCount - 1
        var backoff: Float = 0
        if words > n, looksNumeric(last) {
            words -= 1
            if words == n {
                guard let value = number(tokens[n + 1]) else { throw failure(.badNumber(text(tokens[n + 1]))) }
                backoff = value
            }
        }
        guard words == n else { throw failure(.wrongWordCount(order: n, found: words)) }
        // Zero back-offs start as −0.0, "nothing extends this"; longer n-grams flip them to +0.0.
        // The highest order has no back-off: a weight there could never be used, so it is ignored.
        if backoff == 0 { backoff = -0.0 }

        if n == 1 {
            guard vocabulary.insert(UnsafeBufferPointer(rebasing: bytes[tokens[1]])) else {
                throw failure(.duplicateNGram(text(tokens[1])))
            }
            unigramProbabilities.append(probability)
            unigramBackoffs.append(backoff)
            return
        }
        for i in 0..<n {
            guard let id = vocabulary.id(of: UnsafeBufferPointer(rebasing: bytes[tokens[i + 1]])) else {
                throw failure(.unknownWord(text(tokens[i + 1])))
            }
            key[n - 1 - i] = id
        }
        let hash = NGramTable.hash(key, length: n)
        guard tables[n - 2].insert(key, hash: hash, probability: probability, backoff: backoff) else {
            throw failure(.duplicateNGram(text(tokens[1].lowerBound..<tokens[n].upperBound)))
        }
        // The prefix (w1 … wn−1) is now a context something extends; the suffix (w2 … wn) must
        // exist for the upward search of NGramLanguageModel.score to stop at the first miss.
        ensure(key + 1, order: n - 1, extended: true)
        ensure(key, order: n - 1, extended: false)
    }

    /// Makes the n-gram `key` (most recent word first) present; an absent one is added with the
    /// probability back-off gives it and back-off 0, so scores do not change. With `extended`,
    /// marks it as a context some longer n-gram extends.
    private mutating func ensure(_ key: UnsafeMutablePointer<UInt32>, order n: Int, extended: Bool) {
        if n == 1 {
            let id = Int(key[0])
            if extended, unigramBackoffs[id].bitPattern == (-0.0 as Float).bitPattern { unigramBackoffs[id] = 0 }
            return
        }
        let hash = NGramTable.hash(key, length: n)
        if let slot = tables[n - 2].find(key, hash: hash) {
            if extended, tables[n - 2].backoff(slot).bitPattern == (-0.0 as Float).bitPattern {
                tables[n - 2].setBackoff(slot, 0)
            }
            return
        }
        let probability = contextBackoff(key + 1, order: n - 1) + backedOffProbability(key, order: n - 1)
        _ = tables[n - 2].insert(key, hash: hash, probability: probability, backoff: extended ? 0 : -0.0)
        ensure(key + 1, order: n - 1, extended: true)
        ensure(key, order: n - 1, extended: false)
    }

    /// log10 P(key[0] | key[1..<n]) by the textbook back-off recursion over the tables so far.
    private func backedOffProbability(_ key: UnsafeMutablePointer<UInt32>, order n: Int) -> Float {
        if n == 1 { return unigramProbabilities[Int(key[0])] }
        if let slot = tables[n - 2].find(key, hash: NGramTable.hash(key, length: n)) {
            return tables[n - 2].probability(slot)
        }
        return contextBackoff(key + 1, order: n - 1) + backedOffProbability(key, order: n - 1)
    }

    /// The back-off weight of the context `key[0..<n]`, 0 when it is absent.
    private func contextBackoff(_ key: UnsafeMutablePointer<UInt32>, order n: Int) -> Float {
        if n == 1 { return unigramBackoffs[Int(key[0])] }
        guard let slot = tables[n - 2].find(key, hash: NGramTable.hash(key, length: n)) else { return 0 }
        return tables[n - 2].backoff(slot)
    }

    // MARK: - Bytes

    /// Moves to the next line; false at the end of the bytes.
    private mutating func nextLine() -> Bool {
        guard position < bytes.count else { return false }
        lineNumber += 1
        let start = position
        let base = bytes.baseAddress!
        if let newline = memchr(base + start, 0x0A, bytes.count - start) {
            let end = UnsafeRawPointer(newline) - UnsafeRawPointer(base)
            line = start..<end
            position = end + 1
        } else {
            line = start..<bytes.count
            position = bytes.count
        }
        return true
    }

    /// The current line without leading and trailing white space.
    private func trimmed() -> Range<Int> {
        var lower = line.lowerBound, upper = line.upperBound
        while lower < upper && isSpace(bytes[lower]) { lower += 1 }
        while upper > lower && isSpace(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// The next run of non-space bytes at or after `cursor`, before `end`.
    @inline(__always)
    private func nextToken(_ cursor: inout Int, _ end: Int) -> Range<Int>? {
        while cursor < end && isSpace(bytes[cursor]) { cursor += 1 }
        guard cursor < end else { return nil }
        let start = cursor
        while cursor < end && !isSpace(bytes[cursor]) { cursor += 1 }
        return start..<cursor
    }

    @inline(__always)
    private func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0B || byte == 0x0C }

    private func equals(_ range: Range<Int>, _ literal: String) -> Bool {
        range.count == literal.utf8.count && zip(bytes[range], literal.utf8).allSatisfy { $0 == $1 }
    }

    /// The bytes as text for a message, shortened past 80 bytes.
    private func text(_ range: Range<Int>) -> String {
        let shown = range.count > 80 ? range.lowerBound..<(range.lowerBound + 80) : range
        return String(decoding: bytes[shown], as: UTF8.self) + (shown == range ? "" : "…")
    }

    /// Whether a token is meant as a number (so a bad one is reported as a bad number, not a word).
    private func looksNumeric(_ range: Range<Int>) -> Bool {
        let first = bytes[range.lowerBound]
        return first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
            || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
    }

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// A decimal (`-1.25`, `-99`, `3e-05`) or `inf`/`-inf`; nil for anything else, NaN included.
    /// Up to 15 significant digits and exponents within ±22 take a fast exact path; others go
    /// through the standard library.
    private func number(_ range: Range<Int>) -> Float? {
        var i = range.lowerBound
        let end = range.upperBound
        var negative = false
        if bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < end else { return nil }
        if bytes[i] | 0x20 == UInt8(ascii: "i") {
            let rest = String(decoding: bytes[i..<end], as: UTF8.self).lowercased()
            return rest == "inf" || rest == "infinity" ? (negative ? -.infinity : .infinity) : nil
        }
        var mantissa: UInt64 = 0
        var significant = 0, exponent = 0, digits = 0
        func digit(_ byte: UInt8) -> UInt64? {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? UInt64(byte - UInt8(ascii: "0")) : nil
        }
        while i < end, let d = digit(bytes[i]) {
            if significant < 19 { mantissa = mantissa * 10 + d; if mantissa > 0 { significant += 1 } } else { exponent += 1 }
            digits += 1
            i += 1
        }
        if i < end && bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, let d = digit(bytes[i]) {
                if significant < 19 { mantissa = mantissa * 10 + d; exponent -= 1; if mantissa > 0 { significant += 1 } }
                digits += 1
                i += 1
            }
        }
        guard digits > 0 else { return nil }
        if i < end && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            i += 1
            var negativeExponent = false
            if i < end && (bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")) {
                negativeExponent = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            var value = 0, exponentDigits = 0
            while i < end, let d = digit(bytes[i]) {
                value = min(value * 10 + Int(d), 100_000)
                exponentDigits += 1
                i += 1
            }
            guard exponentDigits > 0 else { return nil }
            exponent += negativeExponent ? -value : value
        }
        guard i == end else { return nil }
        let magnitude: Double
        if mantissa == 0 {
            magnitude = 0
        } else if significant <= 15 && abs(exponent) <= 22 {
            // Both operands are exact doubles, so the quotient or product is correctly rounded.
            magnitude = exponent < 0 ? Double(mantissa) / Self.powersOfTen[-exponent] : Double(mantissa) * Self.powersOfTen[exponent]
        } else {
            guard let slow = Double(String(decoding: bytes[range], as: UTF8.self)) else { return nil }
            return Float(slow)
        }
        return Float(negative ? -magnitude : magnitude)
    }

    private func failure(_ kind: LanguageModelError.Kind, atLine: Bool = true) -> LanguageModelError {
        LanguageModelError(file: name, line: atLine ? lineNumber : nil, kind: kind)
    }
}
