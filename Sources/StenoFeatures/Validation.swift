extension FeatureOptions {
    /// Checks every option and throws the first problem found, naming the option and saying what is accepted.
    public func validate() throws(FeatureError) {
        try frame.validate()
        switch kind {
        case .spectrogram:
            break
        case .fbank, .mfcc:
            _ = try MelFilterbank(mel, frame: frame)
        }
        if kind == .mfcc {
            guard cepstra >= 1 else {
                throw FeatureError(option: "cepstra", "\(cepstra) cepstral coefficients; use at least 1")
            }
            guard cepstra <= mel.bins else {
                throw FeatureError(option: "cepstra", "\(cepstra) cepstral coefficients but only \(mel.bins) mel bins; use at most as many cepstra as bins")
            }
            guard cepstralLifter.isFinite, cepstralLifter >= 0 else {
                throw FeatureError(option: "cepstralLifter", "\(cepstralLifter) is not a valid cepstral lifter; use 0 (off) or a positive value such as 22")
            }
        }
        guard energyFloor.isFinite, energyFloor >= 0 else {
            throw FeatureError(option: "energyFloor", "\(energyFloor) is not a valid energy floor; use 0 (off) or a positive energy")
        }
        guard noiseFloor.isFinite, noiseFloor >= 0 else {
            throw FeatureError(option: "noiseFloor", "\(noiseFloor) is not a valid noise floor; use 0 (off) or a positive standard deviation such as 1")
        }
    }
}

extension FrameOptions {
    /// Checks the framing options; see ``FeatureOptions/validate()``.
    public func validate() throws(FeatureError) {
        guard sampleRate.isFinite, sampleRate > 0 else {
            throw FeatureError(option: "frame.sampleRate", "\(sampleRate) Hz is not a valid sample rate; use a positive rate such as 16000")
        }
        guard frameLengthMs.isFinite, frameLengthMs > 0 else {
            throw FeatureError(option: "frame.frameLengthMs", "\(frameLengthMs) ms is not a valid frame length; use a positive length such as 25")
        }
        guard frameLength >= 1 else {
            throw FeatureError(option: "frame.frameLengthMs", "\(frameLengthMs) ms is shorter than one sample at \(sampleRate) Hz; use a longer frame")
        }
        guard frameShiftMs.isFinite, frameShiftMs > 0 else {
            throw FeatureError(option: "frame.frameShiftMs", "\(frameShiftMs) ms is not a valid frame shift; use a positive shift such as 10")
        }
        guard frameShift >= 1 else {
            throw FeatureError(option: "frame.frameShiftMs", "\(frameShiftMs) ms is shorter than one sample at \(sampleRate) Hz; use a longer frame shift")
        }
        guard paddedFrameLength % 2 == 0 else {
            throw FeatureError(option: "frame.roundToPowerOfTwo", "the frame length is \(frameLength) samples, an odd FFT length; round to a power of two or choose an even number of samples")
        }
        guard dither.isFinite, dither >= 0 else {
            throw FeatureError(option: "frame.dither", "\(dither) is not a valid dither; use 0 (off) or a positive standard deviation such as 1")
        }
        guard preemphasis.isFinite, (0...1).contains(preemphasis) else {
            throw FeatureError(option: "frame.preemphasis", "\(preemphasis) is not a valid pre-emphasis coefficient; use a value in [0, 1], such as 0.97")
        }
        guard blackmanCoefficient.isFinite else {
            throw FeatureError(option: "frame.blackmanCoefficient", "\(blackmanCoefficient) is not a valid Blackman coefficient; use a finite value such as 0.42")
        }
        guard inputScale.isFinite, inputScale > 0 else {
            throw FeatureError(option: "frame.inputScale", "\(inputScale) is not a valid input scale; use a positive factor such as 32768")
        }
    }
}
