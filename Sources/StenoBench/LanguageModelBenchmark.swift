import Foundation
import Steno

// steno-bench lm FILE [repeats]: how long loading a language model takes (ARPA or binary), and
// how fast it scores. Loads are timed from the open to the first score (median of the repeats;
// the file is in the page cache after the first load).

func runLanguageModelBenchmark(path: String, repeats: Int) throws {
    var times: [Double] = []
    var model: NGramLanguageModel?
    for _ in 0..<repeats {
        model = nil
        let start = DispatchTime.now().uptimeNanoseconds
        let loaded = try NGramLanguageModel(contentsOf: path)
        _ = loaded.score(loaded.startState, word: loaded.wordID("the"))
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        model = loaded
    }
    guard let model else { return }
    times.sort()
    let counts = model.counts.enumerated().map { "\($0.element) \($0.offset + 1)-grams" }.joined(separator: ", ")
    print(String(format: "%@ (%@, %d n-grams: %@): load %.2f ms median of %d (min %.2f, max %.2f)",
                 path, model.isBinary ? "binary" : "ARPA", model.counts.reduce(0, +), counts, times[times.count / 2], repeats,
                 times.first!, times.last!))
    // Scoring: random words along a sentence, the state carried (as the beam search does).
    var generator = SplitMix64(seed: 1)
    var state = model.startState
    var sum: Float = 0
    let lookups = 2_000_000
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<lookups {
        let (score, next) = model.score(state, word: Int(generator.next() % UInt64(model.vocabularySize)))
        sum += score
        state = generator.next() % 10 == 0 ? model.startState : next
    }
    let nanoseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(lookups)
    print(String(format: "scoring: %.0f ns per word (checksum %.1f)", nanoseconds, sum))
}
