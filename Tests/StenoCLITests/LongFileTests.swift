import Foundation
import Testing

@Suite("Long files")
struct LongFileTests {
    @Test("A 2-hour file is transcribed in bounded memory: under 150 MB, growing less than 16 MB after the first quarter of the run")
    func twoHours() throws {
        let scratch = Scratch()
        let audio = scratch.file("two-hours.wav")
        try writeSpeechLikeNoise(seconds: 7_200, to: audio)
        let model = try tinyModel(in: scratch)
        let process = Process()
        process.executableURL = stenoBinary
        process.arguments = ["transcribe", "--model", model, "--format", "json", audio]
        FileManager.default.createFile(atPath: scratch.file("out"), contents: nil)
        FileManager.default.createFile(atPath: scratch.file("err"), contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.file("out")))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: scratch.file("err")))
        let start = Date()
        try process.run()
        // (seconds since the start, peak resident memory so far in kB), read from /proc while it runs.
        var peaks: [(seconds: Double, kB: Int)] = []
        while process.isRunning {
            if let kB = peakResidentKB(of: process.processIdentifier) { peaks.append((Date().timeIntervalSince(start), kB)) }
            usleep(50_000)
        }
        process.waitUntilExit()
        let stderr = try String(contentsOfFile: scratch.file("err"), encoding: .utf8)
        #expect(process.terminationReason == .exit && process.terminationStatus == 0, "\(stderr)")
        let output = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.file("out")))) as? [String: Any]
        let duration = try #require(output?["duration"] as? Double, "a JSON transcript with the audio's duration")
        #expect(abs(duration - 7_200) < 0.01)
        let last = try #require(peaks.last, "no memory readings")
        let early = try #require(peaks.last { $0.seconds <= last.seconds / 4 }, "the run was too short to sample")
        // The file holds 230 MB of samples (460 MB as floats) and 230 MB of features (80 floats every
        // 10 ms): holding any of them, decoded up front or gathered as it goes, would show here.
        let readings = "peak RSS \(early.kB) kB at \(early.seconds) s, \(last.kB) kB at \(last.seconds) s"
        #expect(last.kB - early.kB < 16_384, "\(readings)")
        #expect(last.kB < 150_000, "\(readings)")
    }
}

/// The high-water mark of a process's resident memory (VmHWM) in kB, or nil once it has gone.
private func peakResidentKB(of pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
    return Int(line.split(separator: " ")[1])
}

/// Writes a 16 kHz 16-bit mono WAV of `seconds`: 10 s of noise bursts with pauses, repeated.
private func writeSpeechLikeNoise(seconds: Int, to path: String) throws {
    let rate = 16_000, dataBytes = seconds * rate * 2
    func littleEndian(_ value: Int, _ bytes: Int) -> [UInt8] { (0..<bytes).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    var header = Array("RIFF".utf8) + littleEndian(36 + dataBytes, 4) + Array("WAVEfmt ".utf8) + littleEndian(16, 4)
    header += littleEndian(1, 2) + littleEndian(1, 2) + littleEndian(rate, 4) + littleEndian(rate * 2, 4) + littleEndian(2, 2) + littleEndian(16, 2)
    header += Array("data".utf8) + littleEndian(dataBytes, 4)
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    var block = [Int16](repeating: 0, count: 10 * rate)
    for index in block.indices where index % (2 * rate) < rate * 3 / 2 {  // 1.5 s of sound, 0.5 s of silence
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        block[index] = Int16(truncatingIfNeeded: Int(state >> 33) % 8_000 - 4_000)
    }
    let blockData = block.withUnsafeBytes { Data($0) }
    FileManager.default.createFile(atPath: path, contents: Data(header))
    let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? file.close() }
    try file.seekToEnd()
    for _ in 0..<(seconds / 10) { try file.write(contentsOf: blockData) }
}
