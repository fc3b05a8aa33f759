import Foundation
import StenoCTC

/// Turns transcripts as corpora write them into text an ``Alphabet`` can spell, so references
/// and hypotheses are compared on equal terms: `"Mr. Smith paid $5 on the 3rd of May, 1999!"`
/// becomes `"mr smith paid five dollars on the third of may nineteen ninety nine"`.
///
/// The steps, in order:
/// 1. Curly and modifier apostrophes (’ ‘ ʼ ´ `) become `'`; Unicode NFKC (so `ﬁ` → `fi`,
///    full-width and superscript digits → ASCII); lowercase.
/// 2. A character outside the alphabet loses its diacritics (é → e, ñ → n) and a few letters
///    are spelled out (ß → ss, æ → ae, œ → oe, ø → o, ł → l, đ → d, ð → d, þ → th), if that
///    gives characters the alphabet has. An alphabet that has é keeps é.
/// 3. Numbers become words (American style, no "and"):
///    - cardinals: `42` → forty two, `1,000` → one thousand (commas must group by three),
///      up to 15 digits; longer numbers, and numbers with a leading zero (`007`), are read digit by digit;
///    - decimals: `3.5` → three point five, `3.14` → three point one four (digits after the point one by one);
///    - years: a bare four-digit number from 1100 to 2099 (no commas, no decimal, no ordinal
///      suffix, no currency) is read as a year: 1999 → nineteen ninety nine, 1905 → nineteen
///      oh five, 1900 → nineteen hundred, 2005 → two thousand five, 2010 → twenty ten;
///    - ordinals: `3rd` → third, `21st` → twenty first, `100th` → one hundredth (any of
///      st/nd/rd/th directly after the digits and not followed by a letter);
///    - currency: `$5` → five dollars, `$1` → one dollar, `$3.50` → three dollars fifty cents;
///      likewise £ (pounds, pence) and € (euros, cents);
///    - a number touching letters is split from them: `mp3` → mp three.
/// 4. `%` → percent, `&` → and, `+` → plus, `@` → at.
/// 5. Apostrophes stay only between two letters (don't, o'clock, 1990's); leading and trailing
///    quotes go. Dashes, hyphens, underscores and slashes, and every other punctuation mark or
///    symbol, become a word break: `Hello,world` → hello world, `U.S.` → u s.
/// 6. Whitespace is collapsed to single spaces and trimmed.
///
/// Any other character the alphabet lacks (a letter of another script, a stray digit of another
/// numbering system) is dropped and reported in ``NormalizedText/unknown`` so the caller can
/// warn about it once. Words are separated by spaces, so the alphabet should contain `" "`.
public struct TextNormalizer: Sendable {
    /// The alphabet the output is spelled in.
    public let alphabet: Alphabet

    /// For each ASCII byte: whether the alphabet spells it as it is (lowercase letters, the apostrophe).
    private let keepsASCII: [Bool]

    /// Creates a normalizer for `alphabet`.
    public init(alphabet: Alphabet = .english) {
        self.alphabet = alphabet
        keepsASCII = (0..<128).map { byte in
            let character = Character(Unicode.Scalar(UInt8(byte)))
            return (character.isLowercase || character == "'") && alphabet.contains(character)
        }
    }

    /// Normalizes one transcript.
    public func normalize(_ text: String) -> NormalizedText {
        isNormalized(text) ? NormalizedText(text: text) : normalizeInFull(text)
    }

    /// True when `text` is already what ``normalize(_:)`` makes of it: lowercase ASCII words the
    /// alphabet spells, apostrophes only inside words, single spaces between them. Text read from a
    /// language model or a normalized corpus is like that, and this check is far cheaper.
    func isNormalized(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { bytes in
            var previous: UInt8 = UInt8(ascii: " ")  // as if a space came before: no leading space or apostrophe
            for (index, byte) in bytes.enumerated() {
                let next = index + 1 < bytes.count ? bytes[index + 1] : UInt8(ascii: " ")
                switch byte {
                case UInt8(ascii: " "):
                    guard previous != UInt8(ascii: " "), index + 1 < bytes.count else { return false }
                case UInt8(ascii: "'"):
                    guard keepsASCII[Int(byte)], Self.isLetter(previous), Self.isLetter(next) else { return false }
                default:
                    guard byte < 128, keepsASCII[Int(byte)] else { return false }
                }
                previous = byte
            }
            return true
        } ?? false  // not stored as UTF-8 here: the full normalization decides
    }

    /// The full normalization, step by step (see the type's documentation).
    func normalizeInFull(_ text: String) -> NormalizedText {
        var unknown = Set<Character>()
        let characters = Array(prepare(text))
        var output = Output()
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character.isASCIIDigit {
                index = readNumber(characters, from: index, currency: nil, into: &output)
                continue
            }
            if let currency = Currency(symbol: character), index + 1 < characters.count, characters[index + 1].isASCIIDigit {
                index = readNumber(characters, from: index + 1, currency: currency, into: &output)
                continue
            }
            index += 1
            if let word = Self.symbolWords[character] {
                output.word(word)
            } else if character == "'" {
                let next = index < characters.count ? characters[index] : " "
                if !alphabet.contains("'") { continue }
                if output.endsInWord, next.isLetter { output.apostrophe() } else { output.space() }
            } else if character.isWhitespace {
                output.space()
            } else if alphabet.contains(character) {
                output.append(character)
            } else if let folded = fold(character) {
                output.append(contentsOf: folded)
            } else if let scalar = character.unicodeScalars.first, Self.isBreak(scalar) {
                output.space()
            } else {
                unknown.insert(character)
            }
        }
        return NormalizedText(text: output.finished(), unknown: unknown)
    }

    // MARK: - Implementation details

    private static func isLetter(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }

    private static let apostrophes: Set<Character> = ["\u{2019}", "\u{2018}", "\u{02BC}", "\u{00B4}", "`", "\u{2032}"]
    private static let symbolWords: [Character: String] = ["%": "percent", "&": "and", "+": "plus", "@": "at"]
    private static let spelledOut: [Character: String] = [
        "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i",
    ]

    /// Step 1: apostrophes, NFKC, lowercase.
    private func prepare(_ text: String) -> String {
        let apostrophes = String(text.map { Self.apostrophes.contains($0) ? "'" : $0 })
        return apostrophes.precomposedStringWithCompatibilityMapping.lowercased()
    }

    /// Step 2: `character` without diacritics or spelled out, when the alphabet can spell that.
    private func fold(_ character: Character) -> String? {
        if let spelled = Self.spelledOut[character] {
            return spelled.allSatisfy(alphabet.contains) ? spelled : nil
        }
        let scalars = String(character).decomposedStringWithCanonicalMapping.unicodeScalars
            .filter { $0.properties.generalCategory != .nonspacingMark }
        let folded = String(String.UnicodeScalarView(scalars))
        guard !folded.isEmpty, folded != String(character), folded.allSatisfy(alphabet.contains) else { return nil }
        return folded
    }

    /// Punctuation, symbols and separators: dropped as a word break rather than reported.
    private static func isBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation,
             .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
             .spaceSeparator, .lineSeparator, .paragraphSeparator, .control, .format:
            return true
        default:
            return false
        }
    }

    /// Step 3: reads the number starting at `start` (a digit) and writes its words.
    /// Returns the index after the number (and after an ordinal suffix).
    private func readNumber(_ characters: [Character], from start: Int, currency: Currency?, into output: inout Output) -> Int {
        var index = start
        var digits = ""
        while index < characters.count, characters[index].isASCIIDigit { digits.append(characters[index]); index += 1 }
        var grouped = false
        // Thousands separators: "1,000,000", only when the first group has 1–3 digits and every later one exactly 3.
        if digits.count <= 3 {
            while index + 3 < characters.count, characters[index] == ",",
                  (1...3).allSatisfy({ characters[index + $0].isASCIIDigit }),
                  index + 4 >= characters.count || !characters[index + 4].isASCIIDigit {
                digits += String(characters[(index + 1)...(index + 3)])
                index += 4
                grouped = true
            }
        }
        var fraction = ""
        if index + 1 < characters.count, characters[index] == ".", characters[index + 1].isASCIIDigit {
            index += 1
            while index < characters.count, characters[index].isASCIIDigit { fraction.append(characters[index]); index += 1 }
        }
        var ordinal = false
        if fraction.isEmpty, currency == nil, index + 1 < characters.count {
            let suffix = String(characters[index...(index + 1)])
            let after = index + 2 < characters.count ? characters[index + 2] : " "
            if ["st", "nd", "rd", "th"].contains(suffix), !after.isLetter {
                ordinal = true
                index += 2
            }
        }

        var words: [String]
        if ordinal {
            words = NumberWords.ordinal(digits)
        } else if let currency {
            words = NumberWords.cardinal(digits)
            words.append(Int(digits) == 1 ? currency.unit : currency.units)
            if fraction.count == 2, let cents = Int(fraction) {
                if cents > 0 { words += NumberWords.cardinal(fraction.trimmingLeadingZeros) + [cents == 1 ? currency.cent : currency.cents] }
            } else if !fraction.isEmpty {
                words.insert(contentsOf: ["point"] + NumberWords.digitByDigit(fraction), at: words.count - 1)
            }
        } else if !grouped, fraction.isEmpty, digits.count == 4, let year = Int(digits), (1100...2099).contains(year),
                  !(index < characters.count && characters[index] == "%") {
            words = NumberWords.year(year)
        } else {
            words = NumberWords.cardinal(digits)
            if !fraction.isEmpty { words += ["point"] + NumberWords.digitByDigit(fraction) }
        }
        output.word(words.joined(separator: " "))
        return index
    }

    private struct Currency {
        var unit: String, units: String, cent: String, cents: String
        init?(symbol: Character) {
            switch symbol {
            case "$": (unit, units, cent, cents) = ("dollar", "dollars", "cent", "cents")
            case "£": (unit, units, cent, cents) = ("pound", "pounds", "penny", "pence")
            case "€": (unit, units, cent, cents) = ("euro", "euros", "cent", "cents")
            default: return nil
            }
        }
    }

    /// The text being built: single spaces between words, none at the ends.
    private struct Output {
        var text = ""
        /// A word break is due before the next character.
        var breakPending = false
        /// The pending break follows a number's words, so an apostrophe may still join on ("1990's").
        var afterNumber = false
        /// Whether an apostrophe here would follow a letter of the same word.
        var endsInWord: Bool { !text.isEmpty && (!breakPending || afterNumber) }
        mutating func space() { breakPending = !text.isEmpty; afterNumber = false }
        mutating func append(_ character: Character) {
            if breakPending { text.append(" ") }
            breakPending = false
            afterNumber = false
            text.append(character)
        }
        mutating func append(contentsOf string: String) { for character in string { append(character) } }
        mutating func apostrophe() { breakPending = false; afterNumber = false; text.append("'") }
        /// Words standing apart from whatever comes before and after.
        mutating func word(_ words: String) { space(); append(contentsOf: words); breakPending = true; afterNumber = true }
        func finished() -> String { text }
    }
}

/// A normalized transcript and the characters that had to be dropped.
public struct NormalizedText: Sendable, Equatable {
    /// The text, spelled in the normalizer's alphabet.
    public var text: String
    /// Characters the alphabet cannot spell that were dropped (letters of other scripts, etc.).
    public var unknown: Set<Character>

    /// Creates a result.
    public init(text: String, unknown: Set<Character> = []) {
        self.text = text
        self.unknown = unknown
    }
}

/// English number words.
enum NumberWords {
    static let ones = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                       "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
    static let tens = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    static let scales = ["", "thousand", "million", "billion", "trillion"]
    static let irregularOrdinals = ["one": "first", "two": "second", "three": "third", "five": "fifth",
                                    "eight": "eighth", "nine": "ninth", "twelve": "twelfth"]

    /// Words for a string of ASCII digits.
    static func cardinal(_ digits: String) -> [String] {
        if digits.count > 1 && digits.first == "0" || digits.count > 15 { return digitByDigit(digits) }
        guard let value = Int(digits) else { return digitByDigit(digits) }
        return cardinal(value)
    }

    /// Words for `0 ..< 10^15`.
    static func cardinal(_ value: Int) -> [String] {
        if value == 0 { return ["zero"] }
        var words: [String] = []
        var rest = value
        var groups: [Int] = []
        while rest > 0 { groups.append(rest % 1000); rest /= 1000 }
        for (scale, group) in groups.enumerated().reversed() where group > 0 {
            words += belowThousand(group)
            if scale > 0 { words.append(scales[scale]) }
        }
        return words
    }

    static func belowThousand(_ value: Int) -> [String] {
        var words: [String] = []
        if value >= 100 { words += [ones[value / 100], "hundred"] }
        let rest = value % 100
        if rest >= 20 {
            words.append(tens[rest / 10])
            if rest % 10 > 0 { words.append(ones[rest % 10]) }
        } else if rest > 0 {
            words.append(ones[rest])
        }
        return words
    }

    /// `1999` → nineteen ninety nine; see ``TextNormalizer`` for the rule.
    static func year(_ value: Int) -> [String] {
        if (2000...2009).contains(value) { return cardinal(value) }
        let high = value / 100, low = value % 100
        if low == 0 { return cardinal(high) + ["hundred"] }
        if low < 10 { return cardinal(high) + ["oh", ones[low]] }
        return cardinal(high) + cardinal(low)
    }

    /// `21` → twenty first.
    static func ordinal(_ digits: String) -> [String] {
        var words = cardinal(digits)
        guard let last = words.popLast() else { return words }
        if let irregular = irregularOrdinals[last] {
            words.append(irregular)
        } else if last.hasSuffix("y") {
            words.append(String(last.dropLast()) + "ieth")
        } else {
            words.append(last + "th")
        }
        return words
    }

    static func digitByDigit(_ digits: String) -> [String] {
        digits.compactMap { $0.wholeNumberValue.map { ones[$0] } }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    fileprivate var trimmingLeadingZeros: String {
        let trimmed = drop { $0 == "0" }
        return trimmed.isEmpty ? "0" : String(trimmed)
    }
}
