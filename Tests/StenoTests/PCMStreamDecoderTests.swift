import Foundation
import Testing
@testable import Steno

@Suite("PCMStreamDecoder")
struct PCMStreamDecoderTests {
    /// Decodes `bytes` fed in pieces of the given sizes (cycled), then finishes.
    static func decode(_ bytes: [UInt8], _ decoder: PCMStreamDecoder, pieces: [Int]) throws -> [Float] {
        var output: [Float] = []
        var start = 0, index = 0
        while start < bytes.count {
            let end = min(bytes.count, start + pieces[index % pieces.count])
            output += try decoder.decode(bytes[start..<end])
            start = end
            index += 1
        }
        return output + (try decoder.finish())
    }

    static func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    }

    /// A WAV stream: RIFF header, optional extra chunks before the data, fmt and data.
    static func wav(format: UInt16, bits: UInt16, channels: UInt16, rate: UInt32, data: [UInt8], dataSize: UInt32? = nil,
                    extraChunks: [(String, [UInt8])] = []) -> [UInt8] {
        var fmt = littleEndian([format, channels])
        fmt += littleEndian([rate, rate * UInt32(channels) * UInt32(bits / 8)])
        fmt += littleEndian([channels * (bits / 8), bits])
        var body = Array("WAVE".utf8)
        func chunk(_ id: String, _ payload: [UInt8], size: UInt32? = nil) {
            body += Array(id.utf8) + littleEndian([size ?? UInt32(payload.count)]) + payload
            if payload.count % 2 == 1 && size == nil { body.append(0) }
        }
        for (id, payload) in extraChunks { chunk(id, payload) }
        chunk("fmt ", fmt)
        chunk("data", data, size: dataSize)
        return Array("RIFF".utf8) + littleEndian([UInt32(body.count)]) + body
    }

    static let values: [Int16] = [0, 1, -1, 16_384, -16_384, 32_767, -32_768, 1234, -4321, 7, 300, -300, 5000, 12, 13]

    @Test("s16le, s32le and f32le decode to the expected floats whatever the byte pieces", arguments: [[1], [3], [7], [4096], [1, 2, 5, 11]])
    func rawEncodings(pieces: [Int]) throws {
        let s16 = try Self.decode(Self.littleEndian(Self.values), PCMStreamDecoder(encoding: .s16le), pieces: pieces)
        #expect(s16 == Self.values.map { Float($0) / 32_768 })

        let wide = Self.values.map { Int32($0) << 16 | 0x1234 }
        let s32 = try Self.decode(Self.littleEndian(wide), PCMStreamDecoder(encoding: .s32le), pieces: pieces)
        #expect(s32 == wide.map { Float($0) / 2_147_483_648 })

        let floats: [Float] = [0, 0.5, -0.25, 1, -1, 1e-7, 0.333]
        let f32 = try Self.decode(Self.littleEndian(floats.map(\.bitPattern)), PCMStreamDecoder(encoding: .f32le), pieces: pieces)
        #expect(f32 == floats)
    }

    @Test("Stereo is mixed to mono by averaging; a dangling partial frame is dropped and counted")
    func stereoAndDanglingBytes() throws {
        let pairs: [Int16] = [1000, 3000, -2000, 2000, 32_767, 32_767]
        let decoder = PCMStreamDecoder(encoding: .s16le, channels: 2)
        let bytes = Self.littleEndian(pairs) + [0x10, 0x20, 0x30]  // 3 bytes of a fourth frame
        let samples = try Self.decode(bytes, decoder, pieces: [5])
        #expect(samples == [2000 / 32_768, 0, 32_767 / 32_768])
        #expect(decoder.droppedBytes == 3)
        #expect(decoder.framesDecoded == 3)

        let odd = PCMStreamDecoder(encoding: .s16le)
        #expect(try Self.decode([1, 0, 2], odd, pieces: [1]) == [1 / 32_768])
        #expect(odd.droppedBytes == 1)
    }

    @Test("Inputs shorter than the 12 bytes held back to rule out a WAV header are still decoded")
    func shortInput() throws {
        #expect(try Self.decode(Self.littleEndian([Int16(5), 6, 7]), PCMStreamDecoder(encoding: .s16le), pieces: [1]) == [5, 6, 7].map { $0 / 32_768 })
        #expect(try Self.decode([], PCMStreamDecoder(encoding: .s16le), pieces: [1]).isEmpty)
        #expect(try Self.decode([], PCMStreamDecoder(encoding: .wav), pieces: [1]).isEmpty)
    }

    @Test("WAV: 8/16/24/32-bit PCM and 32-bit float, rate and channels from the header, other chunks skipped",
          arguments: [[1], [13], [100_000]])
    func wav(pieces: [Int]) throws {
        let list = ("LIST", Array("INFOISFT\u{5}\0\0\0steno".utf8))  // odd size: padded
        let pcm16 = Self.wav(format: 1, bits: 16, channels: 2, rate: 22_050, data: Self.littleEndian([Int16(100), 300, -50, -150]),
                             extraChunks: [list])
        let decoder = PCMStreamDecoder(encoding: .wav)
        #expect(try Self.decode(pcm16, decoder, pieces: pieces) == [200 / 32_768, -100 / 32_768])
        #expect(decoder.sampleRate == 22_050 && decoder.channels == 2)

        let int24: [UInt8] = [0x00, 0x00, 0x40, 0xFF, 0xFF, 0xFF]  // 0x400000 and -1
        let pcm24 = Self.wav(format: 1, bits: 24, channels: 1, rate: 8000, data: int24)
        #expect(try Self.decode(pcm24, PCMStreamDecoder(encoding: .wav), pieces: pieces) == [0.5, -1 / 8_388_608])

        let pcm32 = Self.wav(format: 1, bits: 32, channels: 1, rate: 48_000, data: Self.littleEndian([Int32.min, 1 << 30]))
        #expect(try Self.decode(pcm32, PCMStreamDecoder(encoding: .wav), pieces: pieces) == [-1, 0.5])

        let float = Self.wav(format: 3, bits: 32, channels: 1, rate: 16_000, data: Self.littleEndian([Float(0.25).bitPattern, Float(-2).bitPattern]))
        #expect(try Self.decode(float, PCMStreamDecoder(encoding: .wav), pieces: pieces) == [0.25, -2])

        let unsigned8 = Self.wav(format: 1, bits: 8, channels: 1, rate: 8000, data: [128, 192, 0])
        #expect(try Self.decode(unsigned8, PCMStreamDecoder(encoding: .wav), pieces: pieces) == [0, 0.5, -1])
    }

    @Test("WAV data sizes: 0 and 0xFFFFFFFF read to the end; a real size stops there, ignoring what follows")
    func wavDataSizes() throws {
        let data = Self.littleEndian([Int16(1), 2, 3, 4])
        for size: UInt32 in [0, 0xFFFF_FFFF] {
            let stream = Self.wav(format: 1, bits: 16, channels: 1, rate: 16_000, data: data, dataSize: size)
            #expect(try Self.decode(stream, PCMStreamDecoder(encoding: .wav), pieces: [3]) == [1, 2, 3, 4].map { $0 / 32_768 })
        }
        let sized = Self.wav(format: 1, bits: 16, channels: 1, rate: 16_000, data: data, dataSize: 4) // then 4 bytes of "junk"
        #expect(try Self.decode(sized, PCMStreamDecoder(encoding: .wav), pieces: [3]) == [1, 2].map { $0 / 32_768 })
    }

    @Test("WAV bytes given as a raw encoding are reported, whatever the pieces", arguments: [PCMEncoding.s16le, .s32le, .f32le])
    func wavOnRaw(encoding: PCMEncoding) throws {
        let stream = Self.wav(format: 1, bits: 16, channels: 1, rate: 16_000, data: Self.littleEndian([Int16](repeating: 9, count: 100)))
        for pieces in [[1], [5], [stream.count]] {
            #expect(throws: StreamFormatError(.wavOnRawInput)) { try Self.decode(stream, PCMStreamDecoder(encoding: encoding), pieces: pieces) }
        }
        #expect(StreamFormatError(.wavOnRawInput).description == "input looks like a WAV file; use --encoding wav")
    }

    @Test("Raw bytes given as wav, damaged or unsupported headers, and a stream ending inside its header are reported")
    func notWAV() throws {
        let raw = Self.littleEndian([Int16](repeating: 1000, count: 50))
        #expect(throws: StreamFormatError(.notWAV)) { try Self.decode(raw, PCMStreamDecoder(encoding: .wav), pieces: [1]) }
        let header = Array(Self.wav(format: 1, bits: 16, channels: 1, rate: 16_000, data: []).prefix(30))
        #expect(throws: StreamFormatError(.truncatedHeader)) { try Self.decode(header, PCMStreamDecoder(encoding: .wav), pieces: [7]) }
        let alaw = Self.wav(format: 6, bits: 8, channels: 1, rate: 8000, data: [1, 2])
        #expect {
            try Self.decode(alaw, PCMStreamDecoder(encoding: .wav), pieces: [4])
        } throws: { error in
            (error as? StreamFormatError)?.description.contains("format tag 6") == true
        }
    }

    @Test("NaN or infinity in f32le is an error naming the sample frame")
    func nonFinite() throws {
        let floats: [Float] = [0.1, 0.2, .nan, 0.3]
        let bytes = Self.littleEndian(floats.map(\.bitPattern))
        for pieces in [[1], [16]] {
            #expect(throws: StreamFormatError(.nonFiniteSample(frame: 2))) {
                try Self.decode(bytes, PCMStreamDecoder(encoding: .f32le), pieces: pieces)
            }
        }
        let infinite = Self.littleEndian([Float(1), 0, 0, 0, 0, .infinity].map(\.bitPattern))
        #expect(throws: StreamFormatError(.nonFiniteSample(frame: 5))) {
            try Self.decode(infinite, PCMStreamDecoder(encoding: .f32le), pieces: [24])
        }
    }

    @Test("A WAV written by libsndfile decodes to what AudioDecoder reads from it")
    func agreesWithLibsndfile() throws {
        let scratch = Scratch()
        let path = scratch.file("tone.wav")
        let tone = (0..<3000).map { Float(sin(Double($0) * 0.07)) * 0.5 }
        try AudioFileWriter.write(tone, sampleRate: 16_000, format: .wav16, to: path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let streamed = try Self.decode(bytes, PCMStreamDecoder(encoding: .wav), pieces: [333])
        #expect(streamed == (try AudioDecoder.decode(.file(path))).samples)
    }
}
