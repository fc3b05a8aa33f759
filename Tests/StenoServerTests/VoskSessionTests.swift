import Foundation
import Steno
import Testing
@testable import StenoServer

/// The protocol logic without the network.
@Suite("VoskSession")
struct VoskSessionTests {
    static func session() -> VoskSession { VoskSession(engine: TestAudio.engine, defaultSampleRate: 16_000) }

    static func reply(_ session: VoskSession, audio: [UInt8]) throws -> VoskSession.Reply {
        try audio.withUnsafeBytes { bytes throws(VoskProtocolError) in try session.receive(audio: bytes) }
    }

    @Test("A whole WAV file's bytes (header first) are read as WAV at the header's rate: the finals of the raw samples")
    func wavHeaderIsRecognised() throws {
        let path = TestAudio.samplesFolder + "/station.wav"
        let wav = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let session = Self.session()
        #expect(try session.receive(text: #"{"config": {"sample_rate": 8000}}"#) == .none)
        // The header split over two messages, the second long enough to pass the 12 bytes sniffed.
        _ = try Self.reply(session, audio: Array(wav.prefix(7)))
        _ = try Self.reply(session, audio: Array(wav.dropFirst(7)))
        guard case .sendAndClose(let final) = try session.receive(text: #"{"eof": 1}"#) else { Issue.record("no final"); return }
        let samples = try AudioDecoder.decode(.file(path)).samples
        let expected = try TestAudio.expectedFinals(TestAudio.pcm(samples))
        #expect(final == expected.first, "\(final) \(expected)")
    }

    @Test("reset gives the final so far and starts a new stream; messages after eof are refused")
    func resetAndAfterEOF() throws {
        let session = Self.session()
        _ = try Self.reply(session, audio: TestAudio.stationPCM)
        guard case .send(let first) = try session.receive(text: #"{"reset" : 1}"#) else { Issue.record("no final at reset"); return }
        #expect(first == (try TestAudio.stationFinals)[0])
        #expect(try session.receive(text: #"{"eof" : 1}"#) == .sendAndClose(#"{"text": ""}"#))
        #expect(throws: VoskProtocolError(.policyViolation, "audio after eof")) { try Self.reply(session, audio: [0, 0]) }
    }

    @Test("Config values are checked, with the reason in the error", arguments: [
        (#"{"config": {"sample_rate": 10}}"#, "sample_rate"),
        (#"{"config": {"sample_rate": true}}"#, "sample_rate"),
        (#"{"config": {"words": "yes"}}"#, "words"),
        (#"{"config": {"max_alternatives": 2.5}}"#, "max_alternatives"),
        (#"{"config": {"max_alternatives": 1000}}"#, "max_alternatives"),
        (#"{"config": {"phrase_list": ["[unk]"]}}"#, "phrase_list"),
        (#"{"config": 5}"#, "config must be a JSON object"),
    ])
    func badConfig(message: String, named: String) {
        do {
            _ = try Self.session().receive(text: message)
            Issue.record("accepted \(message)")
        } catch {
            #expect(error.code == .invalidPayload)
            #expect(error.reason.contains(named), "\(error.reason)")
        }
    }

    @Test("phrase_list keeps the output to the phrases")
    func phraseList() throws {
        let session = Self.session()
        _ = try session.receive(text: #"{"config": {"sample_rate": 16000, "phrase_list": ["where is the train station", "what time is it", "[unk]"]}}"#)
        _ = try Self.reply(session, audio: TestAudio.stationPCM)
        guard case .sendAndClose(let final) = try session.receive(text: #"{"eof" : 1}"#) else { Issue.record("no final"); return }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(final.utf8)) as? [String: Any])
        let greedy = try TestAudio.stationFinals
        #expect(object["text"] as? String == "where is the train station", "greedy alone says: \(greedy)")
    }

    @Test("Two finals in one message are merged into one reply: texts joined, words concatenated, the span of both")
    func mergedFinals() {
        let first = StreamResult(text: "a b", start: 0, end: 1, words: [WordTiming(word: "a", start: 0.1, end: 0.2, confidence: 1),
                                                                     WordTiming(word: "b", start: 0.3, end: 0.4, confidence: 1)])
        let second = StreamResult(text: "c", start: 1, end: 2.5, words: [WordTiming(word: "c", start: 1.2, end: 1.4, confidence: 0.5)])
        let merged = VoskSession.merged([first, second])
        #expect(merged.text == "a b c" && merged.start == 0 && merged.end == 2.5)
        #expect(merged.words.map(\.word) == ["a", "b", "c"])
        #expect(VoskSession.merged([second]) == second)
    }

    @Test("Close reasons are cut to fit a close frame (123 bytes) without splitting a character")
    func clippedReasons() {
        let long = String(repeating: "é", count: 200)
        let clipped = SpeechServer.clipped(long)
        #expect(clipped.utf8.count <= 123 && clipped.hasSuffix("…"))
        #expect(SpeechServer.clipped("short") == "short")
    }
}
