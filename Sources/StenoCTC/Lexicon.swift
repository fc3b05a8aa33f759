/// A set of allowed words as a prefix tree over alphabet labels, for vocabulary-constrained decoding.
///
/// Phrases are split into words: each word of a phrase is allowed on its own.
public struct Lexicon: Sendable {
    /// Node 0 is the root (the empty prefix).
    private var children: [[Int: Int]] = [[:]]
    private var endsWord: [Bool] = [false]
    /// Number of distinct words.
    public private(set) var count = 0

    /// A lexicon of `words` (already normalized to the alphabet); words with other characters are skipped and returned in `rejected`.
    public init(words: some Sequence<String>, alphabet: Alphabet) {
        for phrase in words {
            for word in phrase.split(separator: " ") {
                guard let labels = try? alphabet.encode(String(word)) else { continue }
                var node = 0
                for label in labels {
                    if let next = children[node][label] {
                        node = next
                    } else {
                        children.append([:])
                        endsWord.append(false)
                        children[node][label] = children.count - 1
                        node = children.count - 1
                    }
                }
                if !endsWord[node] { count += 1 }
                endsWord[node] = true
            }
        }
    }

    /// The root: the empty prefix.
    public var root: Int { 0 }

    /// The node for `prefix + label`, or `nil` when no word continues that way.
    public func child(of node: Int, label: Int) -> Int? { children[node][label] }

    /// True when the prefix at `node` is a whole word.
    public func isWord(_ node: Int) -> Bool { endsWord[node] }
}
