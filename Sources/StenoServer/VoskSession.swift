import Foundation
import Steno

/// One client's conversation in vosk-server's WebSocket protocol, without the network: messages in,
/// replies out. The server feeds it every message of a connection in order.
///
/// The protocol (as vosk-server's `asr_server.py` speaks it and its example clients expect):
/// - an optional text message `{"config": {"sample_rate": 16000, "words": true, "max_alternatives": 0,
///   "phrase_list": ["yes", "no"]}}` before any audio; it gets no reply;
/// - binary messages of 16-bit little-endian mono PCM at that rate (a RIFF/WAVE header at the start is
///   recognised and its rate used); each gets exactly one reply: `{"text": ...}` when an utterance ended
///   in it, otherwise `{"partial": "..."}` with the current utterance's text so far;
/// - `{"eof" : 1}` (any spacing) gets the last utterance's final result, `{"text": ""}` when there is
///   none, and the server then closes the connection; `{"reset" : 1}` gets the current utterance's final
///   and starts a fresh stream.
///
/// Finals are the JSON objects `steno stream` writes: `{"text", "start", "end", "result": [{"word",
/// "start", "end", "conf"}]}` (seconds from the start of the stream; no `result` with `"words": false`);
/// with `max_alternatives` N > 0, Vosk's `{"alternatives": [{"text", "confidence", "result"}], "start", "end"}`.
/// Should one audio message end two utterances, their finals are merged into one reply.
///
/// Anything else ends the conversation with a ``VoskProtocolError`` naming the problem: the server
/// closes the connection with its code and reason.
final class VoskSession {
    /// What the server should do after a message.
    enum Reply: Equatable {
        /// Nothing to send (a config message).
        case none
        /// Send this JSON text and keep the connection.
        case send(String)
        /// Send this JSON text, then close the connection normally (after `eof`).
        case sendAndClose(String)
    }

    let engine: SpeechEngine
    /// Hz of the client's audio: its config's `sample_rate`, else the server's default.
    private(set) var sampleRate: Int
    /// Whether finals list words (`"words"` in the config; default true, as vosk-server).
    private(set) var reportsWords = true
    /// n-best finals asked for (`"max_alternatives"`; 0: the plain shape).
    private(set) var maxAlternatives = 0
    private var options: RecognizerOptions
    private var decoder: PCMStreamDecoder?
    private var stream: StreamRecognizer?
    /// The first bytes of audio, kept until it is clear whether they are a WAV header.
    private var preamble: [UInt8] = []
    private var currentPartial = ""
    private(set) var ended = false

    /// Most phrases a `phrase_list` may hold, and alternatives one may ask for.
    static let phraseLimit = 10_000, alternativesLimit = 16

    init(engine: SpeechEngine, defaultSampleRate: Int) {
        self.engine = engine
        sampleRate = defaultSampleRate
        options = engine.options
    }

    /// Handles a text message.
    func receive(text: String) throws(VoskProtocolError) -> Reply {
        guard !ended else { throw VoskProtocolError(.policyViolation, "message after eof") }
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw VoskProtocolError(.unsupportedData, "text messages must be JSON objects: config, eof or reset")
            }
            object = parsed
        } catch let error as VoskProtocolError {
            throw error
        } catch {
            throw VoskProtocolError(.invalidPayload, "malformed JSON in a text message: \(Self.clipped(text))")
        }
        if let config = object["config"] {
            try configure(config)
            return .none
        }
        if let eof = object["eof"], Self.isTrue(eof) {
            ended = true
            return .sendAndClose(finishStream())
        }
        if let reset = object["reset"], Self.isTrue(reset) {
            let final = finishStream()
            decoder = nil
            stream = nil
            preamble = []
            return .send(final)
        }
        throw VoskProtocolError(.unsupportedData, "unknown message \(Self.clipped(text)); expected config, eof, reset or binary audio")
    }

    /// Handles a binary message of 16-bit little-endian mono PCM.
    func receive(audio bytes: UnsafeRawBufferPointer) throws(VoskProtocolError) -> Reply {
        guard !ended else { throw VoskProtocolError(.policyViolation, "audio after eof") }
        let samples = try decode(bytes)
        var finals: [StreamResult] = []
        // No stream before the first samples: until 12 bytes have come, they may still be a WAV header
        // that changes the rate.
        if !samples.isEmpty, let stream = try startedStream() {
            let events: [StreamEvent]
            do {
                events = try stream.accept(samples)
            } catch {
                throw VoskProtocolError(.unexpectedServerError, "cannot process the audio: \(error)")
            }
            for event in events {
                switch event {
                case .final(let result):
                    finals.append(result)
                    currentPartial = ""
                case .partial(let text):
                    currentPartial = text
                }
            }
        }
        if finals.isEmpty { return .send(StreamEvent.partial(currentPartial).jsonLine()) }
        return .send(finalJSON(Self.merged(finals)))
    }

    /// Ends the stream early (the server is shutting down): the current utterance's final, or
    /// `{"text": ""}`; `nil` once `eof` was handled.
    func finishForShutdown() -> String? {
        guard !ended else { return nil }
        ended = true
        return finishStream()
    }

    // MARK: - Implementation details

    private func configure(_ value: Any) throws(VoskProtocolError) {
        guard decoder == nil else { throw VoskProtocolError(.policyViolation, "config must come before the audio") }
        guard let config = value as? [String: Any] else { throw VoskProtocolError(.invalidPayload, "config must be a JSON object") }
        if let rate = config["sample_rate"] {
            guard let number = rate as? NSNumber, !(rate is Bool), number.doubleValue.isFinite,
                  AudioLimits.sampleRates.contains(Int(number.doubleValue.rounded())) else {
                throw VoskProtocolError(.invalidPayload, "config: sample_rate must be a number of Hz from \(AudioLimits.sampleRates.lowerBound) to \(AudioLimits.sampleRates.upperBound), got \(rate)")
            }
            sampleRate = Int(number.doubleValue.rounded())
        }
        if let words = config["words"] {
            guard let flag = words as? NSNumber else { throw VoskProtocolError(.invalidPayload, "config: words must be true or false, got \(words)") }
            reportsWords = flag.boolValue
        }
        if let alternatives = config["max_alternatives"] {
            guard let number = alternatives as? NSNumber, !(alternatives is Bool), number.doubleValue == number.doubleValue.rounded(),
                  (0...Self.alternativesLimit).contains(number.intValue) else {
                throw VoskProtocolError(.invalidPayload, "config: max_alternatives must be a whole number from 0 to \(Self.alternativesLimit), got \(alternatives)")
            }
            maxAlternatives = number.intValue
            options.alternatives = max(1, maxAlternatives)
            options.beamWidth = max(options.beamWidth, options.alternatives)
        }
        if let phrases = config["phrase_list"] {
            guard let list = phrases as? [String], list.count <= Self.phraseLimit else {
                throw VoskProtocolError(.invalidPayload, "config: phrase_list must be a list of at most \(Self.phraseLimit) strings")
            }
            // Vosk's "[unk]" entry (anything else) has no counterpart: words outside the list are never output.
            let entries = list.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && $0 != "[unk]" }
            guard !entries.isEmpty else { throw VoskProtocolError(.invalidPayload, "config: phrase_list names no phrases") }
            options.vocabulary = entries
            // A vocabulary needs the prefix beam search; a greedy-width beam would lose most phrases.
            options.beamWidth = max(options.beamWidth, 8)
        }
    }

    /// The samples in `bytes`; starts the decoder on the first audio.
    private func decode(_ bytes: UnsafeRawBufferPointer) throws(VoskProtocolError) -> [Float] {
        if decoder == nil { decoder = PCMStreamDecoder(encoding: .s16le, sampleRate: sampleRate, channels: 1) }
        let before = preamble.count, holding = before < 12
        if holding { preamble += bytes.prefix(12 - before) }
        do {
            return try decoder!.decode(bytes)
        } catch where error.kind == .wavOnRawInput && holding {
            // The client sent a whole WAV file's bytes: read its header instead (rate and channels from it).
            let wav = PCMStreamDecoder(encoding: .wav)
            decoder = wav
            var replay = Array(preamble.prefix(before))
            replay += bytes
            do {
                return try replay.withUnsafeBytes { raw throws(StreamFormatError) in try wav.decode(raw) }
            } catch {
                throw VoskProtocolError(.invalidPayload, "audio: \(error)")
            }
        } catch {
            throw VoskProtocolError(.invalidPayload, "audio: \(error)")
        }
    }

    /// The stream recognizer, made once the audio's rate is known (a WAV header may still be arriving).
    private func startedStream() throws(VoskProtocolError) -> StreamRecognizer? {
        if stream == nil, let rate = decoder?.sampleRate {
            do {
                let made = try engine.makeStream(inputRate: rate, options: options)
                stream = made
            } catch {
                throw VoskProtocolError(.invalidPayload, "cannot recognize audio at \(rate) Hz: \(error)")
            }
        }
        return stream
    }

    /// Finishes the stream and returns the last utterance's final (`{"text": ""}` when it had none).
    private func finishStream() -> String {
        var samples: [Float] = []
        if let decoder { samples = (try? decoder.finish()) ?? [] }
        var finals: [StreamResult] = []
        if let stream = (try? startedStream()) ?? nil {
            let events = ((try? stream.accept(samples)) ?? []) + stream.finish()
            for case .final(let result) in events { finals.append(result) }
        }
        currentPartial = ""
        return finals.isEmpty ? "{\"text\": \"\"}" : finalJSON(Self.merged(finals))
    }

    /// A final in the shape the config asked for.
    private func finalJSON(_ result: StreamResult) -> String {
        if maxAlternatives > 0 {
            let alternatives = (result.alternatives.isEmpty
                ? [Hypothesis(text: result.text, words: result.words, score: 0)] : result.alternatives).prefix(maxAlternatives)
            let entries = alternatives.map { hypothesis in
                "{\"text\": \(jsonQuoted(hypothesis.text)), \"confidence\": \(jsonNumber(hypothesis.score))"
                    + (reportsWords ? ", \"result\": \(Self.wordsJSON(hypothesis.words))" : "") + "}"
            }
            return "{\"alternatives\": [\(entries.joined(separator: ", "))], \"start\": \(jsonNumber(result.start)), \"end\": \(jsonNumber(result.end))}"
        }
        if reportsWords { return StreamEvent.final(result).jsonLine() }
        return "{\"text\": \(jsonQuoted(result.text)), \"start\": \(jsonNumber(result.start)), \"end\": \(jsonNumber(result.end))}"
    }

    private static func wordsJSON(_ words: [WordTiming]) -> String {
        "[" + words.map { word in
            "{\"word\": \(jsonQuoted(word.word)), \"start\": \(jsonNumber(word.start)), \"end\": \(jsonNumber(word.end)), \"conf\": \(jsonNumber(word.confidence))}"
        }.joined(separator: ", ") + "]"
    }

    /// Several finals as one: texts joined by a space, words concatenated, the span of all.
    static func merged(_ finals: [StreamResult]) -> StreamResult {
        guard var result = finals.first, finals.count > 1 else { return finals[0] }
        for next in finals.dropFirst() {
            result.text += " " + next.text
            result.words += next.words
            result.end = next.end
        }
        result.alternatives = []
        return result
    }

    private static func isTrue(_ value: Any) -> Bool { (value as? NSNumber)?.boolValue ?? false }

    /// A message shortened for an error reason (a close reason holds at most 123 bytes).
    private static func clipped(_ text: String) -> String {
        text.count <= 24 ? text : String(text.prefix(24)) + "…"
    }
}

/// Why a WebSocket conversation was ended: a close code and a reason for the client.
struct VoskProtocolError: Error, Equatable, CustomStringConvertible {
    /// WebSocket close codes used (RFC 6455, section 7.4.1; 1013 from the IANA registry).
    enum Code: UInt16, Sendable {
        case normalClosure = 1000, goingAway = 1001, unsupportedData = 1003, invalidPayload = 1007
        case policyViolation = 1008, messageTooLarge = 1009, unexpectedServerError = 1011, tryAgainLater = 1013
    }

    var code: Code
    var reason: String

    init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    var description: String { "\(code.rawValue): \(reason)" }
}
