import Foundation
import Steno
import Testing

/// One pair from `Fixtures/error_rate_reference.json` (written by tools/make_error_rate_fixtures.py with jiwer).
private struct ReferenceCase: Decodable {
    struct Counts: Decodable {
        var substitutions: Int
        var deletions: Int
        var insertions: Int
        var referenceLength: Int
        var rate: Double
    }
    var reference: String
    var hypothesis: String
    var words: Counts
    var characters: Counts
}

private struct ReferenceFile: Decodable {
    var jiwer: String
    var cases: [ReferenceCase]
}

private func loadReference() throws -> ReferenceFile {
    let url = try #require(Bundle.module.url(forResource: "error_rate_reference", withExtension: "json", subdirectory: "Fixtures"))
    return try JSONDecoder().decode(ReferenceFile.self, from: Data(contentsOf: url))
}

private func expectMatches(_ counts: ErrorCounts, _ expected: ReferenceCase.Counts, _ label: String) {
    let want = ErrorCounts(
        substitutions: expected.substitutions, deletions: expected.deletions,
        insertions: expected.insertions, referenceLength: expected.referenceLength)
    #expect(counts == want, "\(label)")
    // Both sides divide the same integers; 1e-9 only absorbs the last-bit differences of the division.
    #expect(abs(counts.rate - expected.rate) <= 1e-9, "\(label): rate \(counts.rate) vs jiwer \(expected.rate)")
}

@Suite("Word and character error rates")
struct ErrorRateTests {
    @Test("Counts and rates match jiwer on every reference pair, ties included")
    func matchesJiwer() throws {
        let file = try loadReference()
        #expect(file.cases.count >= 25)
        var totalWords = ErrorCounts()
        var expectedErrors = 0, expectedLength = 0
        for item in file.cases {
            let label = "\"\(item.reference)\" / \"\(item.hypothesis)\""
            let words = ErrorRate.words(reference: item.reference, hypothesis: item.hypothesis)
            expectMatches(words, item.words, "WER " + label)
            expectMatches(ErrorRate.characters(reference: item.reference, hypothesis: item.hypothesis), item.characters, "CER " + label)
            totalWords += words
            expectedErrors += item.words.substitutions + item.words.deletions + item.words.insertions
            expectedLength += item.words.referenceLength
        }
        #expect(totalWords.errors == expectedErrors && totalWords.referenceLength == expectedLength)
    }

    @Test("Simple cases by hand")
    func byHand() {
        let perfect = ErrorRate.words(reference: "a b c", hypothesis: "a b c")
        #expect(perfect == ErrorCounts(referenceLength: 3))
        #expect(perfect.rate == 0 && perfect.hits == 3)

        let counts = ErrorRate.words(reference: "the cat sat", hypothesis: "the dog sat down")
        #expect(counts == ErrorCounts(substitutions: 1, insertions: 1, referenceLength: 3))
        #expect(abs(counts.rate - 200.0 / 3) < 1e-12)

        #expect(ErrorRate.words(reference: "a b c", hypothesis: "") == ErrorCounts(deletions: 3, referenceLength: 3))
        #expect(ErrorRate.characters(reference: "ab", hypothesis: "a b") == ErrorCounts(insertions: 1, referenceLength: 2))
    }

    @Test("An empty reference scores 0 against an empty hypothesis, else 100 per inserted token")
    func emptyReference() {
        #expect(ErrorRate.words(reference: "", hypothesis: "").rate == 0)
        #expect(ErrorRate.words(reference: " ", hypothesis: "  ").rate == 0)
        let counts = ErrorRate.words(reference: "", hypothesis: "uh um")
        #expect(counts == ErrorCounts(insertions: 2, referenceLength: 0))
        #expect(counts.rate == 200)
        #expect(ErrorRate.characters(reference: "", hypothesis: "x").rate == 100)
    }

    @Test("Sums give the corpus rate, not the mean of utterance rates")
    func corpusRate() {
        let first = ErrorRate.words(reference: "a", hypothesis: "b")  // 100 %
        let second = ErrorRate.words(reference: "a b c d e f g h i", hypothesis: "a b c d e f g h i")  // 0 %
        let total = first + second
        #expect(total == ErrorCounts(substitutions: 1, referenceLength: 10))
        #expect(total.rate == 10)
    }

    @Test("Characters are grapheme clusters, so a decomposed accent counts once")
    func graphemes() {
        let decomposed = "cafe\u{301}"
        #expect(ErrorRate.characters(reference: decomposed, hypothesis: "cafe") == ErrorCounts(substitutions: 1, referenceLength: 4))
        #expect(ErrorRate.characters(reference: decomposed, hypothesis: "caf\u{E9}") == ErrorCounts(referenceLength: 4))
    }

    @Test("Counts round-trip through JSON")
    func codable() throws {
        let counts = ErrorCounts(substitutions: 1, deletions: 2, insertions: 3, referenceLength: 10)
        #expect(try JSONDecoder().decode(ErrorCounts.self, from: JSONEncoder().encode(counts)) == counts)
    }
}
