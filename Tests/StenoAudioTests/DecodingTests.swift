import Foundation
import Testing
@testable import StenoAudio

@Suite("Decoding formats, mixing and resampling")
struct DecodingTests {
    @Test("Integer and float WAV decode to the written samples within one quantisation step",
          arguments: [(AudioFileFormat.wavUnsigned8, 8), (.wav16, 16), (.wav24, 24), (.wav32, 32), (.wavFloat, 32)])
    func wavDepths(format: AudioFileFormat, bits: Int) throws {
        let folder = TemporaryFolder()
        let tone = sine(frequency: 440, seconds: 0.25, rate: 16_000)
        let path = folder.file("tone.wav")
        try AudioFileWriter.write(tone, sampleRate: 16_000, format: format, to: path)
        let audio = try AudioDecoder.decode(.file(path))
        #expect(audio.sampleRate == 16_000)
        #expect(audio.samples.count == tone.count)
        // One step of a `bits`-bit quantiser spans 2 / 2^bits.
        let step = format == .wavFloat ? 0 : 2 / pow(2, Float(bits))
        let worst = zip(audio.samples, tone).map { abs($0 - $1) }.max()!
        #expect(worst <= step)
    }

    @Test("Header fields: container, encoding, rate, channels, frames")
    func info() throws {
        let folder = TemporaryFolder()
        let path = folder.file("stereo.flac")
        let left = sine(frequency: 300, seconds: 0.5, rate: 22_050)
        try AudioFileWriter.write(interleave([left, left]), channels: 2, sampleRate: 22_050, format: .flac16, to: path)
        let info = try AudioDecoder.info(.file(path))
        #expect(info.container.hasPrefix("FLAC"))
        #expect(info.encoding == "Signed 16 bit PCM")
        #expect(info.sampleRate == 22_050)
        #expect(info.channels == 2)
        #expect(info.frames == Int64(left.count))
        #expect(abs(info.duration - 0.5) < 1e-4)
    }

    @Test("Compressed and other containers decode to the tone they hold",
          arguments: [AudioFileFormat.flac16, .oggVorbis, .oggOpus, .aiff16, .mp3])
    func compressedFormats(format: AudioFileFormat) throws {
        let folder = TemporaryFolder()
        // Opus only runs at 8, 12, 16, 24 or 48 kHz; 48 kHz also exercises resampling.
        let rate = 48_000
        let tone = sine(frequency: 1_000, seconds: 1.0, rate: rate)
        let path = folder.file("tone.\(format.rawValue)")
        try AudioFileWriter.write(tone, sampleRate: rate, format: format, to: path)
        let audio = try AudioDecoder.decode(.file(path))
        #expect(audio.sampleRate == 16_000)
        // Lossy codecs add or trim encoder delay; a 5 % margin on the duration covers them.
        #expect(abs(audio.duration - 1.0) < 0.05, "duration \(audio.duration) s")
        let middle = Array(audio.samples[4_000..<12_000])
        let atTone = power(of: middle, at: 1_000, rate: 16_000)
        let offTone = power(of: middle, at: 2_500, rate: 16_000)
        // A 0.5-amplitude sine has Goertzel power (A/2)^2 = 0.0625; codecs keep most of it.
        #expect(atTone > 0.04, "power at 1 kHz \(atTone)")
        #expect(offTone < atTone / 1_000)
    }

    @Test("Channels are averaged: opposite channels cancel, equal channels stay")
    func mixdown() throws {
        let folder = TemporaryFolder()
        let tone = sine(frequency: 440, seconds: 0.2, rate: 16_000)
        let path = folder.file("stereo.wav")
        let inverted = tone.map { -$0 }
        let quiet = tone.map { $0 * 0.5 }
        try AudioFileWriter.write(interleave([tone, inverted, quiet]), channels: 3, sampleRate: 16_000, format: .wavFloat, to: path)
        let audio = try AudioDecoder.decode(.file(path))
        #expect(audio.samples.count == tone.count)
        let worst = zip(audio.samples, quiet).map { abs($0 - $1 / 3) }.max()!
        #expect(worst < 1e-6)
    }

    @Test("Resampling 44.1 kHz to 16 kHz keeps a 1 kHz tone and the duration", arguments: ResamplerQuality.allCases)
    func resampling(quality: ResamplerQuality) throws {
        let folder = TemporaryFolder()
        let path = folder.file("cd.wav")
        try AudioFileWriter.write(sine(frequency: 1_000, seconds: 1.0, rate: 44_100), sampleRate: 44_100, format: .wavFloat, to: path)
        let audio = try AudioDecoder.decode(.file(path), quality: quality)
        #expect(abs(audio.samples.count - 16_000) <= 2)
        let expected = sine(frequency: 1_000, seconds: 1.0, rate: 16_000)
        // Compare away from the edges, where the filters start and stop.
        let error = (2_000..<14_000).map { abs(audio.samples[$0] - expected[$0]) }.max()!
        // Sinc converters are accurate to ~1e-4 here; libsamplerate's linear converter lags by
        // one input sample (0.07 at this slope) and zero-order hold by up to two.
        let tolerance: Float = switch quality {
        case .best, .medium, .fastest: 2e-3
        case .linear: 0.1
        case .zeroOrderHold: 0.2
        }
        #expect(error < tolerance, "max error \(error)")
    }

    @Test("Block size does not change the result", arguments: [1, 100, 4_096, 1 << 20])
    func blockSizes(blockFrames: Int) throws {
        let folder = TemporaryFolder()
        let path = folder.file("speechlike.wav")
        var random = SystemRandomNumberGenerator()
        let noise = (0..<20_000).map { _ in Float.random(in: -0.5...0.5, using: &random) }
        try AudioFileWriter.write(noise, sampleRate: 22_050, format: .wavFloat, to: path)
        let whole = try AudioDecoder.decode(.file(path)).samples
        let reader = try MonoAudioReader(.file(path), blockFrames: blockFrames)
        let blocks = try reader.readAll()
        #expect(blocks.count == whole.count)
        // The converter carries its state across blocks, so the output matches to float rounding.
        let error = zip(blocks, whole).map { abs($0 - $1) }.max()!
        #expect(error < 1e-5)
    }

    @Test("Bytes in memory decode like the same file on disk")
    func memorySource() throws {
        let folder = TemporaryFolder()
        let path = folder.file("tone.flac")
        try AudioFileWriter.write(sine(frequency: 500, seconds: 0.3, rate: 16_000), sampleRate: 16_000, format: .flac16, to: path)
        let bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        let fromMemory = try AudioDecoder.decode(.bytes(bytes, name: "memory.flac"))
        let fromDisk = try AudioDecoder.decode(.file(path))
        #expect(fromMemory.samples == fromDisk.samples)
        #expect(fromMemory.source.name == "memory.flac")
    }

    @Test("Resampler output does not depend on how the input is split")
    func resamplerChunking() throws {
        let input = sine(frequency: 700, seconds: 0.5, rate: 8_000)
        var whole: [Float] = []
        try input.withUnsafeBufferPointer { try Resampler(from: 8_000, to: 16_000, name: "t").process($0, endOfInput: true, appendingTo: &whole) }
        let resampler = try Resampler(from: 8_000, to: 16_000, name: "t")
        var pieces: [Float] = []
        var start = 0
        for size in [1, 7, 160, 33, 999, 2, 10_000] where start < input.count {
            let end = min(input.count, start + size)
            try input[start..<end].withUnsafeBufferPointer { try resampler.process($0, endOfInput: end == input.count, appendingTo: &pieces) }
            start = end
        }
        if start < input.count {
            try input[start...].withUnsafeBufferPointer { try resampler.process($0, endOfInput: true, appendingTo: &pieces) }
        }
        #expect(pieces.count == whole.count)
        #expect(zip(pieces, whole).map { abs($0 - $1) }.max()! < 1e-5)
    }
}
