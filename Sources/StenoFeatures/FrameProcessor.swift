import Foundation

/// One frame of samples to one feature vector: Kaldi's `ProcessWindow` followed by the
/// spectrogram, fbank or mfcc computation. Holds every buffer it needs, so a frame allocates nothing.
final class FrameProcessor {
    let options: FeatureOptions
    /// Values per output frame.
    let dimension: Int
    /// Frame length in samples.
    let length: Int
    /// The output of the last ``process(fill:)``, `dimension` values.
    private(set) var row: [Float]

    private let fft: RealFFT
    private let window: [Float]
    private let melBank: MelFilterbank?
    /// `[cepstra, bins]` row-major (mfcc only).
    private let dct: [Float]
    /// `cepstra` liftering factors, empty when liftering is off (mfcc only).
    private let lifter: [Float]
    private var generator: GaussianGenerator
    /// `paddedFrameLength / 2 + 1` values.
    private var power: [Float]
    /// The noise floor's power per spectrum bin (``FeatureOptions/noiseFloor``); empty when off.
    private let powerFloor: [Float]
    /// `bins` values (mfcc only).
    private var melEnergies: [Float]

    init(options: FeatureOptions) throws(FeatureError) {
        try options.validate()
        self.options = options
        let frame = options.frame
        dimension = options.dimension
        length = frame.frameLength
        row = [Float](repeating: 0, count: dimension)
        fft = RealFFT(size: frame.paddedFrameLength)
        window = frame.window.coefficients(length: length, blackmanCoefficient: frame.blackmanCoefficient)
        melBank = options.kind == .spectrogram ? nil : try MelFilterbank(options.mel, frame: frame)
        let mfcc = options.kind == .mfcc
        dct = mfcc ? dctMatrix(rows: options.cepstra, size: options.mel.bins) : []
        lifter = mfcc && options.cepstralLifter != 0 ? lifterCoefficients(options.cepstralLifter, count: options.cepstra) : []
        generator = GaussianGenerator(seed: frame.ditherSeed)
        power = [Float](repeating: 0, count: frame.paddedFrameLength / 2 + 1)
        powerFloor = options.noiseFloor > 0 ? noiseFloorPower(options.noiseFloor, window: window, frame: frame) : []
        melEnergies = [Float](repeating: 0, count: mfcc ? options.mel.bins : 0)
    }

    /// Restarts the dither noise from the seed, as for a new stream.
    func reset() {
        generator = GaussianGenerator(seed: options.frame.ditherSeed)
    }

    /// Computes the next frame into ``row``; `fill` writes the frame's `length` scaled samples.
    func process(fill: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let frame = options.frame
        let needsEnergy = options.kind == .spectrogram || options.useEnergy
        var energy: Float = 0
        fft.withInput { padded in
            let samples = UnsafeMutableBufferPointer(rebasing: padded[0..<length])
            fill(samples)
            if frame.dither != 0 { addDither(samples, dither: frame.dither, generator: &generator) }
            if frame.removeDCOffset { removeDCOffset(samples) }
            if needsEnergy && options.rawEnergy { energy = logEnergy(UnsafeBufferPointer(samples)) }
            if frame.preemphasis != 0 { preemphasize(samples, coefficient: frame.preemphasis) }
            window.withUnsafeBufferPointer { applyWindow(samples, $0) }
            UnsafeMutableBufferPointer(rebasing: padded[length...]).update(repeating: 0)
            if needsEnergy && !options.rawEnergy {
                // Kaldi floors the windowed energy at FLT_MIN for the spectrogram, at FLT_EPSILON otherwise.
                let floor: Float = options.kind == .spectrogram ? .leastNormalMagnitude : .ulpOfOne
                energy = logEnergy(UnsafeBufferPointer(padded), floor: floor)
            }
        }
        if needsEnergy && options.energyFloor > 0 { energy = max(energy, logf(options.energyFloor)) }
        power.withUnsafeMutableBufferPointer { power in
            fft.powerSpectrum(into: power)
            for k in powerFloor.indices { power[k] += powerFloor[k] }
            row.withUnsafeMutableBufferPointer { row in
                switch options.kind {
                case .spectrogram: spectrogram(power, energy: energy, into: row)
                case .fbank: fbank(power, energy: energy, into: row)
                case .mfcc: mfcc(UnsafeBufferPointer(power), energy: energy, into: row)
                }
            }
        }
    }

    /// Kaldi's spectrogram: `ln(max(|X[k]|², ε))`, element 0 replaced by the log energy.
    private func spectrogram(_ power: UnsafeMutableBufferPointer<Float>, energy: Float, into row: UnsafeMutableBufferPointer<Float>) {
        logWithFloor(UnsafeBufferPointer(power), into: row)
        row[0] = energy
    }

    /// Kaldi's fbank: (log) mel energies of the power (or magnitude) spectrum, with the log energy
    /// first (last with `htkCompat`) when asked for.
    private func fbank(_ power: UnsafeMutableBufferPointer<Float>, energy: Float, into row: UnsafeMutableBufferPointer<Float>) {
        let bins = options.mel.bins
        if !options.usePower {
            for k in power.indices { power[k] = power[k].squareRoot() }
        }
        let offset = options.useEnergy && !options.htkCompat ? 1 : 0
        let mel = UnsafeMutableBufferPointer(rebasing: row[offset..<offset + bins])
        melBank!.apply(UnsafeBufferPointer(power), into: mel)
        if options.useLogFbank { logWithFloor(UnsafeBufferPointer(mel), into: mel) }
        if options.useEnergy { row[options.htkCompat ? bins : 0] = energy }
    }

    /// Kaldi's mfcc: DCT-II of the log mel energies, liftered, c0 replaced by the log energy when asked for.
    private func mfcc(_ power: UnsafeBufferPointer<Float>, energy: Float, into row: UnsafeMutableBufferPointer<Float>) {
        let bins = options.mel.bins, cepstra = options.cepstra
        melEnergies.withUnsafeMutableBufferPointer { mel in
            melBank!.apply(power, into: mel)
            logWithFloor(UnsafeBufferPointer(mel), into: mel)
            dct.withUnsafeBufferPointer { dct in
                for k in 0..<cepstra {
                    var sum: Float = 0
                    for j in 0..<bins { sum += dct[k * bins + j] * mel[j] }
                    row[k] = sum
                }
            }
        }
        for k in lifter.indices { row[k] *= lifter[k] }
        if options.useEnergy { row[0] = energy }
        if options.htkCompat {
            let c0 = row[0]
            for k in 0..<cepstra - 1 { row[k] = row[k + 1] }
            row[cepstra - 1] = options.useEnergy ? c0 : Float(Double(c0) * 2.0.squareRoot())
        }
    }
}

/// The mean power per FFT bin of white noise with standard deviation `sigma` after pre-emphasis and
/// `window`: `σ² Σ w[n]² |1 − c e^(−iω_k)|²` for k = 0 … paddedFrameLength / 2 (DC removal ignored).
func noiseFloorPower(_ sigma: Float, window: [Float], frame: FrameOptions) -> [Float] {
    let windowPower = window.reduce(0.0) { $0 + Double($1) * Double($1) }
    let padded = frame.paddedFrameLength
    let c = Double(frame.preemphasis)
    return (0...padded / 2).map { k in
        let omega = 2 * Double.pi * Double(k) / Double(padded)
        let emphasis = 1 + c * c - 2 * c * cos(omega)
        return Float(Double(sigma) * Double(sigma) * windowPower * emphasis)
    }
}

/// `output[i] = ln(max(input[i], Float.ulpOfOne))`; the two may be the same memory.
func logWithFloor(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
    for i in input.indices { output[i] = logf(max(input[i], .ulpOfOne)) }
}
