import Foundation
import Testing
@testable import StenoFeatures

@Suite("Framing, streaming and dither")
struct ExtractorTests {
    static let signal = testSignal(samples: 16_000 + 123)

    @Test("Frame counts with and without snipped edges, including short signals", arguments: [
        // snipped: samples < 400 ? 0 : 1 + (samples - 400) / 160; not snipped: (samples + 80) / 160.
        (0, 0, 0), (1, 0, 0), (79, 0, 0), (80, 0, 1), (239, 0, 1), (240, 0, 2), (399, 0, 2), (400, 1, 3),
        (559, 1, 3), (560, 2, 4), (16_000, 98, 100), (16_123, 99, 101),
    ])
    func frameCounts(samples: Int, snipped: Int, unsnipped: Int) throws {
        let signal = testSignal(samples: samples)
        var options = FeatureOptions.fbank(bins: 23)
        #expect(try FeatureExtractor(options: options).compute(signal).frameCount == snipped)
        options.frame.snipEdges = false
        let frames = try FeatureExtractor(options: options).compute(signal)
        #expect(frames.frameCount == unsnipped)
        #expect(frames.values.allSatisfy { $0.isFinite })
    }

    /// Streams `signal` in chunks of the given sizes (cycled) and returns all frames.
    static func stream(_ signal: [Float], options: FeatureOptions, chunks: [Int]) throws -> FeatureMatrix {
        let extractor = try OnlineFeatureExtractor(options: options)
        var frames = FeatureMatrix(dimension: options.dimension)
        var start = 0, index = 0
        while start < signal.count {
            let end = min(start + chunks[index % chunks.count], signal.count)
            frames.append(extractor.accept(signal[start..<end]))
            start = end
            index += 1
        }
        frames.append(extractor.finish())
        return frames
    }

    static let variants: [(String, FeatureOptions)] = {
        var nosnip = FeatureOptions.fbank(bins: 80)
        nosnip.frame.snipEdges = false
        var dither = FeatureOptions.mfcc()
        dither.frame.dither = 1
        dither.frame.ditherSeed = 7
        var ditherNosnip = FeatureOptions.spectrogram()
        ditherNosnip.frame.dither = 1
        ditherNosnip.frame.snipEdges = false
        return [("fbank 80", .fbank(bins: 80)), ("fbank 80 no snip", nosnip), ("mfcc dither", dither),
                ("spectrogram dither no snip", ditherNosnip)]
    }()

    @Test("Online frames equal offline frames bit for bit, whatever the chunking",
          arguments: [[1], [7], [160], [400], [5000], randomChunks(total: 16_123, maximum: 900, seed: 3), randomChunks(total: 16_123, maximum: 37, seed: 4)])
    func onlineEqualsOffline(chunks: [Int]) throws {
        for (name, options) in Self.variants {
            let offline = try FeatureExtractor(options: options).compute(Self.signal)
            let online = try Self.stream(Self.signal, options: options, chunks: chunks)
            #expect(online.frameCount == offline.frameCount, "\(name)")
            #expect(online.values == offline.values, "\(name), chunks \(chunks.prefix(3))")
        }
    }

    @Test("accept returns the frames completed so far; finish the reflected tail")
    func incremental() throws {
        var options = FeatureOptions.fbank(bins: 23)
        options.frame.snipEdges = false
        let extractor = try OnlineFeatureExtractor(options: options)
        #expect(extractor.accept([Float](repeating: 0.1, count: 279)).frameCount == 0)
        #expect(extractor.accept([Float](repeating: 0.1, count: 1)).frameCount == 1)  // frame 0 ends at 280
        #expect(extractor.finish().frameCount == 1)  // (280 + 80) / 160 = 2 frames in all
        // finish() resets: the extractor takes a new stream.
        #expect(extractor.samplesAccepted == 0 && extractor.framesOutput == 0)
        #expect(extractor.accept(Self.signal).frameCount > 0)
    }

    @Test("The sample buffer stays bounded over a long stream")
    func boundedBuffer() throws {
        for snip in [true, false] {
            var options = FeatureOptions.fbank(bins: 80)
            options.frame.snipEdges = snip
            let extractor = try OnlineFeatureExtractor(options: options)
            let chunk = testSignal(samples: 16_000)
            var frames = 0
            for index in 0..<600 {  // 10 minutes, in chunks of 1 s and then of 7 s
                frames += extractor.accept(index < 540 ? chunk : chunk + chunk + chunk + chunk + chunk + chunk + chunk).frameCount
                #expect(extractor.bufferedSampleCount < 400, "a frame is 400 samples")
            }
            #expect(extractor.bufferCapacity <= 2 * (400 + OnlineFeatureExtractor.blockSize))
            let total = 540 * 16_000 + 60 * 7 * 16_000
            #expect(frames + extractor.finish().frameCount == (snip ? 1 + (total - 400) / 160 : (total + 80) / 160))
        }
    }

    @Test("Dither is deterministic: same seed same frames, another seed other frames")
    func ditherDeterminism() throws {
        var options = FeatureOptions.fbank(bins: 40)
        options.frame.dither = 1
        let silence = [Float](repeating: 0, count: 4_000)
        let a = try FeatureExtractor(options: options).compute(silence)
        let b = try FeatureExtractor(options: options).compute(silence)
        #expect(a == b)
        options.frame.ditherSeed = 1
        let c = try FeatureExtractor(options: options).compute(silence)
        #expect(a != c)
        // Dither is Gaussian of standard deviation 1 (16-bit units): log-mel of silence becomes finite
        // and well above log(FLT_EPSILON) ≈ -15.9.
        #expect(a.values.allSatisfy { $0.isFinite && $0 > -10 })
        options.frame.dither = 0
        let plain = try FeatureExtractor(options: options).compute(silence)
        #expect(plain.values.allSatisfy { $0 == logf(.ulpOfOne) })
    }

    @Test("Gaussian generator: mean 0, variance 1, reproducible")
    func gaussian() {
        var g = GaussianGenerator(seed: 42), h = GaussianGenerator(seed: 42)
        let n = 100_000
        var sum = 0.0, squares = 0.0
        for _ in 0..<n {
            let x = g.nextGaussian()
            #expect(x == h.nextGaussian())
            sum += x
            squares += x * x
        }
        // Standard errors: 1/sqrt(n) ≈ 0.003 for the mean, sqrt(2/n) ≈ 0.0045 for the variance.
        #expect(abs(sum / Double(n)) < 0.015)
        #expect(abs(squares / Double(n) - 1) < 0.025)
    }

    @Test("Dimensions and energy placement")
    func dimensions() throws {
        #expect(FeatureOptions.fbank(bins: 80).dimension == 80)
        #expect(FeatureOptions.mfcc().dimension == 13)
        #expect(FeatureOptions.spectrogram().dimension == 257)
        var energy = FeatureOptions.fbank(bins: 23)
        energy.useEnergy = true
        #expect(energy.dimension == 24)
        let signal = testSignal(samples: 2_000)
        let plain = try FeatureExtractor(options: .fbank(bins: 23)).compute(signal)
        let first = try FeatureExtractor(options: energy).compute(signal)
        energy.htkCompat = true
        let last = try FeatureExtractor(options: energy).compute(signal)
        for t in 0..<plain.frameCount {
            #expect(Array(first[t].dropFirst()) == Array(plain[t]))
            #expect(Array(last[t].dropLast()) == Array(plain[t]))
            #expect(first[t].first == last[t].last)
        }
        #expect(FeatureOptions.mfcc().useEnergy && !FeatureOptions.fbank().useEnergy)
    }

    @Test("Input scale: features of x with scale s equal features of x * s with scale 1")
    func inputScale() throws {
        let signal = testSignal(samples: 3_000)
        var unit = FeatureOptions.fbank(bins: 40)
        unit.frame.inputScale = 1
        let scaled = try FeatureExtractor(options: unit).compute(signal.map { $0 * 32_768 })
        #expect(scaled == (try FeatureExtractor(options: .fbank(bins: 40)).compute(signal)))
    }
}
