import Foundation
import Steno
import StenoTraining

// Steno's benchmarks. Run on a release build:
//   swift run -c release steno-bench frontend [seconds-of-audio] [repeats]
//   swift run -c release steno-bench network [workers] [repeats] [batch]   (workers: default the number of cores; batch 32)
//   swift run -c release steno-bench inference [repeats] | inference --audio FILE [--model MODEL]
//   swift run -c release steno-bench stream [MODEL AUDIO]
//   swift run -c release steno-bench formats MANIFEST [--limit N] [-- steno evaluate options]
//   swift run -c release steno-bench lm FILE [repeats]                      (LanguageModelBenchmark.swift)
//   swift run -c release steno-bench decoding --manifest FILE --config ...   (DecodingBenchmark.swift)
// Figures are medians over the repeats; OpenBLAS runs on one thread unless told otherwise.

BLASKernel.restartWithSuggestedCoreType()
print("OpenBLAS kernel: \(BLASKernel.name)")
var arguments = Array(CommandLine.arguments.dropFirst())
let usage = "usage: steno-bench frontend [seconds] [repeats] | steno-bench network [workers] [repeats] [batch] | steno-bench inference [repeats] | steno-bench inference --audio FILE [--model MODEL] | steno-bench stream [MODEL AUDIO] | steno-bench formats MANIFEST [--limit N] [-- evaluate options] | steno-bench lm FILE [repeats] | steno-bench decoding --manifest FILE --config ..."
// Asking for help runs nothing (before the -- that starts `formats`'s evaluate options).
if arguments.prefix(while: { $0 != "--" }).contains(where: { $0 == "--help" || $0 == "-h" }) {
    print(usage)
    exit(0)
}
let suite = arguments.first.map { Double($0) == nil ? arguments.removeFirst() : "frontend" } ?? "frontend"
if suite == "stream" {
    try runStreamBenchmark(modelPath: arguments.first, audioPath: arguments.dropFirst().first)
    exit(0)
}
if suite == "formats" {
    do {
        try FormatMatrix.run(arguments)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(1)
    }
    exit(0)
}
if suite == "lm" {
    guard let path = arguments.first else { print("usage: steno-bench lm FILE [repeats]"); exit(2) }
    try runLanguageModelBenchmark(path: path, repeats: arguments.dropFirst().first.flatMap(Int.init) ?? 21)
    exit(0)
}
if suite == "decoding" {
    do {
        try runDecodingBenchmark(Array(arguments))
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}
if suite == "inference" {
    if let index = arguments.firstIndex(of: "--audio"), index + 1 < arguments.count {
        let model = arguments.firstIndex(of: "--model").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        try runFileInferenceBenchmark(modelPath: model, audioPath: arguments[index + 1], repeats: 3)
    } else {
        runInferenceBenchmark(repeats: arguments.first.flatMap(Int.init) ?? 5)
    }
    exit(0)
}
if suite == "network" {
    let workers = arguments.first.flatMap(Int.init) ?? ProcessInfo.processInfo.activeProcessorCount
    runNetworkBenchmark(workers: workers, repeats: arguments.dropFirst().first.flatMap(Int.init) ?? 5,
                        batch: arguments.dropFirst(2).first.flatMap(Int.init) ?? 32)
    exit(0)
}
guard suite == "frontend" else {
    print(usage)
    exit(2)
}
BLASThreads.set(1)
let seconds = arguments.first.flatMap(Double.init) ?? 60
let repeats = arguments.dropFirst().first.flatMap(Int.init) ?? 9

/// A deterministic speech-like test signal: harmonics with a wandering pitch under a syllable-rate envelope, plus noise.
func testSignal(seconds: Double, rate: Int) -> [Float] {
    var generator = SplitMix64(seed: 42)
    var phase = 0.0
    return (0..<Int(seconds * Double(rate))).map { index in
        let t = Double(index) / Double(rate)
        let pitch = 120 + 30 * sin(2 * .pi * 0.7 * t)
        phase += 2 * .pi * pitch / Double(rate)
        let envelope = 0.5 + 0.5 * sin(2 * .pi * 4 * t)
        let voiced = (1...8).reduce(0.0) { $0 + sin(Double($1) * phase) / Double($1) }
        return Float(0.2 * envelope * voiced + 0.01 * (generator.uniform() * 2 - 1))
    }
}

/// Runs `body` `repeats` times and returns the median wall time in seconds.
func medianSeconds(_ body: () throws -> Void) rethrows -> Double {
    try medianSeconds(repeats: repeats, body)
}

/// Runs `body` `repeats` times and returns the median wall time in seconds.
func medianSeconds(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.sorted()[times.count / 2]
}

func report(_ name: String, seconds audio: Double, wall: Double) {
    let line = "\(name.padding(toLength: 46, withPad: " ", startingAt: 0)) \(String(format: "%9.1f", audio / wall))× real time   (median \(String(format: "%.2f", wall * 1000)) ms for \(Int(audio)) s)"
    print(line)
}

let folder = NSTemporaryDirectory() + "steno-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: folder) }

let signal16k = testSignal(seconds: seconds, rate: 16_000)
let signal44k = testSignal(seconds: seconds, rate: 44_100)
let files: [(String, [Float], Int, AudioFileFormat)] = [
    ("16 kHz WAV 16-bit", signal16k, 16_000, .wav16),
    ("16 kHz FLAC", signal16k, 16_000, .flac16),
    ("16 kHz Opus", signal16k, 16_000, .oggOpus),
    ("44.1 kHz WAV 16-bit (resampled)", signal44k, 44_100, .wav16),
]
for (name, samples, rate, format) in files {
    try AudioFileWriter.write(samples, sampleRate: rate, format: format, to: "\(folder)/\(name.hashValue).\(format.rawValue)")
}
func path(_ name: String, _ format: AudioFileFormat) -> String { "\(folder)/\(name.hashValue).\(format.rawValue)" }

print("Steno frontend throughput, one thread, \(Int(seconds)) s of audio, median of \(repeats) runs")
let fbank80 = FeatureOptions.fbank(bins: 80)
let extractor = FeatureExtractor(options: fbank80)

let wav = path(files[0].0, .wav16)
report("decode only: 16 kHz WAV 16-bit", seconds: seconds, wall: try medianSeconds { _ = try AudioDecoder.decode(.file(wav)) })
report("fbank 80 only (samples in memory)", seconds: seconds, wall: try medianSeconds { _ = try extractor.compute(signal16k) })
report("mfcc 13 only (samples in memory)", seconds: seconds, wall: try medianSeconds { _ = try FeatureExtractor(options: .mfcc()).compute(signal16k) })
for (name, _, _, format) in files {
    let frontend = Frontend(features: fbank80)
    let file = path(name, format)
    report("decode + fbank 80: \(name)", seconds: seconds, wall: try medianSeconds { _ = try frontend.compute(.file(file)) })
}

// Training's augmentation resamples whole utterances (speed perturbation, 8 kHz round trips): Steno's
// polyphase resampler against libsamplerate's fastest sinc converter, which it replaced there.
func libsamplerate(_ samples: [Float], from: Int, to: Int) throws -> [Float] {
    var output: [Float] = []
    let resampler = try Resampler(from: from, to: to, quality: .fastest, name: "bench")
    try samples.withUnsafeBufferPointer { try resampler.process($0, endOfInput: true, appendingTo: &output) }
    return output
}
for (name, from, to) in [("14.4 → 16 kHz (speed 0.9)", 14_400, 16_000), ("17.6 → 16 kHz (1.1)", 17_600, 16_000),
                         ("16 → 8 kHz", 16_000, 8_000), ("8 → 16 kHz", 8_000, 16_000)] {
    let input = testSignal(seconds: seconds, rate: from)
    let polyphase = PolyphaseResampler(from: from, to: to)!
    let ours = try medianSeconds { _ = polyphase.resample(input) }
    let theirs = try medianSeconds { _ = try libsamplerate(input, from: from, to: to) }
    report("polyphase: \(name)", seconds: seconds, wall: ours)
    report("libsamplerate fastest: \(name)", seconds: seconds, wall: theirs)
    print(String(format: "  polyphase / libsamplerate speed: %.1f×", theirs / ours))
}
