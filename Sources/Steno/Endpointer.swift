import Foundation

/// When a ``StreamRecognizer`` ends an utterance.
///
/// An utterance ends after ``silenceSeconds`` of non-speech that follow some speech, or when it
/// reaches ``maximumUtteranceSeconds``. Two detectors judge non-speech; either one can end an utterance:
/// - **the model**: a run of output frames whose most probable class is the CTC blank, after at
///   least one frame that was not blank;
/// - **energy**: a run of audio blocks (one output frame's worth of samples, 40 ms for 10 ms frames
///   stacked by 4) whose RMS is below both ``silenceFloorDecibels`` (dBFS) and the running speech
///   level plus ``relativeSilenceDecibels``, after at least one block that was not. The speech level
///   is the loudest block RMS seen, decaying by ``levelDecayDecibelsPerSecond``; it is kept across
///   utterances. Either condition alone makes a block quiet: below the floor, or far below the speech.
///
/// With ``dropsSilentUtterances`` an utterance in which no block rose above the energy threshold
/// gives no result whatever the model says (a guard against output on pure silence or hum).
public struct EndpointOptions: Sendable, Equatable {
    /// Non-speech that ends an utterance, in seconds. Default 0.8; `nil` never ends one on silence.
    public var silenceSeconds: Double?
    /// Longest utterance, in seconds; one this long is ended wherever it is. Default 20; `nil`: no limit.
    public var maximumUtteranceSeconds: Double?
    /// Blocks quieter than this RMS, in dB relative to full scale, are silence. Default −55 dBFS.
    public var silenceFloorDecibels: Double = -55
    /// Blocks this far below the running speech level (dB, negative) are silence. Default −25 dB.
    public var relativeSilenceDecibels: Double = -25
    /// How fast the running speech level falls when nothing louder comes, in dB per second. Default 1.
    public var levelDecayDecibelsPerSecond: Double = 1
    /// Utterances with no block above the energy threshold give no result. Default true.
    public var dropsSilentUtterances = true

    /// Creates endpointing options; the defaults suit conversational speech.
    public init(silenceSeconds: Double? = 0.8, maximumUtteranceSeconds: Double? = 20) {
        self.silenceSeconds = silenceSeconds
        self.maximumUtteranceSeconds = maximumUtteranceSeconds
    }

    /// No endpoints at all: the whole stream is one utterance, recognized exactly as ``Recognizer`` would.
    public static var disabled: EndpointOptions {
        var options = EndpointOptions(silenceSeconds: nil, maximumUtteranceSeconds: nil)
        options.dropsSilentUtterances = false
        return options
    }
}

/// Why an utterance ended.
public enum EndpointReason: Sendable, Equatable {
    /// ``EndpointOptions/silenceSeconds`` of non-speech after speech.
    case silence
    /// The utterance reached ``EndpointOptions/maximumUtteranceSeconds``.
    case maximumLength
}

/// Decides where utterances end in a stream, from the audio's energy and the model's output (see
/// ``EndpointOptions``). Feed it every audio block and every output frame's best class; ask
/// ``endpoint`` after each block; call ``startUtterance()`` when an utterance was ended.
public struct Endpointer: Sendable {
    /// The rules.
    public let options: EndpointOptions
    /// Audio samples per second (the model's rate), in Hz.
    public let sampleRate: Int
    /// Seconds per network output frame.
    public let secondsPerFrame: Double

    /// The running speech level, as an RMS in [0, 1].
    public private(set) var speechLevel: Double = 0
    /// Whether any block of this utterance was above the energy threshold.
    public private(set) var heardSpeech = false
    /// Whether any output frame of this utterance was not blank.
    public private(set) var sawLabel = false
    /// Samples in this utterance so far.
    public private(set) var utteranceSamples = 0
    /// Samples since the last block above the energy threshold (or since the start).
    public private(set) var quietSamples = 0
    /// Output frames since the last frame that was not blank (or since the start).
    public private(set) var blankFrames = 0

    private let floor: Double, relative: Double

    /// Creates an endpointer for audio at `sampleRate` Hz and output frames of `secondsPerFrame`.
    public init(options: EndpointOptions, sampleRate: Int, secondsPerFrame: Double) {
        self.options = options
        self.sampleRate = sampleRate
        self.secondsPerFrame = secondsPerFrame
        floor = pow(10, options.silenceFloorDecibels / 20)
        relative = pow(10, options.relativeSilenceDecibels / 20)
    }

    /// Takes one block of samples (mono, [-1, 1]) and judges its energy.
    public mutating func observe(samples: UnsafeBufferPointer<Float>) {
        guard !samples.isEmpty else { return }
        var sum = 0.0
        for sample in samples { sum += Double(sample) * Double(sample) }
        let rms = (sum / Double(samples.count)).squareRoot()
        let seconds = Double(samples.count) / Double(sampleRate)
        speechLevel *= pow(10, -options.levelDecayDecibelsPerSecond * seconds / 20)
        let quiet = rms < floor || rms < speechLevel * relative
        speechLevel = max(speechLevel, rms)
        utteranceSamples += samples.count
        if quiet {
            quietSamples += samples.count
        } else {
            quietSamples = 0
            heardSpeech = true
        }
    }

    /// Takes the most probable class of one output frame.
    public mutating func observe(bestClass: Int, blank: Int) {
        if bestClass == blank {
            blankFrames += 1
        } else {
            blankFrames = 0
            sawLabel = true
        }
    }

    /// Whether, and why, the current utterance should end here.
    public var endpoint: EndpointReason? {
        if let limit = options.maximumUtteranceSeconds, Double(utteranceSamples) >= limit * Double(sampleRate) { return .maximumLength }
        if let silence = options.silenceSeconds {
            if heardSpeech && Double(quietSamples) >= silence * Double(sampleRate) { return .silence }
            // Frames are counted in whole frames; the small tolerance keeps 0.8 s = 20 × 0.04 s exact.
            if sawLabel && Double(blankFrames) * secondsPerFrame >= silence - 1e-9 { return .silence }
        }
        return nil
    }

    /// Whether the utterance so far should give no result (``EndpointOptions/dropsSilentUtterances``).
    public var utteranceIsSilent: Bool { options.dropsSilentUtterances && !heardSpeech }

    /// Forgets the utterance (not the speech level), for the next one.
    public mutating func startUtterance() {
        heardSpeech = false
        sawLabel = false
        utteranceSamples = 0
        quietSamples = 0
        blankFrames = 0
    }
}
