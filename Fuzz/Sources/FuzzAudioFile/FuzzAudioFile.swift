import Foundation
import FuzzSupport
import Steno

/// One encoded audio file (any format libsndfile reads), decoded from memory to 16 kHz mono as
/// `steno transcribe` and `steno train` decode files. Decoding must end in samples or an
/// `AudioError`; samples must be finite and there must be some (Steno reports NaN, infinity and
/// empty audio as errors; only a file shorter than one output sample may resample to none), and
/// the header must be within Steno's limits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    do {
        let audio = try AudioDecoder.decode(.bytes(bytes, name: "fuzz"), sampleRate: 16_000)
        // A file of fewer frames than one 16 kHz sample's worth resamples to nothing, and that is all.
        let expected = Double(audio.source.frames) * 16_000 / Double(audio.source.sampleRate)
        precondition(!audio.samples.isEmpty || expected < 2, "decoded with no samples (\(audio.source.frames) frames at \(audio.source.sampleRate) Hz)")
        precondition(audio.samples.allSatisfy(\.isFinite), "a sample is NaN or infinite")
        precondition(AudioLimits.channels.contains(audio.source.channels), "channels \(audio.source.channels)")
        precondition(AudioLimits.sampleRates.contains(audio.source.sampleRate), "rate \(audio.source.sampleRate)")
        show("decoded: \(audio.source.container), \(audio.source.encoding), \(audio.source.sampleRate) Hz, \(audio.source.channels) ch, \(audio.samples.count) samples")
    } catch {
        show("\(error)")
    }
    return 0
}
