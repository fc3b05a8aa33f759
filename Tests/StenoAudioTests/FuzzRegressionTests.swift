import Foundation
import Testing
@testable import StenoAudio

/// Inputs the fuzzers (`tools/fuzz.sh`, package `Fuzz/`) found, kept so their fixes stay fixed.
@Suite("Fuzz regressions: audio files")
struct AudioFuzzRegressionTests {
    /// FuzzAudioFile: a FLAC header may claim up to 2^36 frames. `readAll` used to reserve room for
    /// the claim (36 GB for 9e9 frames) before reading a single block; AddressSanitizer stopped it at
    /// its allocation limit. The claim now sizes at most the first 2^24 samples.
    @Test("A FLAC header claiming 9e9 frames reserves at most 2^24 samples, and the file is reported as truncated")
    func flacClaimingHours() throws {
        #expect(MonoAudioReader.initialCapacity(expectedSamples: 9e9) == 0x100_0000 + 1024)
        #expect(MonoAudioReader.initialCapacity(expectedSamples: 16_000) == 17_024)
        #expect(MonoAudioReader.initialCapacity(expectedSamples: .infinity) == 0)
        #expect(MonoAudioReader.initialCapacity(expectedSamples: -5) == 0)

        let folder = TemporaryFolder()
        let path = folder.file("tone.flac")
        try AudioFileWriter.write(sine(frequency: 440, seconds: 1, rate: 16_000), sampleRate: 16_000, format: .flac16, to: path)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // STREAMINFO starts at byte 8; its bytes 10–17 hold rate (20 bits), channels − 1 (3),
        // bits − 1 (5) and the total frames (36 bits).
        try #require(Array(bytes[0..<4]) == Array("fLaC".utf8))
        var fields = bytes[18..<26].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        try #require(fields & 0xF_FFFF_FFFF == 16_000)
        fields = fields & ~0xF_FFFF_FFFF | 9_000_000_000
        for index in 0..<8 { bytes[18 + index] = UInt8(truncatingIfNeeded: fields >> (56 - 8 * UInt64(index))) }
        let forged = folder.write(bytes, to: "claims-hours.flac")
        #expect(throws: AudioError(file: forged, kind: .truncated(declared: "9000000000 frames", found: "16000"))) {
            try AudioDecoder.decode(.file(forged))
        }
    }
}
