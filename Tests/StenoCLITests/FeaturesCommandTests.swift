import Foundation
import Steno
import Testing

/// A two-tone test signal at `rate` Hz.
func twoTones(seconds: Double, rate: Int) -> [Float] {
    (0..<Int(seconds * Double(rate))).map { index in
        let t = Double(index) / Double(rate)
        return Float(0.3 * sin(2 * .pi * 440 * t) + 0.2 * sin(2 * .pi * 1_300 * t))
    }
}

@Suite("steno features")
struct FeaturesCommandTests {
    @Test("fbank frames in the .npy file equal the library's, frame for frame")
    func fbankMatchesLibrary() throws {
        let scratch = Scratch()
        let wav = scratch.file("tones.wav"), npy = scratch.file("tones.npy")
        try AudioFileWriter.write(twoTones(seconds: 1, rate: 16_000), sampleRate: 16_000, format: .wav16, to: wav)
        let result = try steno(["features", wav, "--type", "fbank", "--bins", "80", "--output", npy])
        #expect(result.status == 0, "\(result.stderr)")
        let array = try NumpyArray(contentsOf: npy)
        let expected = try FeatureExtractor(options: .fbank(bins: 80)).compute(AudioDecoder.decode(.file(wav)).samples)
        // 1 s at 16 kHz, 25 ms frames every 10 ms with snipped edges: 1 + (16000 - 400) / 160 = 98.
        #expect(array.shape == [98, 80])
        #expect(array.values == expected.values)
        #expect(result.stdout.isEmpty)
    }

    @Test("mfcc and spectrogram dimensions", arguments: [(["--type", "mfcc"], 13), (["--type", "mfcc", "--ceps", "20", "--bins", "40"], 20), (["--type", "spectrogram"], 257), (["--type", "fbank", "--energy", "true"], 24)])
    func dimensions(options: [String], dimension: Int) throws {
        let scratch = Scratch()
        let wav = scratch.file("tones.wav"), npy = scratch.file("out.npy")
        try AudioFileWriter.write(twoTones(seconds: 0.5, rate: 16_000), sampleRate: 16_000, format: .wav16, to: wav)
        let result = try steno(["features", wav, "-o", npy] + options)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try NumpyArray(contentsOf: npy).shape == [48, dimension])
    }

    @Test("Standard input gives the same frames as the file")
    func standardInput() throws {
        let scratch = Scratch()
        let flac = scratch.file("tones.flac")
        try AudioFileWriter.write(twoTones(seconds: 0.7, rate: 44_100), sampleRate: 44_100, format: .flac16, to: flac)
        #expect(try steno(["features", flac, "-o", scratch.file("file.npy")]).status == 0)
        let piped = try steno(["features", "-", "-o", scratch.file("stdin.npy")], stdin: Data(contentsOf: URL(fileURLWithPath: flac)))
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(try NumpyArray(contentsOf: scratch.file("file.npy")) == NumpyArray(contentsOf: scratch.file("stdin.npy")))
    }

    @Test("Per-utterance mean-variance normalization gives zero mean per dimension")
    func normalization() throws {
        let scratch = Scratch()
        let wav = scratch.file("tones.wav"), npy = scratch.file("out.npy")
        try AudioFileWriter.write(twoTones(seconds: 1, rate: 16_000), sampleRate: 16_000, format: .wav16, to: wav)
        #expect(try steno(["features", wav, "-o", npy, "--normalize", "mean-variance", "--dither", "1", "--seed", "3"]).status == 0)
        let array = try NumpyArray(contentsOf: npy)
        let (frames, dims) = (array.shape[0], array.shape[1])
        for d in 0..<dims {
            let mean = (0..<frames).reduce(0.0) { $0 + Double(array.values[$1 * dims + d]) } / Double(frames)
            #expect(abs(mean) < 1e-4)
        }
    }

    @Test("Bad audio: non-zero exit, a message naming the file, no output file")
    func badAudio() throws {
        let scratch = Scratch()
        let text = scratch.file("notes.wav"), npy = scratch.file("out.npy")
        try "these are not samples\n".write(toFile: text, atomically: true, encoding: .utf8)
        let result = try steno(["features", text, "-o", npy])
        #expect(result.status != 0)
        #expect(result.stderr.contains("notes.wav: not a recognised audio file"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: npy))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["notes.wav"])
    }

    @Test("Empty standard input is reported as such")
    func emptyStandardInput() throws {
        let scratch = Scratch()
        let result = try steno(["features", "-", "-o", scratch.file("out.npy")], stdin: Data())
        #expect(result.status != 0)
        #expect(result.stderr.contains("standard input: the file is empty"), "\(result.stderr)")
    }

    @Test("Invalid options are refused before any work", arguments: [
        (["--frame-shift", "0"], "shift"), (["--bins", "0"], "bins"), (["--type", "mfcc", "--ceps", "40"], "cep"),
        (["--type", "waveform"], "waveform"), (["--sample-rate", "0"], "rate"), (["--high-freq", "9000"], "freq"),
    ])
    func invalidOptions(options: [String], mention: String) throws {
        let scratch = Scratch()
        let wav = scratch.file("tones.wav"), npy = scratch.file("out.npy")
        try AudioFileWriter.write(twoTones(seconds: 0.2, rate: 16_000), sampleRate: 16_000, format: .wav16, to: wav)
        let result = try steno(["features", wav, "-o", npy] + options)
        #expect(result.status != 0)
        #expect(result.stderr.lowercased().contains(mention), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: npy))
    }

    @Test("The output may not replace the input, nor go to a missing folder")
    func outputChecks() throws {
        let scratch = Scratch()
        let wav = scratch.file("tones.wav")
        try AudioFileWriter.write(twoTones(seconds: 0.2, rate: 16_000), sampleRate: 16_000, format: .wav16, to: wav)
        let before = try Data(contentsOf: URL(fileURLWithPath: wav))
        let same = try steno(["features", wav, "-o", wav])
        #expect(same.status != 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: wav)) == before)
        let missing = try steno(["features", wav, "-o", scratch.file("no/such/folder/out.npy")])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("out.npy: cannot write"), "\(missing.stderr)")
    }
}

@Suite("steno info and help")
struct InfoCommandTests {
    @Test("info prints the header of each file")
    func info() throws {
        let scratch = Scratch()
        let wav = scratch.file("stereo.wav")
        try AudioFileWriter.write([Float](repeating: 0.1, count: 2 * 22_050), channels: 2, sampleRate: 22_050, format: .wav24, to: wav)
        let result = try steno(["info", wav])
        #expect(result.status == 0)
        #expect(result.stdout == """
            file: \(wav)
            container: WAV (Microsoft)
            encoding: Signed 24 bit PCM
            sample rate: 22050 Hz
            channels: 2
            frames: 22050
            duration: 1.000 s

            """)
    }

    @Test("info reports every bad file and still describes the good ones")
    func infoErrors() throws {
        let scratch = Scratch()
        let wav = scratch.file("ok.wav")
        try AudioFileWriter.write([Float](repeating: 0, count: 160), sampleRate: 16_000, format: .wav16, to: wav)
        let result = try steno(["info", scratch.file("missing.wav"), wav, scratch.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("file: \(wav)"))
        #expect(result.stderr.contains("missing.wav: no such file"))
        #expect(result.stderr.contains("\(scratch.path): is a directory"))
    }

    @Test("Help lists the commands and their options")
    func help() throws {
        let top = try steno(["--help"])
        #expect(top.status == 0)
        #expect(top.stdout.contains("features") && top.stdout.contains("info"))
        let features = try steno(["features", "--help"])
        #expect(features.stdout.contains("--type <type>") && features.stdout.contains("spectrogram, fbank, mfcc"))
        let unknown = try steno(["transmogrify"])
        #expect(unknown.status != 0)
    }
}
