import Foundation
import Steno

/// Simulated rooms, devices and channels for training, applied to the waveform before features, so
/// that a model hears in training what users bring: reverberant rooms, quiet and clipped recordings,
/// DC offsets, telephone bands, 8 kHz audio and lossy codecs, leading and trailing silence.
///
/// Each effect is applied to an utterance with its own probability, in the order a recording chain
/// applies them: room (reverberation), silence around the speech, device gain (with clipping and DC
/// offset), channel (band limit), codec. Every draw comes from the generator passed in, so an
/// utterance's version in an epoch depends only on the seed.
public struct ChannelAugmentation: Codable, Sendable, Equatable {
    /// Probability of reverberation through a simulated room impulse response.
    public var reverbProbability = 0.25
    /// Reverberation times (RT60) drawn uniformly from this range, in seconds.
    public var reverbTimeLow = 0.15, reverbTimeHigh = 0.8
    /// Probability of leading and trailing silence (digital silence or faint noise).
    public var paddingProbability = 0.2
    /// Longest silence added at each end, in seconds.
    public var paddingSeconds = 1.0
    /// Probability of a gain change, with the result clipped to [−1, 1].
    public var gainProbability = 0.5
    /// Gains drawn uniformly from this range, in dB.
    public var gainLow = -30.0, gainHigh = 10.0
    /// Probability of a DC offset, of magnitude up to ``dcOffset`` (full scale 1).
    public var dcProbability = 0.1
    public var dcOffset = 0.05
    /// Probability of band-limiting: half of these a round trip through 8 kHz, half a telephone band
    /// (300–3400 Hz band-pass, then 8 kHz).
    public var bandLimitProbability = 0.25
    /// Probability of a round trip through a lossy or telephone codec.
    public var codecProbability = 0.25
    /// Probability that an utterance is replaced by 1–4 s of silence or noise alone (digital zeros,
    /// faint noise, or coloured noise up to −30 dBFS) with an empty transcript: silence and noise
    /// must give no words.
    public var backgroundOnlyProbability = 0.02
    /// The codecs drawn from (``AudioFileFormat`` raw values); those the installed libsndfile cannot
    /// write are left out when training starts.
    public var codecs: [String] = Codec.defaultNames

    public init() {}

    /// Everything off; set the probabilities wanted.
    public static let none: ChannelAugmentation = {
        var options = ChannelAugmentation()
        options.reverbProbability = 0
        options.paddingProbability = 0
        options.gainProbability = 0
        options.dcProbability = 0
        options.bandLimitProbability = 0
        options.codecProbability = 0
        options.backgroundOnlyProbability = 0
        return options
    }()

    /// What is wrong, if anything.
    public var problem: String? {
        let probabilities = [reverbProbability, paddingProbability, gainProbability, dcProbability, bandLimitProbability, codecProbability,
                             backgroundOnlyProbability]
        if probabilities.contains(where: { !(0...1).contains($0) }) { return "augmentation probabilities must be in [0, 1]" }
        if !(reverbTimeLow > 0 && reverbTimeLow <= reverbTimeHigh && reverbTimeHigh <= 2) { return "reverberation times must satisfy 0 < low ≤ high ≤ 2 s" }
        if !(paddingSeconds >= 0 && paddingSeconds <= 10) { return "silence padding must be 0–10 s" }
        if !(gainLow.isFinite && gainHigh.isFinite && gainLow <= gainHigh) { return "the gain range must be LOW:HIGH in dB with LOW ≤ HIGH" }
        if !(dcOffset >= 0 && dcOffset < 1) { return "the DC offset must be in [0, 1)" }
        if let unknown = codecs.first(where: { AudioFileFormat(rawValue: $0) == nil }) {
            return "unknown codec \(unknown); known: \(AudioFileFormat.allCases.map(\.rawValue).joined(separator: ", "))"
        }
        if codecProbability > 0 && codecs.isEmpty { return "codec round trips need at least one codec" }
        return nil
    }

    /// `samples` (mono at `rate` Hz) as heard through a randomly drawn room, device and channel.
    /// Effects that fail (a codec the library cannot write here) are skipped and counted in `report`.
    public func apply(to samples: [Float], rate: Int, random: inout SplitMix64, report: inout AugmentationReport) -> [Float] {
        var x = samples
        if random.uniform() < reverbProbability {
            let seconds = reverbTimeLow + (reverbTimeHigh - reverbTimeLow) * random.uniform()
            x = RoomReverb.apply(to: x, reverbTime: seconds, rate: rate, random: &random)
            report.reverberated += 1
        }
        if random.uniform() < paddingProbability {
            x = SilencePadding.apply(to: x, maximumSeconds: paddingSeconds, rate: rate, random: &random)
            report.padded += 1
        }
        if random.uniform() < gainProbability {
            let gain = Float(pow(10, (gainLow + (gainHigh - gainLow) * random.uniform()) / 20))
            for i in x.indices { x[i] = min(max(x[i] * gain, -1), 1) }
        }
        if random.uniform() < dcProbability {
            let offset = Float((random.uniform() * 2 - 1) * dcOffset)
            for i in x.indices { x[i] = min(max(x[i] + offset, -1), 1) }
        }
        if random.uniform() < bandLimitProbability {
            x = random.uniform() < 0.5 ? BandLimit.narrowband(x, rate: rate) : BandLimit.telephone(x, rate: rate)
            report.bandLimited += 1
        }
        if random.uniform() < codecProbability, !codecs.isEmpty {
            let codec = Codec(name: codecs[random.below(codecs.count)])
            if let coded = codec?.roundTrip(x, rate: rate, compression: random.uniform()) {
                x = coded
                report.coded += 1
            } else {
                report.failedCodecs += 1
            }
        }
        return x
    }

    /// These options with ``codecs`` reduced to those the installed libsndfile can write.
    public func keepingWritableCodecs() -> (ChannelAugmentation, dropped: [String]) {
        var copy = self
        copy.codecs = codecs.filter { Codec(name: $0) != nil }
        return (copy, codecs.filter { Codec(name: $0) == nil })
    }
}

/// Counts of what augmentation did, for the training log.
public struct AugmentationReport: Sendable, Equatable {
    public var utterances = 0
    public var reverberated = 0, padded = 0, bandLimited = 0, coded = 0, failedCodecs = 0, noisy = 0, backgroundOnly = 0
    /// Utterances whose filterbank was warped (``SpeakerWarp``).
    public var warped = 0
    /// Files that could not be decoded again when their batch came (``TrainingCorpus/Keep/paths``).
    public var unreadable = 0
    /// Seconds spent on augmentation and features (summed over workers).
    public var seconds = 0.0
    public init() {}

    public static func += (a: inout AugmentationReport, b: AugmentationReport) {
        a.utterances += b.utterances
        a.reverberated += b.reverberated
        a.padded += b.padded
        a.bandLimited += b.bandLimited
        a.coded += b.coded
        a.failedCodecs += b.failedCodecs
        a.noisy += b.noisy
        a.backgroundOnly += b.backgroundOnly
        a.warped += b.warped
        a.unreadable += b.unreadable
        a.seconds += b.seconds
    }
}

/// Reverberation: convolution with a synthetic room impulse response, a direct path followed after
/// a few milliseconds by an exponentially decaying Gaussian tail (−60 dB after the reverberation
/// time), scaled to a random direct-to-reverberant ratio; the result keeps the input's length and power.
enum RoomReverb {
    static func impulseResponse(reverbTime: Double, rate: Int, random: inout SplitMix64) -> [Float] {
        let length = max(2, Int(reverbTime * Double(rate)))
        let delay = Int(Double(rate) * (0.002 + 0.008 * random.uniform()))
        let decay = 6.9 / (reverbTime * Double(rate))  // ln(1000): −60 dB of amplitude
        var tail = [Double](repeating: 0, count: length)
        var tailPower = 0.0
        for n in delay..<length {
            tail[n] = random.normal() * exp(-decay * Double(n - delay))
            tailPower += tail[n] * tail[n]
        }
        // Direct-to-reverberant ratio from −5 to +15 dB.
        let ratio = pow(10, (-5 + 20 * random.uniform()) / 10)
        let tailScale = tailPower > 0 ? (1 / (ratio * tailPower)).squareRoot() : 0
        var h = tail.map { Float($0 * tailScale) }
        h[0] += 1
        return h
    }

    static func apply(to samples: [Float], reverbTime: Double, rate: Int, random: inout SplitMix64) -> [Float] {
        guard !samples.isEmpty else { return samples }
        let h = impulseResponse(reverbTime: reverbTime, rate: rate, random: &random)
        var y = Array(FFTConvolution.convolve(samples, with: h).prefix(samples.count))
        let before = power(samples), after = power(y)
        if after > 0 && before > 0 {
            let scale = Float((before / after).squareRoot())
            for i in y.indices { y[i] *= scale }
        }
        return y
    }
}

/// Mean power of `x`.
func power(_ x: [Float]) -> Double {
    x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, x.count))
}

/// Silence before and after speech: digital zeros, or faint white noise (−90 to −50 dBFS), which
/// also continues under the speech so the two do not meet at an edge.
enum SilencePadding {
    static func apply(to samples: [Float], maximumSeconds: Double, rate: Int, random: inout SplitMix64) -> [Float] {
        let before = Int(random.uniform() * maximumSeconds * Double(rate))
        let after = Int(random.uniform() * maximumSeconds * Double(rate))
        var x = [Float](repeating: 0, count: before) + samples + [Float](repeating: 0, count: after)
        if random.uniform() < 0.5 {
            let level = pow(10, (-90 + 40 * random.uniform()) / 20)
            for i in x.indices { x[i] += Float(level * random.normal()) }
        }
        return x
    }
}

/// Audio with no speech at all: digital silence, faint white noise or louder coloured noise.
enum Background {
    static func make(rate: Int, random: inout SplitMix64) -> [Float] {
        let count = Int((1 + 3 * random.uniform()) * Double(rate))
        let kind = random.below(3)
        if kind == 0 { return [Float](repeating: 0, count: count) }
        let level = kind == 1 ? pow(10, (-90 + 30 * random.uniform()) / 20) : pow(10, (-60 + 30 * random.uniform()) / 20)
        let smoothing = kind == 1 ? 0 : random.uniform() * 0.98
        var state = 0.0
        var x = [Float](repeating: 0, count: count)
        for i in x.indices {
            state = smoothing * state + (1 - smoothing) * random.normal()
            x[i] = Float(state)
        }
        let scale = Float(level / max(power(x), 1e-30).squareRoot())
        for i in x.indices { x[i] *= scale }
        return x
    }
}

/// Telephone-like channels.
enum BandLimit {
    /// A round trip through 8 kHz: nothing above 4 kHz survives.
    static func narrowband(_ samples: [Float], rate: Int) -> [Float] {
        guard rate > 8000 else { return samples }
        return resample(resample(samples, from: rate, to: 8000), from: 8000, to: rate, length: samples.count)
    }

    /// The telephone band: 300–3400 Hz (second-order high-pass and low-pass), then 8 kHz.
    static func telephone(_ samples: [Float], rate: Int) -> [Float] {
        let filtered = Biquad.lowPass(3400, rate: rate).run(Biquad.highPass(300, rate: rate).run(samples))
        return narrowband(filtered, rate: rate)
    }

    /// `samples` resampled (``PolyphaseResampler``, or libsamplerate's fastest sinc converter for a factor
    /// it does not take), trimmed or zero-padded to `length` when given.
    static func resample(_ samples: [Float], from: Int, to: Int, length: Int? = nil) -> [Float] {
        var output: [Float] = []
        if from == to {
            output = samples
        } else if let resampler = PolyphaseResampler.cached(from: from, to: to) {
            output = resampler.resample(samples)
        } else if let resampler = try? Resampler(from: from, to: to, quality: .fastest, name: "augmentation") {
            try? samples.withUnsafeBufferPointer { try resampler.process($0, endOfInput: true, appendingTo: &output) }
        }
        guard let length else { return output }
        if output.count > length { output.removeLast(output.count - length) }
        if output.count < length { output += [Float](repeating: 0, count: length - output.count) }
        return output
    }
}

/// A second-order IIR section (RBJ's audio EQ cookbook), Butterworth Q.
struct Biquad {
    var b0, b1, b2, a1, a2: Double

    static func lowPass(_ frequency: Double, rate: Int) -> Biquad {
        let (cosine, alpha) = terms(frequency, rate: rate)
        let a0 = 1 + alpha
        return Biquad(b0: (1 - cosine) / 2 / a0, b1: (1 - cosine) / a0, b2: (1 - cosine) / 2 / a0, a1: -2 * cosine / a0, a2: (1 - alpha) / a0)
    }

    static func highPass(_ frequency: Double, rate: Int) -> Biquad {
        let (cosine, alpha) = terms(frequency, rate: rate)
        let a0 = 1 + alpha
        return Biquad(b0: (1 + cosine) / 2 / a0, b1: -(1 + cosine) / a0, b2: (1 + cosine) / 2 / a0, a1: -2 * cosine / a0, a2: (1 - alpha) / a0)
    }

    private static func terms(_ frequency: Double, rate: Int) -> (Double, Double) {
        let omega = 2 * Double.pi * min(frequency, 0.49 * Double(rate)) / Double(rate)
        return (cos(omega), sin(omega) / (2 * 0.5.squareRoot()))
    }

    func run(_ x: [Float]) -> [Float] {
        var (x1, x2, y1, y2) = (0.0, 0.0, 0.0, 0.0)
        return x.map { sample in
            let x0 = Double(sample)
            let y0 = b0 * x0 + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            (x2, x1, y2, y1) = (x1, x0, y1, y0)
            return Float(y0)
        }
    }
}

/// A round trip through one of libsndfile's encoders and back, in memory.
public struct Codec: Sendable {
    public let format: AudioFileFormat
    /// The rate the codec runs at: telephone codecs at 8 kHz, the others at the input's rate.
    let rate: Int?

    /// The codecs the recipe uses: G.711 μ-law and A-law and GSM 6.10 at 8 kHz; IMA ADPCM, Ogg
    /// Vorbis, Opus and MP3 at the input's rate.
    public static let defaultNames = [AudioFileFormat.wavMuLaw, .wavALaw, .wavGSM, .wavIMAADPCM, .oggVorbis, .oggOpus, .mp3].map(\.rawValue)

    /// The codec named `name` (an ``AudioFileFormat`` raw value), or nil if unknown or not writable here.
    public init?(name: String) {
        guard let format = AudioFileFormat(rawValue: name) else { return nil }
        self.format = format
        switch format {
        case .wavMuLaw, .wavALaw, .wavGSM: rate = 8000
        default: rate = nil
        }
        guard format.isWritable(sampleRate: rate ?? 16_000) else { return nil }
    }

    /// `samples` encoded and decoded again, the same length; nil if the library fails.
    /// `compression` in [0, 1] is the encoder's compression level (for Vorbis, Opus and MP3).
    public func roundTrip(_ samples: [Float], rate inputRate: Int, compression: Double) -> [Float]? {
        guard !samples.isEmpty else { return samples }
        let codecRate = rate ?? inputRate
        let input = codecRate == inputRate ? samples : BandLimit.resample(samples, from: inputRate, to: codecRate)
        guard let bytes = try? AudioFileWriter.encode(input, sampleRate: codecRate, format: format, compression: compression),
              let decoded = try? AudioDecoder.decode(.bytes(bytes, name: format.rawValue), sampleRate: codecRate, quality: .fastest, acceptingShortfall: true)
        else { return nil }
        var output = BandLimit.resample(decoded.samples, from: codecRate, to: inputRate)
        if output.count > samples.count { output.removeLast(output.count - samples.count) }
        if output.count < samples.count { output += [Float](repeating: 0, count: samples.count - output.count) }
        return output
    }
}
