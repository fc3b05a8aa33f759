@testable import Steno
import StenoCTC
import Testing

@Suite("Text normalization")
struct TextNormalizerTests {
    let normalizer = TextNormalizer(alphabet: .english)

    @Test("Corpus-style transcripts become alphabet text", arguments: [
        ("Mr. Smith paid $5 on the 3rd of May, 1999!", "mr smith paid five dollars on the third of may nineteen ninety nine"),
        ("HELLO World", "hello world"),
        ("  lots   of\tspace\n", "lots of space"),
        ("", ""),
        ("?!...", ""),
        // Numbers.
        ("42", "forty two"),
        ("0", "zero"),
        ("13 17 20 99", "thirteen seventeen twenty ninety nine"),
        ("1,000", "one thousand"),
        ("1,234,567", "one million two hundred thirty four thousand five hundred sixty seven"),
        ("1,23", "one twenty three"),
        ("3.5", "three point five"),
        ("3.14", "three point one four"),
        ("3.14.15", "three point one four fifteen"),
        ("the end.", "the end"),
        ("007", "zero zero seven"),
        ("12345678901234567", "one two three four five six seven eight nine zero one two three four five six seven"),
        ("1000000000000", "one trillion"),
        // Years.
        ("1999", "nineteen ninety nine"),
        ("1905", "nineteen oh five"),
        ("1900", "nineteen hundred"),
        ("1100", "eleven hundred"),
        ("2005", "two thousand five"),
        ("2010", "twenty ten"),
        ("1099", "one thousand ninety nine"),
        ("2100", "two thousand one hundred"),
        ("1999.5", "one thousand nine hundred ninety nine point five"),
        ("1,999", "one thousand nine hundred ninety nine"),
        ("1990's", "nineteen ninety's"),
        // Ordinals.
        ("3rd", "third"),
        ("21st", "twenty first"),
        ("2nd 11th 12th 13th", "second eleventh twelfth thirteenth"),
        ("100th", "one hundredth"),
        ("1,000th", "one thousandth"),
        ("101st", "one hundred first"),
        ("40th", "fortieth"),
        ("5th-grade", "fifth grade"),
        // Symbols and currency.
        ("100%", "one hundred percent"),
        ("A&B", "a and b"),
        ("$1", "one dollar"),
        ("$3.50", "three dollars fifty cents"),
        ("$1.01", "one dollar one cent"),
        ("$2,000", "two thousand dollars"),
        ("£3.50 €2", "three pounds fifty pence two euros"),
        ("$ alone", "alone"),
        // Letters and digits together.
        ("mp3", "mp three"),
        ("4x4", "four x four"),
        ("3:30pm", "three thirty pm"),
        ("-5 degrees", "five degrees"),
        // Apostrophes.
        ("don't", "don't"),
        ("O’Clock", "o'clock"),
        ("it‘s", "it's"),
        ("'quoted' word", "quoted word"),
        ("rock 'n' roll", "rock n roll"),
        ("the dogs' bone", "the dogs bone"),
        ("'tis", "tis"),
        ("' lonely '", "lonely"),
        // Word breaks.
        ("well-known", "well known"),
        ("foo_bar and/or", "foo bar and or"),
        ("en–dash em—dash", "en dash em dash"),
        ("Hello,world", "hello world"),
        ("U.S.A.", "u s a"),
        ("“Quoted” «guillemets» (parens) [brackets]", "quoted guillemets parens brackets"),
        ("🎉 party 👍🏽", "party"),
        ("zero\u{200B}width", "zero width"),
        // Unicode.
        ("Café naïve Ångström", "cafe naive angstrom"),
        ("Straße Æsir œuvre", "strasse aesir oeuvre"),
        ("ﬁne", "fine"),
        ("ＡＢＣ １２", "abc twelve"),
        ("x²", "x two"),
        ("İstanbul", "istanbul"),
        ("e\u{301}te\u{301}", "ete"),
    ])
    func normalizes(input: String, expected: String) {
        let result = normalizer.normalize(input)
        #expect(result.text == expected, "\(input)")
        #expect(result.unknown.isEmpty, "\(input): \(result.unknown)")
    }

    @Test("Characters the alphabet cannot spell are dropped and reported")
    func unknown() {
        #expect(normalizer.normalize("日本 hello") == NormalizedText(text: "hello", unknown: ["日", "本"]))
        #expect(normalizer.normalize("Москва moscow") == NormalizedText(text: "moscow", unknown: ["м", "о", "с", "к", "в", "а"]))
        #expect(normalizer.normalize("٣ cats") == NormalizedText(text: "cats", unknown: ["٣"]))
        #expect(normalizer.normalize("aaa日日日") .unknown == ["日"])
    }

    @Test("Every output character is in the alphabet")
    func outputInAlphabet() throws {
        let text = "Dr. O’Neil—aged 42—paid £1,250.75 (≈ 7% more) on 21st Jan. 2011 for “Das Boot” & ½ a café crème…"
        let result = normalizer.normalize(text)
        _ = try Alphabet.english.encode(result.text)
        #expect(!result.text.contains("  ") && result.text.first != " " && result.text.last != " ")
    }

    @Test("Normalizing twice changes nothing")
    func idempotent() {
        for text in ["Mr. Smith paid $5 on the 3rd of May, 1999!", "don't 'stop' 42%", "Café Straße"] {
            let once = normalizer.normalize(text).text
            #expect(normalizer.normalize(once).text == once)
        }
    }

    @Test("An alphabet with accented letters keeps them; one without apostrophe joins the word")
    func otherAlphabets() throws {
        let french = try Alphabet(characters: Array("abcdefghijklmnopqrstuvwxyzéèàç' "))
        #expect(TextNormalizer(alphabet: french).normalize("Élève à l’école, naïve").text == "élève à l'école naive")
        let plain = try Alphabet(characters: Array("abcdefghijklmnopqrstuvwxyz "))
        #expect(TextNormalizer(alphabet: plain).normalize("Don't 'go'").text == "dont go")
    }

    @Test("Text that is already normalized is recognised as such, and the shortcut never changes a result")
    func shortcut() throws {
        #expect(normalizer.isNormalized("don't stop") && normalizer.isNormalized("o'clock") && normalizer.isNormalized(""))
        for text in ["Don't", " a", "a ", "a  b", "'a", "a'", "a''b", "naïve", "mp3", "a\tb", "a-b"] {
            #expect(!normalizer.isNormalized(text), "\(text)")
        }
        let plain = TextNormalizer(alphabet: try Alphabet(characters: Array("abcdefghijklmnopqrstuvwxyz ")))
        #expect(!plain.isNormalized("don't") && plain.isNormalized("dont"))
        // Random strings over characters the shortcut must judge right: every result equals the full normalization's.
        let pool = Array("abz ' A1.-é\t\u{2019}")
        var state: UInt64 = 12_345
        var mismatches: [String] = []
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let text = String((0..<Int(state >> 61)).map { step in pool[Int((state >> UInt64(8 * step + 3)) % UInt64(pool.count))] })
            for normalizer in [normalizer, plain] where normalizer.normalize(text) != normalizer.normalizeInFull(text) {
                mismatches.append(text)
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }
}
