import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The built `steno` binary, beside the test bundle.
let stenoBinary: URL = {
    var folder = Bundle.main.bundleURL
    if folder.pathExtension == "xctest" { folder.deleteLastPathComponent() }
    for candidate in [folder, folder.deletingLastPathComponent(), URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()] {
        let binary = candidate.appendingPathComponent("steno")
        if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
    }
    return folder.appendingPathComponent("steno")
}()

/// A `steno serve` process, started on a free port; its standard error is collected.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    private let errors = Pipe()
    private let lock = NSLock()
    private var errorText = ""
    private(set) var port = 0

    init(_ arguments: [String]) throws {
        process.executableURL = stenoBinary
        process.arguments = ["serve"] + arguments
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.withLock { self.errorText += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    var stderr: String { lock.withLock { errorText } }

    /// Waits for the "listening on http://HOST:PORT/" line and returns the port.
    func waitUntilListening() async throws -> Int {
        for _ in 0..<6000 {
            if let match = stderr.firstMatch(of: /listening on http:\/\/127\.0\.0\.1:(\d+)\//), let port = Int(match.1) {
                self.port = port
                return port
            }
            if !process.isRunning { throw TestError("steno serve exited: \(stderr)") }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestError("steno serve did not listen within 60 s: \(stderr)")
    }

    /// Waits for the process to exit (at most `seconds`) and returns its status.
    func waitForExit(seconds: Double = 30) async throws -> Int32 {
        for _ in 0..<Int(seconds * 100) where process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        if process.isRunning {
            process.terminate()
            throw TestError("steno serve did not exit within \(seconds) s: \(stderr)")
        }
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

@Suite("steno serve: the command")
struct ServeCommandTests {
    @Test("With the bundled model and LM, the finals equal steno stream's lines for the same audio; a second server on the port exits 1 with the reason; SIGTERM mid-utterance sends its final, closes with 1001 and exits 0")
    func sameAsStreamAndSIGTERM() async throws {
        let pcm = TestAudio.pcm(TestAudio.speech)
        let server = try ServeProcess(["--port", "0"])
        let port = try await server.waitUntilListening()

        // steno stream on the same bytes, run while the server is up.
        let (status, streamed) = try await offThread { () throws -> (Int32, String) in
            let stream = Process()
            stream.executableURL = stenoBinary
            stream.arguments = ["stream"]
            let input = Pipe(), output = Pipe()
            stream.standardInput = input
            stream.standardOutput = output
            stream.standardError = FileHandle.nullDevice
            try stream.run()
            try input.fileHandleForWriting.write(contentsOf: Data(pcm))
            try input.fileHandleForWriting.close()
            let streamed = String(decoding: try output.fileHandleForReading.readToEnd() ?? Data(), as: UTF8.self)
            stream.waitUntilExit()
            return (stream.terminationStatus, streamed)
        }
        let lines = streamed.split(separator: "\n").map(String.init)
        #expect(status == 0)
        #expect(lines.count == 2, "\(streamed)")

        let (_, finals, close) = try await TestAudio.converse(port: port, pcm: pcm, chunkBytes: 8_000)
        #expect(finals == lines)
        #expect(close == .closed(code: 1000, reason: ""))

        // A second server on the same port: a clear error and exit status 1.
        let second = try ServeProcess(["--port", "\(port)", "--no-lm"])
        #expect(try await second.waitForExit() == 1)
        #expect(second.stderr.contains("error: cannot serve on 127.0.0.1:\(port)"), "\(second.stderr)")
        #expect(second.stderr.contains("in use"), "\(second.stderr)")

        try await TestWebSocket.connect(port: port) { socket in
            try await socket.send(text: #"{"config": {"sample_rate": 16000}}"#)
            try await socket.send(binary: pcm.prefix(32_000))
            _ = try await socket.receive()
            kill(server.process.processIdentifier, SIGTERM)
            let final = try await socket.receiveJSON()
            #expect((final["text"] as? String)?.isEmpty == false, "\(final)")
            #expect(try await socket.receive() == .closed(code: 1001, reason: "server is shutting down"))
        }
        #expect(try await server.waitForExit() == 0)
        #expect(server.stderr.contains("SIGTERM: finishing 1 open session(s)"), "\(server.stderr)")
    }
}
