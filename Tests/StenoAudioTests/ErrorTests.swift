import Foundation
import Testing
@testable import StenoAudio

@Suite("Bad input gives typed errors naming the file")
struct ErrorTests {
    /// Decodes `path` and returns the error it must raise.
    func failure(_ path: String) -> AudioError? {
        do {
            _ = try AudioDecoder.decode(.file(path))
            return nil
        } catch {
            return error
        }
    }

    @Test func missingFile() {
        let error = failure("/nonexistent/steno/missing.wav")
        #expect(error?.kind == .fileNotFound)
        #expect(error?.description == "/nonexistent/steno/missing.wav: no such file")
    }

    @Test func directory() {
        let folder = TemporaryFolder()
        #expect(failure(folder.path)?.kind == .isDirectory)
    }

    @Test func emptyFile() {
        let folder = TemporaryFolder()
        let error = failure(folder.write([], to: "empty.wav"))
        #expect(error?.kind == .emptyFile)
        #expect(error?.description.contains("empty.wav: the file is empty") == true)
    }

    @Test func textFile() {
        let folder = TemporaryFolder()
        let path = folder.write(Array(String(repeating: "not audio at all\n", count: 20).utf8), to: "notes.wav")
        guard case .notAudio = failure(path)?.kind else { Issue.record("expected notAudio"); return }
        #expect(failure(path)!.description.hasPrefix(path + ": not a recognised audio file"))
    }

    @Test func truncatedHeader() {
        let folder = TemporaryFolder()
        let path = folder.write(Array(wavBytes(int16: [1, 2, 3]).prefix(30)), to: "short.wav")
        guard case .malformed = failure(path)?.kind else { Issue.record("expected malformed, got \(String(describing: failure(path)))"); return }
    }

    @Test("A header that declares more data than the file holds")
    func truncatedData() {
        let folder = TemporaryFolder()
        let samples = [Int16](repeating: 1_000, count: 1_000)
        let path = folder.write(wavBytes(int16: samples, declaredDataBytes: 8_000), to: "cut.wav")
        let error = failure(path)
        #expect(error?.kind == .truncated(declared: "8000 bytes of audio data", found: "2000"))
        #expect(error?.description.contains("truncated") == true)
    }

    @Test("Absurd channel counts", arguments: [0, 5_000, 300])
    func channelCounts(channels: Int) {
        let folder = TemporaryFolder()
        let path = folder.write(wavBytes(int16: [Int16](repeating: 0, count: 600), channels: channels), to: "channels.wav")
        #expect(failure(path)?.kind == .invalidChannelCount(channels))
    }

    @Test("Absurd sample rates", arguments: [0, 1, 3_000_000_000])
    func sampleRates(rate: Int) {
        let folder = TemporaryFolder()
        let path = folder.write(wavBytes(int16: [Int16](repeating: 0, count: 600), rate: rate), to: "rate.wav")
        #expect(failure(path)?.kind == .invalidSampleRate(rate))
    }

    @Test("NaN and infinity in float samples", arguments: [Float.nan, .infinity, -.infinity])
    func nonFinite(value: Float) {
        let folder = TemporaryFolder()
        var samples = [Float](repeating: 0.1, count: 1_000)
        samples[777] = value
        let path = folder.write(floatWavBytes(samples), to: "nan.wav")
        #expect(failure(path)?.kind == .nonFiniteSample(frame: 777))
    }

    @Test("A valid header with no samples")
    func zeroSamples() {
        let folder = TemporaryFolder()
        let path = folder.write(wavBytes(int16: []), to: "silent.wav")
        #expect(failure(path)?.kind == .noSamples)
    }

    @Test("A file without read permission", .enabled(if: geteuid() != 0, "root reads every file"))
    func unreadable() throws {
        let folder = TemporaryFolder()
        let path = folder.write(wavBytes(int16: [1, 2, 3]), to: "locked.wav")
        chmod(path, 0)
        guard case .unreadable = failure(path)?.kind else { Issue.record("expected unreadable"); return }
    }

    @Test("Empty bytes from memory or standard input")
    func emptyBytes() {
        #expect(throws: AudioError(file: "-", kind: .emptyFile)) { try AudioDecoder.decode(.bytes([], name: "-")) }
        #expect(AudioError(file: "-", kind: .emptyFile).description == "standard input: the file is empty (0 bytes)")
    }

    @Test("Unconvertible rates are refused by the resampler")
    func badRatio() {
        #expect(throws: AudioError.self) { try Resampler(from: 1, to: 16_000, name: "x") }
        #expect(throws: AudioError.self) { try Resampler(from: 16_000, to: 0, name: "x") }
    }

    @Test("The WAV header peek reads channels and rate")
    func headerPeek() {
        let fields = WAVHeaderFields(wavBytes(int16: [0, 0], channels: 2, rate: 8_000))
        #expect(fields?.channels == 2)
        #expect(fields?.sampleRate == 8_000)
        #expect(WAVHeaderFields(Array("hello".utf8)) == nil)
    }
}

@Suite("Truncated and estimated lengths")
struct TruncationTests {
    @Test("A WAV cut short is an error unless truncation is accepted; then it decodes what is there and says how much is missing")
    func acceptedTruncation() throws {
        let folder = NSTemporaryDirectory() + "steno-truncation-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let samples = (0..<16_000).map { Float(0.3 * sin(Double($0) / 10)) }
        try AudioFileWriter.write(samples, sampleRate: 16_000, format: .wav16, to: folder + "/whole.wav")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/whole.wav"))
        try bytes.prefix(44 + 16_000).write(to: URL(fileURLWithPath: folder + "/cut.wav"))  // half the samples
        #expect(throws: AudioError.self) { try AudioDecoder.decode(.file(folder + "/cut.wav")) }
        let reader = try MonoAudioReader(.file(folder + "/cut.wav"), acceptsTruncation: true)
        let decoded = try reader.readAll()
        #expect(decoded.count == 8_000)
        #expect(zip(decoded, samples).allSatisfy { abs($0 - $1) <= 1.0 / 32_768 })
        #expect(reader.shortfall == 8_000)
    }

    @Test("An estimated length may be off by encoder delay and padding, not by a cut")
    func estimateTolerance() {
        #expect(MonoAudioReader.estimateTolerance(declared: 585_406) >= 585_406 - 584_064)  // LAME at 44.1 kHz, from the issue
        #expect(MonoAudioReader.estimateTolerance(declared: 44_100 * 600) < 44_100 * 10)  // a 10-minute file missing 10 s is cut
    }
}
