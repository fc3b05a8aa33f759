import Foundation
import Steno

/// Streaming latency and cost (the streaming issue's benchmark), on one thread.
///
/// - Algorithmic latency: audio is fed in 10 ms pieces through the online features and the
///   streaming network; after each piece, the audio time covered by final network output frames
///   is compared with the audio time fed. The largest gap is the latency the model's definition
///   imposes (frame window, stacking, chunks and lookahead through every layer), before any compute.
/// - Compute per 100 ms chunk: `StreamRecognizer.accept` on 1 600 samples, median and 95th percentile.
/// - With a trained model and a recording (`steno-bench stream MODEL AUDIO`): the delay from the end
///   of each word (its time in the final result) to the moment it first appears in a partial result.
func runStreamBenchmark(modelPath: String?, audioPath: String?) throws {
    BLASThreads.set(1)
    print("Steno streaming benchmark, one thread")
    var random = SplitMix64(seed: 3)
    let audio = (0..<(60 * 16_000)).map { _ in Float(random.uniform() - 0.5) * 0.3 }
    for (chunk, lookahead) in [(4, 2), (3, 1), (2, 1), (4, 0)] {
        let configuration = NetworkConfiguration(inputSize: 80, classes: 29, stacking: 3, cell: .lstm, layers: 3, hiddenSize: 256,
                                                 chunk: chunk, lookahead: lookahead)
        let model = AcousticModel(ModelDescription(alphabet: .english, features: .fbank(bins: 80), network: configuration), seed: 1)
        let latency = try algorithmicLatency(model, audio: Array(audio.prefix(10 * 16_000)))
        let stream = try StreamRecognizer(model: model, endpointing: .disabled)
        var times: [Double] = []
        for start in stride(from: 0, to: audio.count, by: 1_600) {
            let begin = DispatchTime.now().uptimeNanoseconds
            _ = try stream.accept(Array(audio[start..<start + 1_600]))
            times.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e6)
        }
        times.sort()
        print(String(format: "3×256 BiLSTM, chunk %d + lookahead %d frames of 30 ms: algorithmic latency %.0f ms; compute per 100 ms chunk: median %.2f ms, p95 %.2f ms, max %.2f ms",
                     chunk, lookahead, latency * 1000, times[times.count / 2], times[times.count * 95 / 100], times.last!))
    }
    if let modelPath, let audioPath { try wordDelays(model: AcousticModel(contentsOf: modelPath), audio: audioPath) }
}

/// The largest gap, in seconds, between audio fed and audio covered by final network output.
func algorithmicLatency(_ model: AcousticModel, audio: [Float]) throws -> Double {
    let extractor = try OnlineFeatureExtractor(options: model.description.features)
    let network = NetworkStream(network: model.inference)
    let secondsPerFrame = model.description.features.frame.frameShiftMs / 1000 * Double(model.description.network.stacking)
    var worst = 0.0, emitted = 0
    for start in stride(from: 0, to: audio.count, by: 160) {
        let frames = extractor.accept(Array(audio[start..<min(audio.count, start + 160)]))
        if frames.frameCount > 0 { emitted += network.accept(model.normalized(frames).values).count / model.description.network.classes }
        let fed = Double(min(audio.count, start + 160)) / 16_000
        worst = max(worst, fed - Double(emitted) * secondsPerFrame)
    }
    return worst
}

/// Prints how long after each word ends it first shows in a partial result (10 ms input pieces).
func wordDelays(model: AcousticModel, audio path: String) throws {
    let decoded = try AudioDecoder.decode(.file(path))
    let stream = try StreamRecognizer(model: model, endpointing: .disabled)
    var firstSeen: [Double] = []   // time when the partial first had k + 1 words
    var finals: [WordTiming] = []
    func note(_ events: [StreamEvent], at time: Double) {
        for event in events {
            switch event {
            case .partial(let text):
                let count = text.split(separator: " ").count
                while firstSeen.count < count { firstSeen.append(time) }
            case .final(let result): finals += result.words
            }
        }
    }
    for start in stride(from: 0, to: decoded.samples.count, by: 160) {
        let end = min(decoded.samples.count, start + 160)
        note(try stream.accept(Array(decoded.samples[start..<end])), at: Double(end) / 16_000)
    }
    note(stream.finish(), at: decoded.duration)
    // A word counts once the partial holds as many words; the last word of a partial may still change.
    let delays = zip(finals, firstSeen).map { $1 - $0.end }.sorted()
    guard !delays.isEmpty else { print("no words recognized in \(path)"); return }
    print(String(format: "word appearance delay after its end (%d words, %@): median %.0f ms, p90 %.0f ms, max %.0f ms",
                 delays.count, path, delays[delays.count / 2] * 1000, delays[delays.count * 9 / 10] * 1000, delays.last! * 1000))
}
