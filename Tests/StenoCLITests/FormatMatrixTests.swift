import Foundation
import Testing

@Suite("Format matrix (steno-bench formats)")
struct FormatMatrixTests {
    @Test("Renders a manifest seven ways, evaluates each with steno evaluate and prints one table")
    func endToEnd() throws {
        let scratch = Scratch()
        let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("samples")
        let manifest = scratch.file("m.tsv")
        try "\(samples.path)/hello.wav\thello world this is steno\n\(samples.path)/digits.wav\tone two three four five\n"
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let bench = stenoBinary.deletingLastPathComponent().appendingPathComponent("steno-bench")
        let result = try steno(["formats", manifest, "--keep", scratch.file("renderings"), "--", "--no-lm"], executable: bench)
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| rendering") }
        #expect(rows.count == 8, "\(result.stdout)")
        for name in ["as given", "16 kHz FLAC", "8 kHz μ-law WAV", "8 kHz 16-bit WAV", "44.1 kHz stereo MP3", "48 kHz Opus", "25 dB quieter", "10 dB SNR"] {
            #expect(rows.contains { $0.contains(name) }, "no row for \(name)")
        }
        // Every row holds two percentages.
        for row in rows { #expect(row.split(separator: "|").filter { $0.contains("%") }.count == 2, "\(row)") }
        // The renderings are what they claim: 8 kHz μ-law and 44.1 kHz stereo MP3.
        let info = try steno(["info", scratch.file("renderings/r1-0.wav"), scratch.file("renderings/r3-0.mp3")])
        #expect(info.stdout.contains("sample rate: 8000 Hz") && info.stdout.lowercased().contains("u-law"), "\(info.stdout)")
        #expect(info.stdout.contains("sample rate: 44100 Hz") && info.stdout.contains("channels: 2"), "\(info.stdout)")
    }
}
