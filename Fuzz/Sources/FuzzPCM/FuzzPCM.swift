import Foundation
import FuzzSupport
import Steno

/// One byte stream. The first byte chooses the decoder: encoding (bits 0–1: s16le, s32le, f32le,
/// wav) and, for raw encodings, 1–4 channels (bits 2–3); the second byte seeds the piece sizes.
/// The rest is decoded twice: whole, then in pieces of 1…64 bytes. The decoder promises samples
/// that do not depend on the split, so both runs must give the same samples or the same error.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count >= 2 else { return 0 }
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let encoding = [PCMEncoding.s16le, .s32le, .f32le, .wav][Int(input[0] & 3)]
    let channels = Int(input[0] >> 2 & 3) + 1
    let stream = UnsafeRawBufferPointer(rebasing: input[2...])

    func run(pieces: Bool) -> Result<[Float], StreamFormatError> {
        let decoder = PCMStreamDecoder(encoding: encoding, sampleRate: 16_000, channels: channels)
        var samples: [Float] = []
        var seed = UInt32(input[1]) | 1
        var offset = 0
        do {
            while offset < stream.count {
                var length = stream.count - offset
                if pieces {
                    seed = seed &* 1_103_515_245 &+ 12_345
                    length = min(length, Int(seed >> 16 & 63) + 1)
                }
                samples += try decoder.decode(UnsafeRawBufferPointer(rebasing: stream[offset..<(offset + length)]))
                offset += length
            }
            samples += try decoder.finish()
        } catch {
            return .failure(error)
        }
        precondition(decoder.framesDecoded == samples.count, "framesDecoded \(decoder.framesDecoded) != \(samples.count) samples")
        return .success(samples)
    }

    switch (run(pieces: false), run(pieces: true)) {
    case (.success(let whole), .success(let split)):
        // Bit patterns: NaN is an error, but compare exactly whatever comes out.
        precondition(whole.map(\.bitPattern) == split.map(\.bitPattern), "samples depend on how the bytes were split")
        show("\(encoding), \(whole.count) samples")
    case (.failure(let whole), .failure(let split)):
        precondition(whole == split, "the error depends on how the bytes were split: \(whole) / \(split)")
        show("\(encoding): \(whole)")
    case (let whole, let split):
        preconditionFailure("success depends on how the bytes were split: \(whole) / \(split)")
    }
    return 0
}
