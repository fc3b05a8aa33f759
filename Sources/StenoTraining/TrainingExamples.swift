import Foundation
import Steno

/// Makes the network's input for one training utterance in one epoch: the waveform through the
/// augmentation chain (speed, noise, room, device, channel, codec), then features (through a warped
/// filterbank with VTLP), the model's normalization and SpecAugment. Deterministic in the generator it is given.
struct TrainingExamples: Sendable {
    let features: FeatureOptions
    let normalization: NormalizationStatistics?
    let options: TrainingOptions

    /// Input frames `[frames, features.dimension]` row-major and the labels to learn from them.
    func make(_ utterance: PreparedUtterance, random: inout SplitMix64, report: inout AugmentationReport) -> (values: [Float], labels: [Int]) {
        let started = Date()
        defer { report.seconds += Date().timeIntervalSince(started) }
        report.utterances += 1
        let rate = Int(features.frame.sampleRate)
        // A file that fails now (it decoded when the corpus was prepared) trains as silence, which
        // CTC then skips for being shorter than its labels; the report counts it.
        var samples = (try? utterance.waveform(rate: rate)) ?? []
        if samples.isEmpty && utterance.sampleCount > 0 { report.unreadable += 1 }
        var labels = utterance.labels
        if let channel = options.channel, random.uniform() < channel.backgroundOnlyProbability {
            samples = Background.make(rate: rate, random: &random)
            labels = []
            report.backgroundOnly += 1
        }
        let speed = options.speeds[random.below(options.speeds.count)]
        if speed != 1, let faster = try? perturbSpeed(samples, by: speed, rate: rate, name: utterance.path) { samples = faster }
        if let noise = options.noise, random.uniform() < 0.5 {
            samples = noise.apply(to: samples, random: &random)
            report.noisy += 1
        }
        if let channel = options.channel {
            samples = channel.apply(to: samples, rate: rate, random: &random, report: &report)
        }
        var features = self.features
        if let warp = options.speakerWarp {
            features.mel.vtlnWarp = warp.draw(&random)
            report.warped += 1
        }
        var matrix = (try? FeatureExtractor(options: features).compute(samples)) ?? FeatureMatrix(dimension: features.dimension)
        if let normalization { matrix.normalize(using: normalization) }
        var values = matrix.values
        options.specAugment.apply(to: &values, dimension: features.dimension, random: &random)
        return (values, labels)
    }

    /// The generator for utterance `index` of the corpus in `epoch`: independent of the batch it
    /// falls in and of the worker that runs it, so any number of workers gives the same examples.
    static func random(seed: UInt64, epoch: Int, utterance index: Int) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed ^ 0xA5A5_5A5A_C3C3_3C3C)
        mixer = SplitMix64(seed: mixer.next() ^ (UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15))
        return SplitMix64(seed: mixer.next() ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
    }
}
