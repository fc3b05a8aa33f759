import Foundation
import FuzzSupport
import Steno

/// One ARPA file: it must either load or throw `LanguageModelError`; a model that loads must
/// score a sentence of its own words (every table the parser filled in gets looked up).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: start.assumingMemoryBound(to: UInt8.self), count: count)
    let model: NGramLanguageModel
    do {
        model = try NGramLanguageModel(arpa: bytes, name: "fuzz.arpa")
    } catch {
        show("\(error)")
        return 0
    }
    let words = (0..<min(model.vocabularySize, 8)).map(model.word)
    let score = model.score(sentence: words + words.reversed() + ["fuzz-unknown-word"])
    show("loaded: order \(model.order), \(model.vocabularySize) words; score \(score)")
    return 0
}
