import Foundation
import Testing
@testable import Steno

@Suite("StreamRecognizer")
struct StreamRecognizerTests {
    /// An untrained model shaped like a real one (80-bin fbank, 4 stacked frames, latency control
    /// 4 + 2) but tiny (1 × 8 BiLSTM); its output is gibberish but deterministic and not empty.
    static var model: AcousticModel {
        let network = NetworkConfiguration(inputSize: 80, classes: Alphabet.english.classCount, stacking: 4, layers: 1, hiddenSize: 8,
                                           chunk: 4, lookahead: 2)
        return AcousticModel(ModelDescription(alphabet: .english, features: .fbank(bins: 80), network: network), seed: 1)
    }

    static let samplesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples").path

    /// Noise bursts with a syllable-like envelope: "speech" as far as energy is concerned.
    static func speechLike(seconds: Double, seed: UInt64) -> [Float] {
        var random = SplitMix64(seed: seed)
        let count = Int(seconds * 16_000)
        return (0..<count).map { index in
            let envelope = 0.6 + 0.4 * sin(Double(index) / 16_000 * 2 * .pi * 4)
            return Float((random.uniform() - 0.5) * 0.5 * envelope + 0.2 * sin(Double(index) * 0.09))
        }
    }

    /// Feeds `samples` in pieces of the given sizes (cycled) and returns every event, finish included.
    static func stream(_ samples: [Float], into recognizer: StreamRecognizer, pieces: [Int]) throws -> [StreamEvent] {
        var events: [StreamEvent] = []
        var start = 0, index = 0
        while start < samples.count {
            let end = min(samples.count, start + pieces[index % pieces.count])
            events += try recognizer.accept(Array(samples[start..<end]))
            start = end
            index += 1
        }
        return events + recognizer.finish()
    }

    static func finals(_ events: [StreamEvent]) -> [StreamResult] {
        events.compactMap { if case .final(let result) = $0 { result } else { nil } }
    }

    /// Writes `samples` as a 16-bit WAV and reads them back, so the stream and the offline
    /// recognizer see bit-identical audio.
    static func roundTrip(_ samples: [Float], in scratch: Scratch, name: String) throws -> (path: String, samples: [Float]) {
        let path = scratch.file(name)
        try AudioFileWriter.write(samples, sampleRate: 16_000, format: .wav16, to: path)
        return (path, try AudioDecoder.decode(.file(path)).samples)
    }

    static let chunkings: [[Int]] = [[1], [7], [160], [1601, 3, 40_000, 17, 999, 64]]

    @Test("Without endpoints the final text equals Recognizer.transcribe, whatever the chunking")
    func equalsOffline() throws {
        let scratch = Scratch()
        var inputs: [(path: String, samples: [Float], rate: Int)] = []
        for (index, seconds) in [0.3, 1.7, 3.1].enumerated() {
            let (path, samples) = try Self.roundTrip(Self.speechLike(seconds: seconds, seed: UInt64(index)), in: scratch, name: "u\(index).wav")
            inputs.append((path, samples, 16_000))
        }
        // A bundled recording at its own rate, 22 050 Hz: the stream resamples as the offline reader does.
        let hello = "\(Self.samplesFolder)/hello.wav"
        inputs.append((hello, try MonoAudioReader(.file(hello), sampleRate: nil).readAll(), 22_050))

        for input in inputs {
            let expected = try Recognizer(model: Self.model).transcribe(.file(input.path))
            #expect(!expected.text.isEmpty, "the untrained model should emit characters for this test to mean something")
            for pieces in Self.chunkings where !(pieces == [1] && input.samples.count > 30_000) {
                let recognizer = try StreamRecognizer(model: Self.model, inputRate: input.rate, endpointing: .disabled)
                let finals = Self.finals(try Self.stream(input.samples, into: recognizer, pieces: pieces))
                #expect(finals.map(\.text) == [expected.text], "\(input.path), pieces \(pieces)")
                // Word times are those of the offline pass (clamped to the stream's end).
                #expect(finals.first?.words.map(\.word) == expected.words.map(\.word))
                for (streamed, offline) in zip(finals.first?.words ?? [], expected.words) {
                    #expect(abs(streamed.start - offline.start) < 1e-9 && streamed.end <= offline.end + 1e-9)
                }
            }
        }
    }

    @Test("Beam search without endpoints equals the offline beam search")
    func beamEqualsOffline() throws {
        let scratch = Scratch()
        let (path, samples) = try Self.roundTrip(Self.speechLike(seconds: 2.2, seed: 9), in: scratch, name: "beam.wav")
        var options = RecognizerOptions(beamWidth: 4)
        options.hotwords = ["tea": 2]
        let expected = try Recognizer(model: Self.model, options: options).transcribe(.file(path))
        #expect(!expected.text.isEmpty)
        for pieces in [[160], [333, 1, 4000]] {
            let recognizer = try StreamRecognizer(model: Self.model, options: options, endpointing: .disabled)
            let finals = Self.finals(try Self.stream(samples, into: recognizer, pieces: pieces))
            #expect(finals.map(\.text) == [expected.text])
            // The same calibrated word confidences as the offline result (three decimals, as in JSON).
            #expect(finals.first?.words.map { ($0.confidence * 1000).rounded() } == expected.words.map { ($0.confidence * 1000).rounded() })
        }
    }

    @Test("Partials: reported only when the text changes, each extending towards the final")
    func partials() throws {
        let samples = Self.speechLike(seconds: 3, seed: 3)
        let recognizer = try StreamRecognizer(model: Self.model, endpointing: .disabled)
        let events = try Self.stream(samples, into: recognizer, pieces: [1600])
        let partials = events.compactMap { if case .partial(let text) = $0 { text } else { nil } }
        #expect(!partials.isEmpty)
        #expect(zip(partials, partials.dropFirst()).allSatisfy { $0 != $1 }, "no repeated partials")
        let final = try #require(Self.finals(events).first)
        // Greedy decoding never takes back a character: every partial is a prefix of the final text.
        #expect(partials.allSatisfy { final.text.hasPrefix($0) }, "\(partials) vs \(final.text)")
        if case .final = events.last {} else { Issue.record("the last event should be the final") }

        let quiet = try StreamRecognizer(model: Self.model, endpointing: .disabled)
        quiet.reportsPartials = false
        let withoutPartials = try Self.stream(samples, into: quiet, pieces: [1600])
        #expect(withoutPartials == Self.finals(events).map { .final($0) })
    }

    @Test("Speech, 2 s of silence, speech: two finals with ordered, non-overlapping times, the same for any chunking")
    func endpointAtSilence() throws {
        let first = Self.speechLike(seconds: 1.5, seed: 1), second = Self.speechLike(seconds: 1.2, seed: 2)
        let audio = first + [Float](repeating: 0, count: 32_000) + second
        var reference: [StreamResult]?
        for pieces in [[1600], [7, 5000, 333]] {
            let recognizer = try StreamRecognizer(model: Self.model)
            let finals = Self.finals(try Self.stream(audio, into: recognizer, pieces: pieces))
            try #require(finals.count == 2, "\(finals)")
            #expect(finals.allSatisfy { !$0.text.isEmpty && $0.start < $0.end })
            #expect(finals[0].end <= finals[1].start)
            // The first utterance ends 0.8 s into the silence (within a 40 ms block); the stream ends at 4.7 s.
            #expect(abs(finals[0].end - 2.3) <= 0.04 + 1e-9, "\(finals[0].end)")
            #expect(abs(finals[1].end - 4.7) < 1e-9)
            for result in finals {
                #expect(result.words.allSatisfy { result.start <= $0.start && $0.start <= $0.end && $0.end <= result.end })
            }
            // The second utterance's words are timed from the stream's start, inside the second segment.
            #expect(finals[1].words.first.map { $0.start >= 2.3 } == true)
            if let reference { #expect(finals == reference) } else { reference = finals }
        }
    }

    @Test("Silence alone, however long, gives no results")
    func silenceOnly() throws {
        let recognizer = try StreamRecognizer(model: Self.model)
        let events = try Self.stream([Float](repeating: 0, count: 16_000 * 45), into: recognizer, pieces: [1600])
        #expect(Self.finals(events).isEmpty)
        #expect(abs(recognizer.secondsAccepted - 45) < 1e-9)
    }

    @Test("Continuous speech is cut at maximumUtteranceSeconds")
    func maximumLength() throws {
        let recognizer = try StreamRecognizer(model: Self.model, endpointing: EndpointOptions(silenceSeconds: nil, maximumUtteranceSeconds: 2))
        let finals = Self.finals(try Self.stream(Self.speechLike(seconds: 5, seed: 4), into: recognizer, pieces: [1600]))
        #expect(finals.map(\.start) == [0, 2, 4])
        #expect(finals.map(\.end) == [2, 4, 5])
    }

    @Test("Ten minutes in 100 ms chunks: every buffer stays bounded, no growth from the first half to the second")
    func boundedMemory() throws {
        let recognizer = try StreamRecognizer(model: Self.model)
        recognizer.reportsPartials = false
        var random = SplitMix64(seed: 11)
        let chunk = 1600, chunks = 6000  // 10 minutes at 16 kHz
        var firstHalf = StreamRecognizer.BufferSizes(pendingSamples: 0, extractorSamples: 0, extractorCapacity: 0, networkFrames: 0,
                                                     decodedFrames: 0, prefixTreeNodes: 0)
        var secondHalf = firstHalf
        var finals = 0
        for index in 0..<chunks {
            // 7 s of speech-like noise then 3 s of near silence, with a 40 s stretch of unbroken noise in the middle.
            let second = index / 10
            let loud = second % 10 < 7 || (100..<140).contains(second)
            let samples = (0..<chunk).map { _ in Float(random.uniform() - 0.5) * (loud ? 0.4 : 0.0005) }
            finals += Self.finals(try recognizer.accept(samples)).count
            let sizes = recognizer.bufferSizes
            func raise(_ maximum: inout StreamRecognizer.BufferSizes) {
                maximum.pendingSamples = max(maximum.pendingSamples, sizes.pendingSamples)
                maximum.extractorSamples = max(maximum.extractorSamples, sizes.extractorSamples)
                maximum.extractorCapacity = max(maximum.extractorCapacity, sizes.extractorCapacity)
                maximum.networkFrames = max(maximum.networkFrames, sizes.networkFrames)
                maximum.decodedFrames = max(maximum.decodedFrames, sizes.decodedFrames)
            }
            if index < chunks / 2 { raise(&firstHalf) } else { raise(&secondHalf) }
        }
        finals += Self.finals(recognizer.finish()).count
        #expect(finals >= 55, "an utterance per 10 s cycle, and the 40 s stretch cut at 20 s")
        // Bounds: a block of 640 samples; the extractor's window plus one internal 4096-sample block;
        // the network's stacking, chunk and lookahead ((4 + 2) × 4 frames + a stack); 20 s of 40 ms frames.
        #expect(secondHalf.pendingSamples < 640)
        #expect(secondHalf.extractorCapacity <= 400 + 4096 + 640)
        #expect(secondHalf.networkFrames <= 6 * 4 + 4)
        #expect(secondHalf.decodedFrames <= 500 + 1)
        #expect(secondHalf.extractorCapacity <= firstHalf.extractorCapacity)
        #expect(secondHalf.networkFrames <= firstHalf.networkFrames)
        #expect(secondHalf.decodedFrames <= firstHalf.decodedFrames)
    }

    @Test("Events as Vosk-shaped JSON lines that parse, with escaping")
    func json() throws {
        let partial = StreamEvent.partial("say \"hi\"\n\\")
        let object = try #require(JSONSerialization.jsonObject(with: Data(partial.jsonLine().utf8)) as? [String: Any])
        #expect(object["partial"] as? String == "say \"hi\"\n\\")
        let final = StreamEvent.final(StreamResult(text: "ab cd", start: 1.0004, end: 2.5, words: [
            WordTiming(word: "ab", start: 1.04, end: 1.2, confidence: 0.51234), WordTiming(word: "cd", start: 1.3, end: 2.5, confidence: 1),
        ]))
        #expect(final.jsonLine() == #"{"text": "ab cd", "start": 1.000, "end": 2.500, "result": [{"word": "ab", "start": 1.040, "end": 1.200, "conf": 0.512}, {"word": "cd", "start": 1.300, "end": 2.500, "conf": 1.000}]}"#)
        #expect(try JSONSerialization.jsonObject(with: Data(final.jsonLine().utf8)) is [String: Any])
    }
}
