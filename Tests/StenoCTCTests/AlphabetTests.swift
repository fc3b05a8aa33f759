import Foundation
import StenoCTC
import Testing

@Suite("Alphabet")
struct AlphabetTests {
    @Test("English has the blank, a–z, space and apostrophe: 29 classes")
    func english() {
        let alphabet = Alphabet.english
        #expect(alphabet.classCount == 29)
        #expect(alphabet.blank == 0)
        #expect(alphabet.index(of: "a") == 1)
        #expect(alphabet.index(of: "z") == 26)
        #expect(alphabet.index(of: " ") == 27)
        #expect(alphabet.index(of: "'") == 28)
        #expect(alphabet.index(of: "A") == nil)
        #expect(alphabet.index(of: "é") == nil)
        #expect(alphabet.contains("q"))
        #expect(!alphabet.contains("-"))
    }

    @Test("Encode then decode gives the text back; blanks are skipped, repeats kept")
    func roundTrip() throws {
        let alphabet = Alphabet.english
        let text = "don't stop  believing"
        let labels = try alphabet.encode(text)
        #expect(labels.count == text.count)
        #expect(!labels.contains(0))
        #expect(alphabet.decode(labels) == text)
        #expect(alphabet.decode([0, 8, 0, 5, 12, 12, 0, 0, 15, 0]) == "hello")
        #expect(alphabet.decode([]) == "")
        #expect(try alphabet.encode("") == [])
    }

    @Test("Characters outside the alphabet are named in the error")
    func unknownCharacter() {
        #expect(throws: AlphabetError.notInAlphabet("é", text: "café")) { try Alphabet.english.encode("café") }
        #expect(throws: AlphabetError.notInAlphabet("H", text: "Hi")) { try Alphabet.english.encode("Hi") }
        let error = AlphabetError.notInAlphabet("é", text: "café")
        #expect(error.description.contains("\"é\" (U+00E9)"), "\(error)")
    }

    @Test("Empty alphabets and duplicates are refused")
    func invalid() {
        #expect(throws: AlphabetError.empty) { try Alphabet(characters: []) }
        #expect(throws: AlphabetError.duplicate("b")) { try Alphabet(characters: ["a", "b", "c", "b"]) }
        #expect(AlphabetError.duplicate("b").description.hasPrefix("alphabet: "))
    }

    @Test("A custom alphabet numbers its characters from 1")
    func custom() throws {
        let alphabet = try Alphabet(characters: ["é", "e", "👍🏽"])
        #expect(alphabet.classCount == 4)
        #expect(alphabet.index(of: "é") == 1)
        #expect(alphabet.index(of: "👍🏽") == 3)
        #expect(try alphabet.encode("e👍🏽é") == [2, 3, 1])
    }

    @Test("Codable as a JSON array of characters")
    func codable() throws {
        let data = try JSONEncoder().encode(Alphabet.english)
        let strings = try JSONDecoder().decode([String].self, from: data)
        #expect(strings.count == 28)
        #expect(strings.first == "a" && strings.last == "'")
        #expect(try JSONDecoder().decode(Alphabet.self, from: data) == .english)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Alphabet.self, from: Data(#"["a","a"]"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Alphabet.self, from: Data(#"["ab"]"#.utf8)) }
    }
}
