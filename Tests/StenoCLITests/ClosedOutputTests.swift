import Foundation
import Steno
import Testing

@Suite("Standard output closed early")
struct ClosedOutputTests {
    /// Runs steno with a standard output nobody reads (the pipe's reading end is closed first).
    func runWithClosedOutput(_ arguments: [String]) throws -> (status: Int32, reason: Process.TerminationReason, stderr: String) {
        let scratch = Scratch()
        let errors = scratch.file("stderr")
        FileManager.default.createFile(atPath: errors, contents: nil)
        let process = Process()
        process.executableURL = stenoBinary
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        process.standardInput = FileHandle.nullDevice
        try output.fileHandleForReading.close()  // the first write fails with EPIPE
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason, try String(contentsOfFile: errors, encoding: .utf8))
    }

    @Test("transcribe, info and evaluate stop with a message and status 141, not SIGPIPE", arguments: ["transcribe", "info", "evaluate"])
    func closed(command: String) throws {
        let scratch = Scratch()
        let network = NetworkConfiguration(inputSize: 80, classes: 29, stacking: 4, layers: 1, hiddenSize: 8, chunk: 4, lookahead: 2)
        try AcousticModel(ModelDescription(alphabet: .english, features: .fbank(bins: 80), network: network), seed: 1).write(to: scratch.file("m.steno"))
        let audio = samplesFolder + "/hello.wav"
        let arguments: [String] = switch command {
        case "transcribe": ["transcribe", "--model", scratch.file("m.steno"), "--format", "json", audio, audio]
        case "info": ["info", audio, scratch.file("m.steno")]
        default: ["evaluate", "--model", scratch.file("m.steno"), "--manifest", samplesFolder + "/fixtures.tsv"]
        }
        let result = try runWithClosedOutput(arguments)
        #expect(result.reason == .exit, "killed by a signal")
        #expect(result.status == 141)
        #expect(result.stderr.contains("stdout closed; stopping"), "\(result.stderr)")
    }
}
