/// The output classes of a CTC model: class 0 is the blank, classes 1… are characters.
///
/// Text given to ``encode(_:)`` is assumed to be normalized already (see `TextNormalizer`
/// in the Steno module); ``decode(_:)`` is its inverse for label sequences without blanks.
public struct Alphabet: Sendable, Codable, Equatable {
    /// The characters in class order: `characters[i]` is class `i + 1`.
    public let characters: [Character]
    private let indices: [Character: Int]

    /// Lowercase English: a–z, space, apostrophe (29 classes with the blank).
    public static let english: Alphabet = {
        let letters = (UInt8(ascii: "a")...UInt8(ascii: "z")).map { Character(Unicode.Scalar($0)) }
        // The characters are distinct by construction.
        return try! Alphabet(characters: letters + [" ", "'"])
    }()

    /// Creates an alphabet from its characters in class order (the blank is added as class 0).
    /// Throws when `characters` is empty or holds a character twice.
    public init(characters: [Character]) throws(AlphabetError) {
        guard !characters.isEmpty else { throw .empty }
        var indices: [Character: Int] = [:]
        for (offset, character) in characters.enumerated() {
            guard indices[character] == nil else { throw .duplicate(character) }
            indices[character] = offset + 1
        }
        self.characters = characters
        self.indices = indices
    }

    /// The number of output classes, the blank included.
    public var classCount: Int { characters.count + 1 }

    /// The class of the CTC blank (always 0).
    public var blank: Int { 0 }

    /// The class of `character`, or nil when it is not in the alphabet.
    public func index(of character: Character) -> Int? { indices[character] }

    /// Whether `character` is one of the alphabet's characters.
    public func contains(_ character: Character) -> Bool { indices[character] != nil }

    /// The class of each character of `text` (never the blank).
    /// Throws ``AlphabetError/notInAlphabet(_:text:)`` naming the first character outside the alphabet.
    public func encode(_ text: String) throws(AlphabetError) -> [Int] {
        var labels: [Int] = []
        labels.reserveCapacity(text.count)
        for character in text {
            guard let index = indices[character] else { throw .notInAlphabet(character, text: text) }
            labels.append(index)
        }
        return labels
    }

    /// The text spelled by `labels`, skipping blanks. Repeats are kept: collapsing
    /// repeated frames is the decoder's job, not the alphabet's.
    /// Every label must be in `0..<classCount`.
    public func decode(_ labels: [Int]) -> String {
        var text = ""
        for label in labels where label != blank {
            precondition(label > 0 && label < classCount, "label \(label) is outside 0..<\(classCount)")
            text.append(characters[label - 1])
        }
        return text
    }

    public static func == (lhs: Alphabet, rhs: Alphabet) -> Bool { lhs.characters == rhs.characters }

    // Codable as a JSON array of one-character strings, in class order.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let strings = try container.decode([String].self)
        var characters: [Character] = []
        for string in strings {
            guard string.count == 1, let character = string.first else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "alphabet entry \"\(string)\" is not exactly one character")
            }
            characters.append(character)
        }
        do {
            try self.init(characters: characters)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(characters.map { String($0) })
    }
}

/// An alphabet that cannot be built, or text it cannot spell.
public enum AlphabetError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The alphabet has no characters.
    case empty
    /// The character appears more than once.
    case duplicate(Character)
    /// The character is not in the alphabet; `text` is the text being encoded.
    case notInAlphabet(Character, text: String)

    public var description: String {
        switch self {
        case .empty:
            return "alphabet: no characters (an alphabet needs at least one besides the blank)"
        case .duplicate(let character):
            return "alphabet: \(Self.show(character)) appears more than once"
        case .notInAlphabet(let character, let text):
            return "alphabet: \(Self.show(character)) in \"\(text)\" is not in the alphabet (normalize the text first)"
        }
    }

    /// `"é" (U+00E9)`: the character and its code points, so invisible characters can be seen.
    static func show(_ character: Character) -> String {
        let codes = character.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true).leftPadded(to: 4) }
        return "\"\(character)\" (\(codes.joined(separator: " ")))"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
