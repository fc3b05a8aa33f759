import Foundation
import StenoAudio

/// A fresh temporary folder per test, removed when the value is released.
final class TemporaryFolder {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "steno-audio-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    /// Writes raw bytes to a file in the folder and returns its path.
    func write(_ bytes: [UInt8], to name: String) -> String {
        FileManager.default.createFile(atPath: file(name), contents: Data(bytes))
        return file(name)
    }
}

/// `seconds` of a sine at `frequency` Hz and amplitude `amplitude`, sampled at `rate` Hz.
func sine(frequency: Double, seconds: Double, rate: Int, amplitude: Double = 0.5) -> [Float] {
    (0..<Int(seconds * Double(rate))).map { Float(amplitude * sin(2 * .pi * frequency * Double($0) / Double(rate))) }
}

/// Interleaves channels of equal length into `[frames, channels]`.
func interleave(_ channels: [[Float]]) -> [Float] {
    var out: [Float] = []
    for frame in 0..<channels[0].count { for channel in channels { out.append(channel[frame]) } }
    return out
}

/// Power of `samples` at `frequency` Hz (Goertzel), normalised by length.
func power(of samples: [Float], at frequency: Double, rate: Int) -> Double {
    let coefficient = 2 * cos(2 * .pi * frequency / Double(rate))
    var s1 = 0.0, s2 = 0.0
    for sample in samples {
        let s0 = Double(sample) + coefficient * s1 - s2
        s2 = s1
        s1 = s0
    }
    return (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / Double(samples.count * samples.count)
}

/// A canonical 44-byte-header PCM WAV file, built by hand so tests can damage any field.
func wavBytes(int16 samples: [Int16], channels: Int = 1, rate: Int = 16_000, declaredDataBytes: Int? = nil) -> [UInt8] {
    func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    func u16(_ v: Int) -> [UInt8] { (0..<2).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    let data = samples.flatMap { u16(Int($0)) }
    let dataBytes = declaredDataBytes ?? data.count
    var bytes = Array("RIFF".utf8) + u32(36 + dataBytes) + Array("WAVE".utf8)
    bytes += Array("fmt ".utf8) + u32(16) + u16(1) + u16(channels) + u32(rate) + u32(rate * channels * 2) + u16(channels * 2) + u16(16)
    bytes += Array("data".utf8) + u32(dataBytes) + data
    return bytes
}

/// A float WAV file built by hand (format 3, 32-bit IEEE float).
func floatWavBytes(_ samples: [Float], rate: Int = 16_000) -> [UInt8] {
    func u32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    func u16(_ v: Int) -> [UInt8] { (0..<2).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    let data = samples.flatMap { u32(Int($0.bitPattern)) }
    var bytes = Array("RIFF".utf8) + u32(36 + data.count) + Array("WAVE".utf8)
    bytes += Array("fmt ".utf8) + u32(16) + u16(3) + u16(1) + u32(rate) + u32(rate * 4) + u16(4) + u16(32)
    bytes += Array("data".utf8) + u32(data.count) + data
    return bytes
}
