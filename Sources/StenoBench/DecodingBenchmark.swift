import Foundation
import Steno

// steno-bench decoding: accuracy, out-of-vocabulary recall, word confidences and decoding speed of
// decoder settings over manifests, with the network run once per utterance (its log posteriors are
// cached, so a grid of settings costs only the searches).
//
//   steno-bench decoding --manifest FILE... [--model FILE] [--lm FILE] [--cache FILE]
//                        [--words FILE] --config "NAME key=value ..." ...
//
// Keys of a config: beam (1 = best path), alpha, beta, unk, char (the unknown-word model),
// vocab=open|closed (closed: only the LM's words), calibrate=0|1 (0: no calibration, evidence only).
// Prints one TSV row per config: WER with its counts, the recall of reference words outside the
// LM (bag of words per utterance), and the decoding time over the audio time, wall and CPU (one
// core; the network's own time is printed once). --words writes every hypothesis word of every config:
// config, utterance, word, correct (aligned to an identical reference word), the evidence and the
// confidence; tools/calibrate_confidence.py fits and scores confidences from it.

struct DecodingConfig {
    var name: String
    var beam = 16, alpha: Float = 0.5, beta: Float = 2, unk: Float = 0, char: Float = 0
    var closed = false
    var calibrate = true

    init(_ text: String) throws {
        var parts = text.split(separator: " ").map(String.init)
        name = parts.isEmpty ? "default" : parts.removeFirst()
        for part in parts {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { throw BenchError("config \(text): expected key=value, got \(part)") }
            let (key, value) = (pair[0], pair[1])
            func number() throws -> Float {
                guard let x = Float(value) else { throw BenchError("config \(text): \(key) needs a number") }
                return x
            }
            switch key {
            case "beam": beam = Int(try number())
            case "alpha": alpha = try number()
            case "beta": beta = try number()
            case "unk": unk = try number()
            case "char": char = try number()
            case "vocab": closed = value == "closed"
            case "calibrate": calibrate = value != "0"
            default: throw BenchError("config \(text): unknown key \(key)")
            }
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Word-level alignment: for each hypothesis word, whether it is aligned to an identical reference word.
func correctWords(reference: [String], hypothesis: [String]) -> [Bool] {
    let n = reference.count, m = hypothesis.count
    var cost = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
    for i in 0...n { cost[i][0] = i }
    for j in 0...m { cost[0][j] = j }
    if n > 0 && m > 0 {
        for i in 1...n {
            for j in 1...m {
                let substitution = cost[i - 1][j - 1] + (reference[i - 1] == hypothesis[j - 1] ? 0 : 1)
                cost[i][j] = min(substitution, cost[i - 1][j] + 1, cost[i][j - 1] + 1)
            }
        }
    }
    var correct = [Bool](repeating: false, count: m)
    var i = n, j = m
    while i > 0 && j > 0 {
        let same = reference[i - 1] == hypothesis[j - 1]
        if cost[i][j] == cost[i - 1][j - 1] + (same ? 0 : 1) {
            correct[j - 1] = same
            i -= 1
            j -= 1
        } else if cost[i][j] == cost[i - 1][j] + 1 {
            i -= 1
        } else {
            j -= 1
        }
    }
    return correct
}

struct CachedUtterance {
    var name: String
    var reference: String
    var logProbabilities: [Float]
    var duration: Double
}

/// The log posteriors of every entry, from `cache` when it holds them for these manifests and model.
func posteriors(manifests: [String], recognizer: Recognizer, normalizer: TextNormalizer, cache: String?) throws -> (utterances: [CachedUtterance], networkSeconds: Double) {
    var entries: [ManifestEntry] = []
    for path in manifests { entries += try Manifest.load(path).entries }
    let key = (manifests + [String(recognizer.model.description.network.classes)]).joined(separator: "|")
    if let cache, let data = FileManager.default.contents(atPath: cache) {
        var offset = 0
        func read<T>(_ type: T.Type) -> T {
            defer { offset += MemoryLayout<T>.size }
            return data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
        }
        func readString() -> String {
            let count = Int(read(UInt32.self))
            defer { offset += count }
            return String(decoding: data[offset..<(offset + count)], as: UTF8.self)
        }
        if readString() == key {
            let count = Int(read(UInt32.self))
            var utterances: [CachedUtterance] = []
            for index in 0..<count {
                let duration = read(Double.self)
                let values = Int(read(UInt32.self))
                let floats = data.withUnsafeBytes { raw in
                    (0..<values).map { raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: Float.self) }
                }
                offset += 4 * values
                utterances.append(CachedUtterance(name: entries[index].audioPath, reference: normalizer.normalize(entries[index].transcript).text,
                                                  logProbabilities: floats, duration: duration))
            }
            printError("log posteriors of \(count) utterances read from \(cache)")
            return (utterances, .nan)
        }
    }
    var utterances: [CachedUtterance] = []
    let start = Date()
    for (index, entry) in entries.enumerated() {
        let (values, duration) = try recognizer.logProbabilities(.file(entry.audioPath))
        utterances.append(CachedUtterance(name: entry.audioPath, reference: normalizer.normalize(entry.transcript).text,
                                          logProbabilities: values, duration: duration))
        if index % 50 == 49 { printError("network: \(index + 1)/\(entries.count)") }
    }
    let networkSeconds = Date().timeIntervalSince(start)
    if let cache {
        var data = Data()
        func write<T>(_ value: T) { withUnsafeBytes(of: value) { data.append(contentsOf: $0) } }
        write(UInt32(key.utf8.count)); data.append(contentsOf: key.utf8)
        write(UInt32(utterances.count))
        for utterance in utterances {
            write(utterance.duration)
            write(UInt32(utterance.logProbabilities.count))
            utterance.logProbabilities.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        try data.write(to: URL(fileURLWithPath: cache))
    }
    return (utterances, networkSeconds)
}

func runDecodingBenchmark(_ arguments: [String]) throws {
    BLASThreads.set(1)
    var manifests: [String] = [], configs: [DecodingConfig] = []
    var modelPath: String?, lmPath: String?, cache: String?, wordsPath: String?
    var index = 0
    func value() throws -> String {
        index += 1
        guard index < arguments.count else { throw BenchError("\(arguments[index - 1]) needs a value") }
        return arguments[index]
    }
    while index < arguments.count {
        switch arguments[index] {
        case "--manifest": manifests.append(try value())
        case "--model": modelPath = try value()
        case "--lm": lmPath = try value()
        case "--cache": cache = try value()
        case "--words": wordsPath = try value()
        case "--config": configs.append(try DecodingConfig(try value()))
        default: throw BenchError("unknown argument \(arguments[index])")
        }
        index += 1
    }
    guard !manifests.isEmpty, !configs.isEmpty else { throw BenchError("give --manifest and --config") }
    let model = try modelPath.map { try AcousticModel(contentsOf: $0) } ?? DefaultModel.load()
    let loadStart = Date()
    let lm = try lmPath.map { try NGramLanguageModel(contentsOf: $0) } ?? (modelPath == nil ? DefaultModel.loadLanguageModel() : nil)
    let lmLoadSeconds = Date().timeIntervalSince(loadStart)
    let alphabet = model.description.alphabet
    let normalizer = TextNormalizer(alphabet: alphabet)
    let recognizer = Recognizer(model: model)
    let (utterances, networkSeconds) = try posteriors(manifests: manifests, recognizer: recognizer, normalizer: normalizer, cache: cache)
    let audioSeconds = utterances.reduce(0) { $0 + $1.duration }
    print(String(format: "# %d utterances, %.1f min of audio; network RTF %.4f (one core); LM %@ loaded in %.1f ms",
                 utterances.count, audioSeconds / 60, networkSeconds / audioSeconds, lmPath ?? "bundled", lmLoadSeconds * 1000))
    print("config\tWER\tsubstitutions\tdeletions\tinsertions\treference_words\toov_recall\toov_words\tempty_hypotheses\tfallbacks\tdecode_RTF\tdecode_CPU_RTF")
    var wordsOut = wordsPath.map { _ in "config\tutterance\tword\tcorrect\tmean_log\tmin_log\tlog_beam\toov\tlength\tagree\tlm_log10\tconf\n" } ?? ""
    for config in configs {
        var options = RecognizerOptions(beamWidth: config.beam)
        options.languageModel = config.beam > 1 ? lm : nil
        options.languageModelWeight = config.alpha
        options.wordBonus = config.beta
        options.unknownWordPenalty = config.unk
        options.unknownCharacterPenalty = config.char
        options.closedVocabulary = config.closed
        if !config.calibrate { options.confidenceCalibration = nil }
        let decoder = Recognizer(model: model, options: options)
        var counts = ErrorCounts()
        var oovTotal = 0, oovRecalled = 0, empty = 0, fallbacks = 0
        var decodeSeconds = 0.0, decodeCPUSeconds = 0.0
        for utterance in utterances {
            let start = DispatchTime.now().uptimeNanoseconds, startCPU = threadCPUSeconds()
            let hypothesis = decoder.decode(logProbabilities: utterance.logProbabilities)
            decodeSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            decodeCPUSeconds += threadCPUSeconds() - startCPU
            counts += ErrorRate.words(reference: utterance.reference, hypothesis: hypothesis.text)
            if hypothesis.text.isEmpty && !utterance.reference.isEmpty { empty += 1 }
            if hypothesis.fallback != nil { fallbacks += 1 }
            let reference = utterance.reference.split(separator: " ").map(String.init)
            if let lm {
                var said: [String: Int] = [:]
                for word in hypothesis.words.map(\.word) { said[word, default: 0] += 1 }
                for word in reference where !lm.isKnown(word) {
                    oovTotal += 1
                    if let n = said[word], n > 0 { oovRecalled += 1; said[word] = n - 1 }
                }
            }
            if wordsPath != nil {
                let correct = correctWords(reference: reference, hypothesis: hypothesis.words.map(\.word))
                for (word, isRight) in zip(hypothesis.words, correct) {
                    let e = word.evidence ?? WordEvidence(meanLogPosterior: log(word.confidence), minLogPosterior: log(word.confidence), length: word.word.count)
                    wordsOut += "\(config.name)\t\(utterance.name)\t\(word.word)\t\(isRight ? 1 : 0)\t\(e.meanLogPosterior)\t\(e.minLogPosterior)\t\(e.logBeamPosterior)\t\(e.outOfVocabulary ? 1 : 0)\t\(e.length)\t\(e.agreesWithBestPath ? 1 : 0)\t\(e.languageModelLog10)\t\(word.confidence)\n"
                }
            }
        }
        print(String(format: "%@\t%.2f\t%d\t%d\t%d\t%d\t%.3f\t%d\t%d\t%d\t%.4f\t%.4f", config.name, counts.rate, counts.substitutions, counts.deletions,
                     counts.insertions, counts.referenceLength, Double(oovRecalled) / Double(max(1, oovTotal)), oovTotal, empty, fallbacks,
                     decodeSeconds / audioSeconds, decodeCPUSeconds / audioSeconds))
        fflush(nil)
    }
    if let wordsPath { try wordsOut.write(toFile: wordsPath, atomically: true, encoding: .utf8) }
}

/// CPU seconds this thread has run (unlike wall time, not inflated when other processes share the core).
private func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// A line of progress on standard error.
private func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
