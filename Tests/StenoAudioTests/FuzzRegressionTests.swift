import Foundation
import Testing
@testable import StenoAudio

/// Inputs that broke the audio decoder under the fuzzers (`tools/fuzz.sh`, package `Fuzz/`), kept so their fixes stay fixed.
@Suite("Fuzz regressions: audio files")
struct AudioFuzzRegressionTests {
    /// A FLAC header may claim up to 2^36 frames. `readAll` used to reserve room for the claim (36 GB
    /// for 9e9 frames) before reading a single block. Found by reading the code while writing
    /// FuzzAudioFile; that target, given this input, stopped at AddressSanitizer's allocation limit
    /// before the fix. The claim now sizes at most the first 2^24 samples.
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

    /// FuzzAudioFile: a 157-byte WAV whose LIST chunk holds a sub-chunk of 0xFFFFFFFF bytes (and no
    /// data chunk) kept libsndfile 1.2.0's sf_open busy for minutes. Steno now checks LIST sub-chunk
    /// sizes itself and reports the file as damaged before libsndfile sees it.
    @Test("A LIST sub-chunk larger than the file is reported as damage at once, from a path and from memory")
    func listSubChunkLargerThanTheFile() throws {
        let hex = hangingWAV
        let bytes = stride(from: 0, to: hex.count, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16)! }
        let problem = "the LIST chunk at byte 36 holds a sub-chunk 'x???' of 4294967295 bytes, more than the whole file (157 bytes)"
        let folder = TemporaryFolder()
        let path = folder.write(bytes, to: "list.wav")
        #expect(throws: AudioError(file: path, kind: .damaged(problem))) { try AudioDecoder.info(.file(path)) }
        #expect(throws: AudioError(file: "piped", kind: .damaged(problem))) { try AudioDecoder.decode(.bytes(bytes, name: "piped")) }
        #expect(AudioError(file: path, kind: .damaged(problem)).description == "\(path): damaged audio file (\(problem))")
    }

    @Test("Well-formed LIST chunks pass the check")
    func wellFormedList() throws {
        let tone = wavBytes(int16: (0..<800).map { Int16(2_000 * sin(Double($0) * 0.1)) })
        // The same file with a LIST/INFO chunk (two sub-chunks, one of odd length) before its data.
        let info = Array("INFO".utf8) + Array("ISFT".utf8) + [5, 0, 0, 0] + Array("steno".utf8) + [0] + Array("ICMT".utf8) + [2, 0, 0, 0] + Array("ok".utf8)
        let list = Array("LIST".utf8) + [UInt8(info.count), 0, 0, 0] + info
        var withList = Array(tone[0..<36]) + list + Array(tone[36...])
        let riffSize = withList.count - 8
        withList.replaceSubrange(4..<8, with: (0..<4).map { UInt8(truncatingIfNeeded: riffSize >> (8 * $0)) })
        for bytes in [tone, withList] {
            #expect(RIFFListCheck.problem(length: Int64(bytes.count)) { offset, count in Array(bytes[Int(offset)..<min(bytes.count, Int(offset) + count)]) } == nil)
            #expect(try AudioDecoder.decode(.bytes(bytes, name: "tone")).samples.count == 800)
        }
    }
}

/// The FuzzAudioFile input that made libsndfile loop, as hex.
private let hangingWAV = "524946465a00000057415645666d74201000000001000100803e0000803e0000010008004c49535462000000494e464f7800ffffffffffffffffffffffffffffffb1fffffffffffffffffffffffffffffffffffffffffffffffffffff7ffffffffffffffffffffffffffffffffffffffffffffffffffffffff64f90000000000000065666768696a6b6c6d6e6f707172737475767778797a8788898a8b"
