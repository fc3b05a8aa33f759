import Foundation
import Testing
@testable import StenoFeatures

@Suite("Options: validation and coding")
struct OptionsTests {
    static func error(_ change: (inout FeatureOptions) -> Void, base: FeatureOptions = .fbank(bins: 23)) -> FeatureError? {
        var options = base
        change(&options)
        do {
            try options.validate()
            return nil
        } catch {
            return error
        }
    }

    @Test("Defaults are valid", arguments: [FeatureOptions.fbank(), .fbank(bins: 80), .mfcc(), .mfcc(cepstra: 40, bins: 40), .spectrogram()])
    func defaultsValid(_ options: FeatureOptions) throws {
        try options.validate()
        _ = try OnlineFeatureExtractor(options: options)
    }

    @Test("Bad values are refused with a message naming the option")
    func badValues() throws {
        let cases: [(String, (inout FeatureOptions) -> Void, FeatureOptions)] = [
            ("frame.sampleRate", { $0.frame.sampleRate = 0 }, .fbank()),
            ("frame.sampleRate", { $0.frame.sampleRate = .nan }, .fbank()),
            ("frame.frameLengthMs", { $0.frame.frameLengthMs = 0.01 }, .fbank()),
            ("frame.frameLengthMs", { $0.frame.frameLengthMs = .nan }, .fbank()),
            ("frame.frameShiftMs", { $0.frame.frameShiftMs = 0 }, .fbank()),
            ("frame.frameShiftMs", { $0.frame.frameShiftMs = 0.01 }, .fbank()),
            ("frame.dither", { $0.frame.dither = -1 }, .fbank()),
            ("frame.preemphasis", { $0.frame.preemphasis = .nan }, .fbank()),
            ("frame.preemphasis", { $0.frame.preemphasis = 1.5 }, .fbank()),
            ("frame.inputScale", { $0.frame.inputScale = 0 }, .fbank()),
            ("frame.roundToPowerOfTwo", { $0.frame.roundToPowerOfTwo = false; $0.frame.frameLengthMs = 25.0625 }, .fbank()),
            ("mel.bins", { $0.mel.bins = 0 }, .fbank()),
            ("mel.bins", { $0.mel.bins = 200 }, .fbank()),
            ("mel.highFrequency", { $0.mel.highFrequency = 9_000 }, .fbank()),
            ("mel.highFrequency", { $0.mel.highFrequency = -8_000 }, .fbank()),
            ("mel.highFrequency", { $0.mel.lowFrequency = 4_000; $0.mel.highFrequency = 3_000 }, .fbank()),
            ("mel.lowFrequency", { $0.mel.lowFrequency = -5 }, .fbank()),
            ("mel.lowFrequency", { $0.mel.lowFrequency = .nan }, .fbank()),
            ("cepstra", { $0.cepstra = 40 }, .mfcc()),
            ("cepstra", { $0.cepstra = 0 }, .mfcc()),
            ("cepstralLifter", { $0.cepstralLifter = -1 }, .mfcc()),
            ("energyFloor", { $0.energyFloor = .infinity }, .fbank()),
        ]
        for (option, change, base) in cases {
            let error = try #require(Self.error(change, base: base), "\(option) accepted")
            #expect(error.option == option, "\(error)")
            #expect(error.description.hasPrefix(option + ": "))
            #expect(error.message.count > 20)
        }
        // The words a user would search the message for.
        #expect(Self.error { $0.frame.frameShiftMs = 0 }!.description.lowercased().contains("shift"))
        #expect(Self.error({ $0.cepstra = 40 }, base: .mfcc())!.description.contains("cepstra"))
        #expect(Self.error { $0.mel.highFrequency = 9_000 }!.description.contains("Nyquist"))
        // The spectrogram has no mel bank, so mel options do not matter to it.
        #expect(Self.error({ $0.mel.bins = 0 }, base: .spectrogram()) == nil)
    }

    @Test("Invalid options fail extractor creation and compute with the same error")
    func throwsEarly() {
        var options = FeatureOptions.fbank()
        options.frame.frameShiftMs = 0
        #expect(throws: FeatureError.self) { try OnlineFeatureExtractor(options: options) }
        #expect(throws: FeatureError.self) { try FeatureExtractor(options: options).compute([0, 0]) }
    }

    @Test("Frame sizes follow Kaldi's integer truncation")
    func frameSizes() {
        var frame = FrameOptions()
        #expect(frame.frameLength == 400 && frame.frameShift == 160 && frame.paddedFrameLength == 512)
        frame.sampleRate = 8_000
        #expect(frame.frameLength == 200 && frame.frameShift == 80 && frame.paddedFrameLength == 256)
        frame.roundToPowerOfTwo = false
        #expect(frame.paddedFrameLength == 200)
        frame.sampleRate = 44_100
        #expect(frame.frameLength == 1102 && frame.frameShift == 441)
    }

    @Test("Options round-trip through JSON")
    func codable() throws {
        var options = FeatureOptions.mfcc(cepstra: 20, bins: 40)
        options.frame.window = .blackman
        options.frame.ditherSeed = .max
        let data = try JSONEncoder().encode(options)
        #expect(try JSONDecoder().decode(FeatureOptions.self, from: data) == options)
    }
}
