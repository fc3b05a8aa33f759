import Foundation
import StenoLM
import Testing

/// A scratch folder removed when the value is dropped... by the test's `defer`.
private func scratchFile(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("steno-binlm-\(UUID().uuidString)-\(name)").path
}

/// Writes `model` in the binary format to a new temporary file and returns its path.
private func writeBinary(_ model: NGramLanguageModel) throws -> String {
    let path = scratchFile("lm.bin")
    try model.withBinaryRepresentation { try Data($0).write(to: URL(fileURLWithPath: path)) }
    return path
}

@Suite("Binary language models")
struct BinaryLanguageModelTests {
    @Test("A generated 50k n-gram model: the binary file gives every listed probability exactly and the textbook back-off elsewhere")
    func roundTrip() throws {
        let generated = GeneratedModel(seed: 5, words: 2_000, bigrams: 20_000, trigrams: 28_000)
        let arpa = try NGramLanguageModel(arpa: Array(generated.arpa.utf8), name: "generated.arpa")
        let path = try writeBinary(arpa)
        defer { unlink(path) }
        let binary = try NGramLanguageModel(contentsOf: path)
        #expect(binary.isBinary && !arpa.isBinary)
        #expect(binary.counts == arpa.counts && binary.order == 3 && binary.vocabularySize == arpa.vocabularySize)
        try binary.verify()
        #expect((0..<binary.vocabularySize).allSatisfy { binary.word($0) == generated.vocabulary[$0] })

        // Every listed n-gram, reached from the empty state, scores the value written in the ARPA
        // text, bit for bit, and its back-off (seen through the next word) is the ARPA model's.
        var mismatches = 0
        for (words, probability) in generated.listed {
            let ids = words.map { binary.wordID($0) }
            var state = NGramLanguageModel.State()
            for id in ids.dropLast() { state = binary.score(state, word: id).next }
            let (score, next) = binary.score(state, word: ids.last!)
            if score != probability { mismatches += 1 }
            let unknownAfter = binary.score(next, word: nil), arpaUnknownAfter = arpa.score(next, word: nil)
            if unknownAfter.logProbability.bitPattern != arpaUnknownAfter.logProbability.bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0)

        // Random walks: identical scores and states to the ARPA-loaded model, and within float
        // rounding of the textbook recursion (summation order differs: 1e-4 on values ≤ 10).
        var random = SplitMix(seed: 3)
        var worst: Float = 0, different = 0
        for _ in 0..<1_000 {
            var history = ["<s>"]
            var a = arpa.startState, b = binary.startState
            for _ in 0..<10 {
                let word = generated.nextWord(after: history.last!, &random)
                let x = arpa.score(a, word: arpa.wordID(word)), y = binary.score(b, word: binary.wordID(word))
                if x.logProbability.bitPattern != y.logProbability.bitPattern || x.next != y.next { different += 1 }
                history.append(word)
                worst = max(worst, abs(y.logProbability - generated.textbook(Array(history.suffix(3)))))
                a = x.next
                b = y.next
            }
            if arpa.endScore(a) != binary.endScore(b) { different += 1 }
        }
        #expect(different == 0)
        #expect(worst < 1e-4)
        #expect(binary.wordID("no-such-word") == nil && binary.score(sentence: ["w1", "zzz"]) == arpa.score(sentence: ["w1", "zzz"]))
    }

    @Test("Loading detects the format by content: the same bytes load from memory and from a file of any name")
    func detection() throws {
        let generated = GeneratedModel(seed: 9, words: 50, bigrams: 200, trigrams: 300)
        let arpa = try NGramLanguageModel(arpa: Array(generated.arpa.utf8), name: "g.arpa")
        let bytes = arpa.withBinaryRepresentation { Array($0) }
        let fromMemory = try NGramLanguageModel(arpa: bytes, name: "g.bin")
        #expect(fromMemory.score(sentence: ["w1", "w2", "w3"]) == arpa.score(sentence: ["w1", "w2", "w3"]))
        let path = scratchFile("model.arpa")  // a binary model under an .arpa name still loads as binary
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        #expect(try NGramLanguageModel(contentsOf: path).isBinary)
    }

    @Test("Truncated, damaged or foreign binary files give an error naming the file; a damaged body fails verify()")
    func damage() throws {
        let generated = GeneratedModel(seed: 2, words: 100, bigrams: 500, trigrams: 600)
        let bytes = try NGramLanguageModel(arpa: Array(generated.arpa.utf8), name: "g").withBinaryRepresentation { Array($0) }
        // Every cut inside the header, and a spread of cuts through the tables.
        for length in Array(8..<200) + Array(stride(from: 200, to: bytes.count, by: 97)) {
            let error = #expect(throws: LanguageModelError.self) { try NGramLanguageModel(arpa: bytes[..<length], name: "cut.bin") }
            #expect(error?.file == "cut.bin")
            #expect(error?.description.contains("truncated") == true || error?.description.contains("damaged") == true, "\(String(describing: error))")
        }
        #expect(throws: LanguageModelError(file: "cut.bin", kind: .truncatedBinary(expected: bytes.count, found: bytes.count - 1))) {
            try NGramLanguageModel(arpa: bytes.dropLast(), name: "cut.bin")
        }
        // Any flipped header byte (past the magic) is caught by the header's checksum.
        for offset in 8..<144 {
            var damaged = bytes
            damaged[offset] ^= 0x10
            let error = #expect(throws: LanguageModelError.self) { try NGramLanguageModel(arpa: damaged, name: "bad.bin") }
            #expect(error?.description.hasPrefix("bad.bin: damaged binary language model") == true, "\(String(describing: error))")
        }
        // A flipped byte in the tables loads (checking every byte would cost the load time) but
        // fails verify(), and scoring stays inside the file whatever the bytes say.
        var random = SplitMix(seed: 1)
        for _ in 0..<50 {
            var damaged = bytes
            damaged[144 + Int(random.below(UInt64(bytes.count - 144)))] ^= UInt8(1 + random.below(255))
            let model = try NGramLanguageModel(arpa: damaged, name: "body.bin")
            #expect(throws: LanguageModelError.self) { try model.verify() }
            _ = model.score(sentence: (0..<model.vocabularySize).map(model.word) + ["w1", "w7", "w3"])
        }
        // Header fields with a right checksum but impossible values (FuzzBinaryLM found the first:
        // a file size past Int.max trapped): every one is an error, never a trap.
        for (offset, value) in [(16, UInt64.max), (16, 1 << 63), (24, UInt64.max), (72, UInt64.max), (72, 0), (80, UInt64.max),
                                (80, 1 << 62), (80, 3), (88, UInt64.max), (88, UInt64(Int.max) - 3), (96, UInt64.max), (96, 0),
                                (96, 1 << 61), (12, 0), (12, 7)] {
            var forged = bytes
            if offset == 12 {
                forged.replaceSubrange(12..<16, with: withUnsafeBytes(of: UInt32(value).littleEndian) { Array($0) })
            } else {
                forged.replaceSubrange(offset..<(offset + 8), with: withUnsafeBytes(of: value.littleEndian) { Array($0) })
            }
            forged.replaceSubrange(140..<144, with: withUnsafeBytes(of: crc32(forged[0..<140]).littleEndian) { Array($0) })
            let error = #expect(throws: LanguageModelError.self, "offset \(offset) = \(value)") { try NGramLanguageModel(arpa: forged, name: "forged.bin") }
            #expect(error?.file == "forged.bin")
        }
        // Extra bytes at the end are not ignored.
        #expect(throws: LanguageModelError.self) { try NGramLanguageModel(arpa: bytes + [0], name: "long.bin") }
        // Another version: a message that says how to fix it.
        var future = bytes
        future[8] = 2
        let error = #expect(throws: LanguageModelError.self) { try NGramLanguageModel(arpa: future, name: "v2.bin") }
        #expect(error?.description.contains("format version 2") == true)
    }
}

/// CRC-32 (IEEE), as the header stores it; written out here so the test does not trust the library's.
private func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
    }
    return ~crc
}
