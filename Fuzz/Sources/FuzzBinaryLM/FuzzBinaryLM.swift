import Foundation
import FuzzSupport
import Steno

/// One binary language model (`steno lm compile`): any bytes must either load or throw
/// `LanguageModelError`, and a model that loads must score sentences of its own words and of
/// unknown ones without trapping or reading outside the file (AddressSanitizer checks that),
/// whatever its tables hold: loading checks only the header, so damaged tables must be harmless.
///
/// A mutated header almost never keeps its checksum, which would leave the tables unexplored, so
/// each input is loaded twice: as it is, and with the magic and header checksum made right.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    load(bytes)
    if bytes.count >= 144 {
        bytes.replaceSubrange(0..<8, with: Array("STENOLMB".utf8))
        let crc = withUnsafeBytes(of: checksum(bytes[0..<140]).littleEndian) { Array($0) }
        if !bytes[140..<144].elementsEqual(crc) {
            bytes.replaceSubrange(140..<144, with: crc)
            load(bytes)
        }
    }
    return 0
}

private func load(_ bytes: [UInt8]) {
    let model: NGramLanguageModel
    do {
        model = try NGramLanguageModel(arpa: bytes, name: "fuzz.bin")
    } catch {
        show("\(error)")
        return
    }
    let words = (0..<min(model.vocabularySize, 8)).map(model.word)
    let score = model.score(sentence: words + words.reversed() + ["fuzz-unknown-word"])
    let intact = (try? model.verify()) != nil
    show("loaded: order \(model.order), \(model.vocabularySize) words; score \(score); checksum \(intact ? "right" : "wrong")")
}

/// CRC-32 (IEEE 802.3, as zlib), as the header stores it.
private let table: [UInt32] = (0..<256).map { index in
    var crc = UInt32(index)
    for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    return crc
}

private func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    return ~crc
}
