import Foundation
import Steno
import Testing

final class Scratch {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "steno-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}

/// True when `python3 -c "import numpy"` works here.
let numpyAvailable: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import numpy"]
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}()

@Suite("NumPy .npy files")
struct NumpyArrayTests {
    @Test("Write then read gives the same array, and the header is 64-byte aligned")
    func roundTrip() throws {
        let scratch = Scratch()
        let array = NumpyArray(shape: [3, 5], values: (0..<15).map { Float($0) * 0.25 - 1 })
        try array.write(to: scratch.file("a.npy"))
        #expect(try NumpyArray(contentsOf: scratch.file("a.npy")) == array)
        let data = array.encoded()
        // Magic, version, length and the padded header take a multiple of 64 bytes; then 15 floats.
        #expect((data.count - 15 * 4) % 64 == 0)
        #expect(NumpyArray(shape: [7], values: [Float](repeating: 1, count: 7)).encoded().count % 4 == 0)
    }

    @Test("numpy.load reads what Steno writes", .enabled(if: numpyAvailable, "python3 with numpy is not installed"))
    func numpyReadsIt() throws {
        let scratch = Scratch()
        let array = NumpyArray(shape: [2, 3], values: [1, -2.5, 3, .pi, 0, 1e-7])
        try array.write(to: scratch.file("a.npy"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = "import numpy as n; a = n.load('\(scratch.file("a.npy"))'); print(a.dtype, a.shape, repr(a.ravel().tolist()))"
        process.arguments = ["python3", "-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // Float.pi is 3.14159250… in float32.
        #expect(output.hasPrefix("float32 (2, 3) [1.0, -2.5, 3.0, 3.1415925"), "\(output)")
    }

    @Test("Damaged files are refused with a reason")
    func damaged() throws {
        let scratch = Scratch()
        var data = NumpyArray(shape: [4, 4], values: [Float](repeating: 0, count: 16)).encoded()
        data.removeLast(3)
        try data.write(to: URL(fileURLWithPath: scratch.file("short.npy")))
        #expect(throws: NumpyFormatError.self) { try NumpyArray(contentsOf: scratch.file("short.npy")) }
        try Data("hello".utf8).write(to: URL(fileURLWithPath: scratch.file("text.npy")))
        #expect(throws: NumpyFormatError(path: scratch.file("text.npy"), reason: "not a version 1 .npy file")) {
            try NumpyArray(contentsOf: scratch.file("text.npy"))
        }
    }
}

@Suite("Atomic writes")
struct AtomicFileTests {
    @Test("A write replaces the file whole and leaves no temporary behind")
    func replaces() throws {
        let scratch = Scratch()
        let path = scratch.file("out.bin")
        try AtomicFile.write(Data([1, 2, 3]), to: path)
        try AtomicFile.write(Data([4, 5]), to: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data([4, 5]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["out.bin"])
    }

    @Test("A missing folder or a directory in the way is an error, not a crash")
    func errors() throws {
        let scratch = Scratch()
        #expect(throws: FileWriteError.self) { try AtomicFile.write(Data([1]), to: scratch.file("missing/out.bin")) }
        #expect(throws: FileWriteError(path: scratch.path, reason: "is a directory")) { try AtomicFile.write(Data([1]), to: scratch.path) }
    }
}

@Suite("Frontend")
struct FrontendTests {
    @Test("Decoding in blocks gives the frames of decoding first, then extracting", arguments: [AudioFileFormat.wav16, .flac16])
    func blockwiseEqualsWhole(format: AudioFileFormat) throws {
        let scratch = Scratch()
        let path = scratch.file("noise.\(format.rawValue)")
        var generator = SystemRandomNumberGenerator()
        // 3 s: longer than the reader's 16 384-frame block, so several blocks are stitched.
        let noise = (0..<(3 * 22_050)).map { _ in Float.random(in: -0.3...0.3, using: &generator) }
        try AudioFileWriter.write(noise, sampleRate: 22_050, format: format, to: path)
        let options = FeatureOptions.mfcc()
        let streamed = try Frontend(features: options).compute(.file(path))
        let whole = try FeatureExtractor(options: options).compute(AudioDecoder.decode(.file(path)).samples)
        #expect(streamed.frameCount == whole.frameCount)
        #expect(streamed.frameCount == 298)
        // The resampler's output differs across block boundaries only by float rounding.
        let error = zip(streamed.values, whole.values).map { abs($0 - $1) }.max() ?? 0
        #expect(error < 1e-3)
    }
}
