/// Edit counts between a reference and a hypothesis, as word or character error rates report them.
///
/// Counts add up over utterances with `+`; the rate of a sum is the corpus rate
/// (total errors over total reference length), not the mean of the utterance rates.
public struct ErrorCounts: Sendable, Equatable, Codable {
    /// Reference tokens replaced by a different hypothesis token.
    public var substitutions: Int
    /// Reference tokens missing from the hypothesis.
    public var deletions: Int
    /// Hypothesis tokens with no reference token.
    public var insertions: Int
    /// Tokens (words or characters) in the reference.
    public var referenceLength: Int

    /// Creates counts.
    public init(substitutions: Int = 0, deletions: Int = 0, insertions: Int = 0, referenceLength: Int = 0) {
        self.substitutions = substitutions
        self.deletions = deletions
        self.insertions = insertions
        self.referenceLength = referenceLength
    }

    /// Substitutions + deletions + insertions.
    public var errors: Int { substitutions + deletions + insertions }

    /// Reference tokens the hypothesis got right.
    public var hits: Int { referenceLength - substitutions - deletions }

    /// The error rate in percent: 100 × errors / reference length. It can exceed 100 when
    /// the hypothesis has many insertions. For an empty reference it is 100 × insertions
    /// (0 when the hypothesis is empty too), as jiwer 4 defines it.
    public var rate: Double { 100 * Double(errors) / Double(max(1, referenceLength)) }

    /// The counts of two sets of utterances together.
    public static func + (lhs: ErrorCounts, rhs: ErrorCounts) -> ErrorCounts {
        ErrorCounts(
            substitutions: lhs.substitutions + rhs.substitutions,
            deletions: lhs.deletions + rhs.deletions,
            insertions: lhs.insertions + rhs.insertions,
            referenceLength: lhs.referenceLength + rhs.referenceLength)
    }

    /// Adds `rhs` to `lhs`.
    public static func += (lhs: inout ErrorCounts, rhs: ErrorCounts) { lhs = lhs + rhs }
}

/// Word and character error rates by Levenshtein alignment, counting as jiwer does.
public enum ErrorRate {
    /// Word error counts: the texts are split at whitespace (runs of whitespace and
    /// leading or trailing whitespace make no empty words).
    public static func words(reference: String, hypothesis: String) -> ErrorCounts {
        align(reference.split(whereSeparator: \.isWhitespace), hypothesis.split(whereSeparator: \.isWhitespace))
    }

    /// Character error counts over every character, spaces included, after trimming leading and
    /// trailing whitespace (as `jiwer.cer` does). Characters are grapheme clusters, so a letter
    /// with a combining accent counts once (jiwer counts code points; the two agree on NFC text).
    public static func characters(reference: String, hypothesis: String) -> ErrorCounts {
        align(Array(reference.trimmingWhitespace()), Array(hypothesis.trimmingWhitespace()))
    }

    /// Counts of the minimum-cost alignment of `reference` to `hypothesis` (every edit costs 1).
    ///
    /// Among alignments of equal cost this picks the one rapidfuzz's `Levenshtein.opcodes`
    /// (and so jiwer) reports: common prefix and suffix are set aside, then the path is traced
    /// back from the end preferring a deletion, then an insertion, then the diagonal.
    /// Uses O(n × m) memory for the cost matrix.
    static func align<Token: Equatable>(_ reference: some Collection<Token>, _ hypothesis: some Collection<Token>) -> ErrorCounts {
        let fullLength = reference.count
        var s1 = Array(reference)
        var s2 = Array(hypothesis)
        var prefix = 0
        while prefix < s1.count, prefix < s2.count, s1[prefix] == s2[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < s1.count - prefix, suffix < s2.count - prefix,
              s1[s1.count - 1 - suffix] == s2[s2.count - 1 - suffix] { suffix += 1 }
        s1 = Array(s1[prefix..<(s1.count - suffix)])
        s2 = Array(s2[prefix..<(s2.count - suffix)])

        let n = s1.count, m = s2.count
        // cost[i * (m + 1) + j]: edits turning s1[..<i] into s2[..<j].
        var cost = [Int32](repeating: 0, count: (n + 1) * (m + 1))
        let width = m + 1
        for i in 0...n { cost[i * width] = Int32(i) }
        for j in 0...m { cost[j] = Int32(j) }
        if n > 0 && m > 0 {
            for i in 1...n {
                for j in 1...m {
                    let diagonal = cost[(i - 1) * width + j - 1] + (s1[i - 1] == s2[j - 1] ? 0 : 1)
                    cost[i * width + j] = min(diagonal, cost[(i - 1) * width + j] + 1, cost[i * width + j - 1] + 1)
                }
            }
        }

        var counts = ErrorCounts(referenceLength: fullLength)
        var col = n, row = m  // col walks the reference, row the hypothesis
        while row > 0 && col > 0 {
            if cost[col * width + row] == cost[(col - 1) * width + row] + 1 {
                counts.deletions += 1
                col -= 1
            } else {
                row -= 1
                if row > 0 && cost[col * width + row] == cost[(col - 1) * width + row] - 1 {
                    counts.insertions += 1
                } else {
                    col -= 1
                    if s1[col] != s2[row] { counts.substitutions += 1 }
                }
            }
        }
        counts.deletions += col
        counts.insertions += row
        return counts
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? start
        return self[start..<end]
    }
}
