/// How samples are cut into frames and prepared before the FFT (Kaldi's `FrameExtractionOptions`).
///
/// Defaults follow Kaldi's `compute-fbank-feats` / `compute-mfcc-feats`, except ``dither``, which is off.
public struct FrameOptions: Sendable, Codable, Equatable {
    /// Sample rate of the input, in Hz. Default 16000.
    public var sampleRate: Float = 16_000
    /// Frame (window) length, in milliseconds. Default 25.
    public var frameLengthMs: Double = 25
    /// Frame shift (hop), in milliseconds. Default 10.
    public var frameShiftMs: Double = 10
    /// Standard deviation of the Gaussian noise added to each frame, in units of the scaled input
    /// (16-bit sample values with the default ``inputScale``). Default 0, i.e. off;
    /// Kaldi's default is 1.0. Dither makes silence safe for the log, at the price of exactness.
    public var dither: Float = 0
    /// Seed of the dither noise. The noise is drawn per frame, in frame order, from a seeded
    /// xoshiro256** generator, so the same seed gives the same features whatever the chunking. Default 0.
    public var ditherSeed: UInt64 = 0
    /// Whether to subtract each frame's mean before anything else (after dither). Default true.
    public var removeDCOffset: Bool = true
    /// Pre-emphasis coefficient `c` in `x[i] -= c * x[i-1]`, in [0, 1]; 0 turns it off. Default 0.97.
    public var preemphasis: Float = 0.97
    /// The window applied to each frame. Default ``WindowType/povey``.
    public var window: WindowType = .povey
    /// The constant of the Blackman window (only used with ``WindowType/blackman``). Default 0.42.
    public var blackmanCoefficient: Float = 0.42
    /// Whether the FFT length is the frame length rounded up to a power of two (zero padded). Default true.
    public var roundToPowerOfTwo: Bool = true
    /// If true, only frames that fit entirely in the signal are output, the first starting at sample 0:
    /// `1 + (samples - length) / shift` frames. If false, frames are centred on multiples of the shift,
    /// `(samples + shift / 2) / shift` frames, and samples outside the signal are reflected at its
    /// edges (Kaldi's `--snip-edges=false`). Default true.
    public var snipEdges: Bool = true
    /// Factor applied to input samples before anything else. Kaldi reads 16-bit PCM as integer values,
    /// so with input in [-1, 1] the default 32768 reproduces Kaldi's numbers (log energies and log-mel
    /// values are offset by `2 * ln(32768)` compared with unscaled input). Default 32768.
    public var inputScale: Float = 32_768

    /// Creates frame options with Kaldi's defaults (dither off).
    public init() {}

    /// Frame length in samples: `Int(sampleRate * 0.001 * frameLengthMs)`, truncated as Kaldi does.
    public var frameLength: Int { Self.samples(sampleRate, frameLengthMs) }
    /// Frame shift in samples, truncated as Kaldi does.
    public var frameShift: Int { Self.samples(sampleRate, frameShiftMs) }
    /// FFT length in samples: ``frameLength``, rounded up to a power of two if ``roundToPowerOfTwo``.
    public var paddedFrameLength: Int {
        let length = frameLength
        guard roundToPowerOfTwo, length > 1 else { return max(length, 1) }
        return 1 << (Int.bitWidth - (length - 1).leadingZeroBitCount)
    }

    /// Kaldi computes `static_cast<int32>(samp_freq * 0.001f * ms)` in single precision; so do we.
    private static func samples(_ rate: Float, _ ms: Double) -> Int {
        let value = rate * 0.001 * Float(ms)
        guard value.isFinite, value >= 0, value < Float(Int32.max) else { return 0 }
        return Int(value)
    }
}

/// The triangular mel filterbank (Kaldi's `MelBanksOptions`, with its VTLN frequency warping).
public struct MelOptions: Sendable, Codable, Equatable {
    /// Number of triangular mel bins; at least 3. Default 23 (Kaldi's default; 80 is common for ASR).
    public var bins: Int = 23
    /// Low edge of the first triangle, in Hz. Default 20.
    public var lowFrequency: Float = 20
    /// High edge of the last triangle, in Hz; a value ≤ 0 is an offset from the Nyquist frequency
    /// (0 means Nyquist, -400 means Nyquist - 400 Hz). Default 0.
    public var highFrequency: Float = 0
    /// Vocal-tract-length warp factor α (Kaldi's `vtln-warp`): the triangles' edges move from f to
    /// f / α between 100 Hz and 500 Hz below the high edge, piecewise linearly outside that band so
    /// the filterbank's own edges stay. 1 (the default) is no warping. Training draws it per
    /// utterance (VTLP, `steno train --vtlp`); it is not stored in model files, and recognition
    /// always runs at 1.
    public var vtlnWarp: Float = 1

    private enum CodingKeys: String, CodingKey {
        case bins, lowFrequency, highFrequency
    }

    /// Creates mel options with Kaldi's defaults.
    public init(bins: Int = 23, lowFrequency: Float = 20, highFrequency: Float = 0) {
        self.bins = bins
        self.lowFrequency = lowFrequency
        self.highFrequency = highFrequency
    }

    /// The high edge in Hz at `sampleRate`, with a non-positive ``highFrequency`` resolved against Nyquist.
    public func resolvedHighFrequency(sampleRate: Float) -> Float {
        highFrequency > 0 ? highFrequency : 0.5 * sampleRate + highFrequency
    }
}

/// The kind of features computed from each frame.
public enum FeatureKind: String, CaseIterable, Sendable, Codable {
    /// Log power spectrum, `paddedFrameLength / 2 + 1` values, the first replaced by the log energy
    /// (Kaldi's `compute-spectrogram-feats`).
    case spectrogram
    /// Log mel filterbank energies (Kaldi's `compute-fbank-feats`).
    case fbank
    /// Mel-frequency cepstral coefficients (Kaldi's `compute-mfcc-feats`).
    case mfcc
}

/// Everything that decides the features computed from a signal (Kaldi's `FbankOptions`,
/// `MfccOptions` and `SpectrogramOptions` in one struct).
public struct FeatureOptions: Sendable, Codable, Equatable {
    /// The kind of features. Default ``FeatureKind/fbank``.
    public var kind: FeatureKind
    /// Framing and per-frame processing.
    public var frame: FrameOptions
    /// Mel filterbank (fbank and mfcc; unused for the spectrogram).
    public var mel: MelOptions
    /// Number of cepstral coefficients kept (mfcc), including c0; at most `mel.bins`. Default 13.
    public var cepstra: Int
    /// Cepstral liftering coefficient Q (mfcc): coefficient i is scaled by `1 + Q/2 sin(π i / Q)`;
    /// 0 turns liftering off. Default 22.
    public var cepstralLifter: Float
    /// Whether to output the log energy of the frame: it replaces c0 for mfcc, and is an extra first
    /// column for fbank (last with ``htkCompat``). The spectrogram always carries it in column 0.
    /// Kaldi's default: false for fbank, true for mfcc (the static constructors set it so).
    public var useEnergy: Bool
    /// Floor on the energy (linear, not log) when it is output; 0 means no floor. Default 0.
    public var energyFloor: Float
    /// If true, the energy is measured after DC removal but before pre-emphasis and windowing;
    /// if false, on the windowed frame. Default true.
    public var rawEnergy: Bool
    /// HTK ordering: for fbank the energy goes last; for mfcc c0 (or the energy) goes last,
    /// c0 scaled by √2 when there is no energy. Default false.
    public var htkCompat: Bool
    /// fbank only: filter the power spectrum (true) or the magnitude spectrum (false). Default true.
    public var usePower: Bool
    /// fbank only: take the log of the mel energies (floored at `Float.ulpOfOne`). Default true.
    public var useLogFbank: Bool
    /// A noise floor, as the standard deviation of a white noise on the scaled input (16-bit sample
    /// values with the default ``FrameOptions/inputScale``); 0 turns it off. Default 0.
    ///
    /// Every power-spectrum bin gets the power such a noise would have on average after
    /// pre-emphasis and windowing, `σ² Σ w[n]² |1 − c e^(−iω)|²`, before the mel filterbank and the
    /// log. It is the expected effect of ``FrameOptions/dither`` without its randomness: features
    /// stay deterministic (offline and streaming agree exactly), quiet bands (audio upsampled from
    /// 8 kHz, digital silence) take the same values whatever the recording's own noise, and the log
    /// never sees zero. Models record it in their feature options, so older models (no floor) keep
    /// their behaviour.
    public var noiseFloor: Float

    /// Creates options; `useEnergy: nil` takes Kaldi's default for the kind (true for mfcc only).
    public init(
        kind: FeatureKind = .fbank, frame: FrameOptions = FrameOptions(), mel: MelOptions = MelOptions(),
        cepstra: Int = 13, cepstralLifter: Float = 22, useEnergy: Bool? = nil, energyFloor: Float = 0,
        rawEnergy: Bool = true, htkCompat: Bool = false, usePower: Bool = true, useLogFbank: Bool = true,
        noiseFloor: Float = 0
    ) {
        self.kind = kind
        self.frame = frame
        self.mel = mel
        self.cepstra = cepstra
        self.cepstralLifter = cepstralLifter
        self.useEnergy = useEnergy ?? (kind == .mfcc)
        self.energyFloor = energyFloor
        self.rawEnergy = rawEnergy
        self.htkCompat = htkCompat
        self.usePower = usePower
        self.useLogFbank = useLogFbank
        self.noiseFloor = noiseFloor
    }

    private enum CodingKeys: String, CodingKey {
        case kind, frame, mel, cepstra, cepstralLifter, useEnergy, energyFloor, rawEnergy, htkCompat, usePower, useLogFbank, noiseFloor
    }

    /// Decodes options; ``noiseFloor`` is absent in files written before it existed and reads as 0 (off).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            kind: try c.decode(FeatureKind.self, forKey: .kind), frame: try c.decode(FrameOptions.self, forKey: .frame),
            mel: try c.decode(MelOptions.self, forKey: .mel), cepstra: try c.decode(Int.self, forKey: .cepstra),
            cepstralLifter: try c.decode(Float.self, forKey: .cepstralLifter), useEnergy: try c.decode(Bool.self, forKey: .useEnergy),
            energyFloor: try c.decode(Float.self, forKey: .energyFloor), rawEnergy: try c.decode(Bool.self, forKey: .rawEnergy),
            htkCompat: try c.decode(Bool.self, forKey: .htkCompat), usePower: try c.decode(Bool.self, forKey: .usePower),
            useLogFbank: try c.decode(Bool.self, forKey: .useLogFbank),
            noiseFloor: try c.decodeIfPresent(Float.self, forKey: .noiseFloor) ?? 0)
    }

    /// Log mel filterbank with `bins` bins and no energy (Kaldi's fbank defaults, dither off).
    public static func fbank(bins: Int = 23) -> FeatureOptions {
        FeatureOptions(kind: .fbank, mel: MelOptions(bins: bins), useEnergy: false)
    }

    /// MFCC with `cepstra` coefficients from `bins` mel bins, c0 replaced by the log energy
    /// (Kaldi's mfcc defaults, dither off).
    public static func mfcc(cepstra: Int = 13, bins: Int = 23) -> FeatureOptions {
        FeatureOptions(kind: .mfcc, mel: MelOptions(bins: bins), cepstra: cepstra, useEnergy: true)
    }

    /// Log power spectrogram (Kaldi's spectrogram defaults, dither off).
    public static func spectrogram() -> FeatureOptions {
        FeatureOptions(kind: .spectrogram)
    }

    /// Values per frame: fbank `mel.bins` (+1 with energy), mfcc `cepstra`,
    /// spectrogram `frame.paddedFrameLength / 2 + 1`.
    public var dimension: Int {
        switch kind {
        case .fbank: mel.bins + (useEnergy ? 1 : 0)
        case .mfcc: cepstra
        case .spectrogram: frame.paddedFrameLength / 2 + 1
        }
    }
}
