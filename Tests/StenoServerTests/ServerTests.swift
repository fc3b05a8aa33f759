import Foundation
import NIOWebSocket
import Steno
import Testing
@testable import StenoServer

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("steno serve: the server over the network")
struct ServerTests {
    @Test("Vosk's exchange end to end: one reply per audio message, the finals of a StreamRecognizer, then a normal close")
    func voskExchange() async throws {
        let pcm = TestAudio.pcm(TestAudio.speech)
        let expected = try TestAudio.expectedFinals(pcm)
        try #require(expected.count == 2, "the test audio should hold two utterances: \(expected)")
        try await withServer { port, _ in
            let (replies, finals, close) = try await TestAudio.converse(port: port, pcm: pcm)
            let messages = (pcm.count + 6_399) / 6_400
            #expect(replies.count == messages + 1)
            #expect(replies.dropLast().allSatisfy { $0["partial"] is String || $0["text"] is String })
            #expect(finals == expected)
            #expect(replies.contains { ($0["partial"] as? String)?.isEmpty == false })
            #expect(close == .closed(code: 1000, reason: ""))
        }
    }

    @Test("Splitting the audio into other message sizes, odd byte counts included, gives the same finals")
    func messageSizes() async throws {
        let pcm = TestAudio.pcm(Array(TestAudio.speech.prefix(40_000)))
        let expected = try TestAudio.expectedFinals(pcm)
        try await withServer { port, _ in
            for chunk in [333, 16_000] {
                let (_, finals, _) = try await TestAudio.converse(port: port, pcm: pcm, chunkBytes: chunk)
                #expect(finals == expected, "messages of \(chunk) bytes")
            }
        }
    }

    @Test("Audio before any config is taken at the default rate; words: false drops the word list")
    func defaultsAndWords() async throws {
        let pcm = TestAudio.pcm(Array(TestAudio.speech.prefix(40_000)))
        try await withServer { port, _ in
            let expected = try TestAudio.expectedFinals(pcm)
            try await TestWebSocket.connect(port: port) { socket in
                try await socket.send(binary: pcm)
                #expect(try await socket.receiveJSON()["partial"] is String)
                try await socket.send(text: #"{"eof": 1}"#)
                #expect(try await socket.receive() == .text(expected[0]))
            }
            let (_, finals, _) = try await TestAudio.converse(port: port, pcm: pcm, config: #"{"config": {"sample_rate": 16000, "words": false}}"#)
            let final = try #require(finals.first.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
            #expect(Set(final.keys) == ["text", "start", "end"])
        }
    }

    @Test("A client at 8 kHz (config sample_rate) is resampled: the finals of a recognizer told the same rate")
    func otherRate() async throws {
        let station = try AudioDecoder.decode(.file(TestAudio.samplesFolder + "/station.wav"), sampleRate: 8_000).samples
        let pcm = TestAudio.pcm(station)
        let expected = try TestAudio.expectedFinals(pcm, inputRate: 8_000)
        try #require(expected.count == 1)
        try await withServer { port, _ in
            let (_, finals, _) = try await TestAudio.converse(port: port, pcm: pcm, chunkBytes: 3_200,
                                                              config: #"{"config": {"sample_rate": 8000}}"#)
            #expect(finals == expected)
        }
    }

    @Test("max_alternatives gives Vosk's alternatives shape: the n-best of a recognizer asked for them, best first")
    func alternatives() async throws {
        let pcm = TestAudio.pcm(Array(TestAudio.speech.prefix(40_000)))
        var options = TestAudio.engine.options
        options.alternatives = 3
        options.beamWidth = 3
        let samples = pcm.withUnsafeBytes { bytes in (0..<pcm.count / 2).map { Float(Int16(littleEndian: bytes.load(fromByteOffset: 2 * $0, as: Int16.self))) / 32_768 } }
        let stream = try StreamRecognizer(model: TestAudio.engine.model, options: options, endpointing: TestAudio.engine.endpointing)
        let results = (try stream.accept(samples) + stream.finish()).compactMap { if case .final(let result) = $0 { result } else { nil } }
        let expected = try #require(results.first?.alternatives)
        try await withServer { port, _ in
            let (replies, _, _) = try await TestAudio.converse(port: port, pcm: pcm, config: #"{"config": {"sample_rate": 16000, "max_alternatives": 3}}"#)
            let final = try #require(replies.last)
            let alternatives = try #require(final["alternatives"] as? [[String: Any]], "\(final)")
            #expect(alternatives.compactMap { $0["text"] as? String } == expected.map(\.text))
            #expect(expected.count > 1)
            let scores = alternatives.compactMap { $0["confidence"] as? Double }
            #expect(scores == scores.sorted(by: >) && scores.count == expected.count)
            #expect(alternatives.allSatisfy { $0["result"] is [[String: Any]] })
        }
    }

    @Test("Beyond --max-connections a session is closed with 1013 and a reason; the open ones keep working")
    func connectionLimit() async throws {
        let pcm = TestAudio.pcm(Array(TestAudio.speech.prefix(40_000)))
        try await withServer(configure: { $0.maxConnections = 2 }) { port, server in
            try await TestWebSocket.connect(port: port) { first in
                try await TestWebSocket.connect(port: port) { second in
                    try await first.send(text: #"{"config": {"sample_rate": 16000}}"#)
                    try await second.send(binary: pcm.prefix(3_200))
                    _ = try await second.receive()
                    #expect(server.openSessions == 2)
                    // The third's handshake succeeds and is followed at once by the close frame: read the bytes
                    // themselves (after the 101 response, an unmasked close frame: 0x88, length, code, reason).
                    let handshake = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                    let bytes = try await offThread { try rawExchange(port: port, request: handshake, seconds: 60) }
                    let text = String(decoding: bytes, as: UTF8.self)
                    #expect(text.hasPrefix("HTTP/1.1 101"), "\(text)")
                    let headerEnd = try #require(text.utf8.count >= 4 ? bytes.indices.first { bytes[$0...].starts(with: Array("\r\n\r\n".utf8)) } : nil)
                    let frame = Array(bytes[(headerEnd + 4)...])
                    try #require(frame.count >= 4, "no close frame after the handshake: \(frame)")
                    #expect(frame[0] == 0x88)
                    #expect(UInt16(frame[2]) << 8 | UInt16(frame[3]) == 1013)
                    let reason = String(decoding: frame.dropFirst(4).prefix(Int(frame[1] & 0x7F) - 2), as: UTF8.self)
                    #expect(reason.contains("--max-connections"), "\(reason)")
                    try await first.send(binary: pcm)
                    _ = try await first.receive()
                    try await first.send(text: #"{"eof" : 1}"#)
                    #expect(try await first.receive() == .text(try TestAudio.expectedFinals(pcm)[0]))
                }
            }
        }
    }

    @Test("Faults close only their own session: malformed JSON, unknown and misplaced messages, bad config, oversized messages, a vanished client",
          arguments: Fault.allCases)
    func faultsStayLocal(fault: Fault) async throws {
        let pcm = TestAudio.stationPCM, expected = try TestAudio.stationFinals
        try await withServer(configure: { $0.maxMessageBytes = 64 * 1024 }) { port, server in
            try await TestWebSocket.connect(port: port) { healthy in
                try await healthy.send(text: #"{"config": {"sample_rate": 16000}}"#)
                try await healthy.send(binary: pcm.prefix(16_000))
                _ = try await healthy.receive()

                let outcome = try await TestWebSocket.connect(port: port) { faulty -> TestWebSocket.Received in
                    try await fault.commit(on: &faulty, pcm: pcm)
                }
                if let code = fault.closeCode {
                    guard case .closed(code: let received, let reason) = outcome else { Issue.record("\(fault): not closed: \(outcome)"); return }
                    #expect(received == code, "\(fault): \(reason)")
                    // The WebSocket layer's own closes (1002, 1009) carry no reason; the session's always do.
                    #expect(!reason.isEmpty || code == 1009 || code == 1002, "\(fault): a close reason")
                }
                // The session is gone from the server, and the healthy one goes on to the right text.
                for _ in 0..<3000 where server.openSessions > 1 { try await Task.sleep(for: .milliseconds(10)) }
                #expect(server.openSessions == 1, "\(fault)")
                try await healthy.send(binary: pcm.dropFirst(16_000))
                _ = try await healthy.receive()
                try await healthy.send(text: #"{"eof" : 1}"#)
                let final = try await healthy.receive()
                #expect(final == .text(expected[0]), "\(fault)")
            }
        }
    }

    enum Fault: CaseIterable, Sendable {
        case malformedJSON, notAnObject, unknownMessage, configAfterAudio, badSampleRate, continuationWithoutStart, oversizedMessage, vanished

        /// The close code the server sends; nil when the client leaves first.
        var closeCode: UInt16? {
            switch self {
            case .malformedJSON, .badSampleRate: 1007
            case .notAnObject, .unknownMessage: 1003
            case .configAfterAudio: 1008
            case .continuationWithoutStart: 1002
            case .oversizedMessage: 1009
            case .vanished: nil
            }
        }

        func commit(on socket: inout TestWebSocket, pcm: [UInt8]) async throws -> TestWebSocket.Received {
            switch self {
            case .malformedJSON: try await socket.send(text: #"{"config": {"sample_rate": 16000"#)
            case .notAnObject: try await socket.send(text: "[1, 2]")
            case .unknownMessage: try await socket.send(text: #"{"hello": "world"}"#)
            case .configAfterAudio:
                try await socket.send(binary: pcm.prefix(3_200))
                _ = try await socket.receive()
                try await socket.send(text: #"{"config": {"sample_rate": 8000}}"#)
            case .badSampleRate: try await socket.send(text: #"{"config": {"sample_rate": "fast"}}"#)
            case .continuationWithoutStart: try await socket.send(opcode: .continuation, bytes: [1, 2, 3])
            case .oversizedMessage: try await socket.send(binary: [UInt8](repeating: 0, count: 100 * 1024))
            case .vanished:
                try await socket.send(binary: pcm.prefix(8_000))
                _ = try await socket.receive()
                try await socket.send(binary: pcm.prefix(8_000))
                await socket.vanish()
                return .closed(code: nil, reason: "vanished")
            }
            return try await socket.receive()
        }
    }

    @Test("Four sessions at once each get their own audio's finals")
    func concurrentSessions() async throws {
        let clips = (0..<4).map { index in TestAudio.pcm(Array(TestAudio.speech.dropFirst(index * 8_000).prefix(24_000))) }
        let expected = try clips.map { try TestAudio.expectedFinals($0) }
        try await withServer(configure: { $0.maxConnections = 4 }) { port, _ in
            let results = try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
                for (index, clip) in clips.enumerated() {
                    group.addTask { (index, try await TestAudio.converse(port: port, pcm: clip, chunkBytes: 3_200).finals) }
                }
                var results = [[String]](repeating: [], count: clips.count)
                for try await (index, finals) in group { results[index] = finals }
                return results
            }
            #expect(results == expected)
            #expect(expected.allSatisfy { !$0.isEmpty })
        }
    }

    @Test("Shutting down mid-utterance sends the utterance's final, closes with 1001 and refuses new sessions")
    func shutdownFinishesUtterances() async throws {
        let pcm = TestAudio.pcm(Array(TestAudio.speech.prefix(24_000)))
        try await withServer { port, server in
            try await TestWebSocket.connect(port: port) { socket in
                try await socket.send(text: #"{"config": {"sample_rate": 16000}}"#)
                try await socket.send(binary: pcm)
                _ = try await socket.receive()
                server.shutdown()
                let final = try await socket.receiveJSON()
                // The final of the speech received so far: what an offline pass over it gives.
                let offline = try #require(try TestAudio.expectedFinals(pcm).first.flatMap {
                    try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                })
                let text = try #require(final["text"] as? String, "\(final)")
                #expect(!text.isEmpty && text == offline["text"] as? String, "\(final) against \(offline)")
                #expect(try await socket.receive() == .closed(code: 1001, reason: "server is shutting down"))
            }
        }
    }

    @Test("Fifty short sessions one after another each get their two replies and leave nothing open")
    func manySequentialSessions() async throws {
        let pcm = TestAudio.pcm(Array(TestAudio.speech.prefix(3_200)))
        try await withServer { port, server in
            for index in 0..<50 {
                let (replies, _, close) = try await TestAudio.converse(port: port, pcm: pcm, chunkBytes: 6_400)
                if replies.count != 2 || close != .closed(code: 1000, reason: "") {
                    Issue.record("session \(index): \(replies), \(close)")
                    return
                }
            }
            for _ in 0..<3000 where server.openSessions > 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(server.openSessions == 0)
        }
    }

    // MARK: - HTTP

    @Test("POST /transcribe answers the JSON of steno transcribe --format json")
    func transcribeUpload() async throws {
        let path = TestAudio.samplesFolder + "/station.wav"
        let expected = try TestAudio.engine.recognizer.transcribe(.file(path))
        try await withServer { port, _ in
            let (status, body) = try await http("POST", port: port, path: "/transcribe?name=station.wav", body: Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(status == 200)
            var named = expected
            named.name = "station.wav"
            #expect(body == named.rendered(as: .json))
        }
    }

    @Test("POST /transcribe refuses what is not audio, an empty body and an oversized one, with a JSON error")
    func transcribeBadUploads() async throws {
        try await withServer(configure: { $0.maxUploadBytes = 100_000 }) { port, _ in
            let (status, body) = try await http("POST", port: port, path: "/transcribe?name=notes.txt", body: Data("hello, this is not audio".utf8))
            #expect(status == 400)
            #expect(body.contains("\"error\"") && body.contains("notes.txt"), "\(body)")
            let (emptyStatus, emptyBody) = try await http("POST", port: port, path: "/transcribe", body: Data())
            #expect(emptyStatus == 400 && emptyBody.contains("no body"), "\(emptyBody)")
            let (largeStatus, _) = try await http("POST", port: port, path: "/transcribe", body: Data(count: 200_000))
            #expect(largeStatus == 413)
            // A damaged WAV: the header promises more than the file holds.
            var wav = try Data(contentsOf: URL(fileURLWithPath: TestAudio.samplesFolder + "/station.wav"))
            wav = wav.prefix(30)
            let (damagedStatus, damagedBody) = try await http("POST", port: port, path: "/transcribe?name=cut.wav", body: wav)
            #expect(damagedStatus == 400 && damagedBody.contains("cut.wav"), "\(damagedBody)")
        }
    }

    @Test("The web page and its scripts are served; /status reports the rate and the sessions")
    func webPage() async throws {
        try await withServer(configure: { $0.maxConnections = 3 }) { port, _ in
            let (status, page) = try await http("GET", port: port, path: "/")
            #expect(status == 200 && page.contains("<title>Steno</title>") && page.contains("app.js"))
            let (_, app) = try await http("GET", port: port, path: "/app.js")
            #expect(app.contains("audioWorklet.addModule('pcm-worklet.js')"))
            let (_, worklet) = try await http("GET", port: port, path: "/pcm-worklet.js")
            #expect(worklet.contains("registerProcessor('pcm-resampler'"))
            let (_, statusJSON) = try await http("GET", port: port, path: "/status")
            #expect(statusJSON == "{\"sample_rate\": 16000, \"connections\": 0, \"max_connections\": 3}\n")
            let (missing, _) = try await http("GET", port: port, path: "/nothing-here")
            #expect(missing == 404)
        }
    }
}

/// One HTTP request to 127.0.0.1; returns the status and the body as text.
func http(_ method: String, port: Int, path: String, body: Data? = nil) async throws -> (Int, String) {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    request.httpMethod = method
    request.httpBody = body
    let (data, response) = try await URLSession.shared.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
}
