import Foundation

/// One utterance recognized in a stream.
public struct StreamResult: Sendable, Equatable {
    /// The best hypothesis's text (never empty: empty utterances give no result).
    public var text: String
    /// The utterance's span of audio, in seconds from the start of the stream: from the previous
    /// endpoint (or the stream's start) to this one (or the stream's end). Consecutive results never overlap.
    public var start: Double, end: Double
    /// The words with times in seconds from the start of the stream (ends clamped to ``end``) and confidences.
    public var words: [WordTiming]
    /// The n-best hypotheses, best first, with word times as in ``words``, when
    /// ``RecognizerOptions/alternatives`` asks for more than one; otherwise empty.
    public var alternatives: [Hypothesis]
    /// Set when the text is the acoustic model's best path because the search found no words: why.
    public var fallback: String?

    /// Creates a result.
    public init(text: String, start: Double, end: Double, words: [WordTiming], alternatives: [Hypothesis] = [], fallback: String? = nil) {
        self.text = text
        self.start = start
        self.end = end
        self.words = words
        self.alternatives = alternatives
        self.fallback = fallback
    }
}

/// What a ``StreamRecognizer`` reports as audio arrives.
public enum StreamEvent: Sendable, Equatable {
    /// The current utterance's text so far; reported only when it changed. It may still change.
    case partial(String)
    /// A finished utterance; its text will not change.
    case final(StreamResult)
}

/// Live speech recognition: samples go in, in buffers of any size, and partial and final results
/// come out as the audio is heard.
///
/// The same stages as ``Recognizer`` (online features, the model's normalization, the streaming
/// network, log-softmax, greedy or beam decoding) with their state carried between calls. Samples
/// are resampled to the model's rate when ``inputRate`` differs, then run through the stages in
/// fixed blocks of one output frame's worth of samples, so the results do not depend on how the
/// input was split. An ``Endpointer`` ends utterances at pauses (see ``EndpointOptions``); each
/// utterance then starts with fresh stage state, while times keep counting from the stream's start.
///
/// Work per call is proportional to the samples given, and memory is bounded by the longest
/// utterance (``EndpointOptions/maximumUtteranceSeconds``, 20 s by default): no past audio is kept
/// or re-run. With endpointing ``EndpointOptions/disabled`` the whole stream is one utterance and
/// its final text equals ``Recognizer/transcribe(_:)`` on the same audio; only the decoder's record
/// of emitted characters then grows with the stream.
///
/// One recognizer per stream and per thread: it drives its model's network.
public final class StreamRecognizer {
    /// The acoustic model.
    public let model: AcousticModel
    /// How decoding is done (beam width, LM, vocabulary, hotwords, resampling quality).
    public let options: RecognizerOptions
    /// The rate of the samples given to ``accept(_:)``, in Hz.
    public let inputRate: Int
    /// Where utterances end.
    public let endpointing: EndpointOptions
    /// Whether ``accept(_:)`` reports ``StreamEvent/partial(_:)`` events. Default true; turning it
    /// off saves the beam search's per-call hypothesis ranking.
    public var reportsPartials = true

    private let stages: Recognizer
    private let beamSearchOptions: BeamSearchOptions
    private let modelRate: Int
    private let resampler: Resampler?
    /// Samples at the model's rate per processing block: one output frame's worth.
    private let blockSize: Int
    private let extractor: OnlineFeatureExtractor
    private let network: NetworkStream
    private let greedy: StreamingGreedyDecoder?
    private var search: PrefixBeamSearch?
    private var endpointer: Endpointer
    /// Samples (model rate) not yet making a whole block, `[< blockSize]`.
    private var pending: [Float] = []
    /// Samples (model rate) before the current utterance, and in it.
    private var utteranceStart = 0, utteranceSamples = 0
    /// Greedy decoding: the best class of the last output frame, to see when the text changes.
    private var previousBest: Int
    private var textChanged = false
    private var lastPartial = ""
    private var finished = false

    /// Creates a recognizer for one stream.
    /// - Parameters:
    ///   - inputRate: Hz of the samples given to ``accept(_:)`` (mono, [-1, 1]); resampled when
    ///     it differs from the model's.
    ///   - endpointing: where utterances end; ``EndpointOptions/disabled`` for one utterance.
    /// - Throws: ``AudioError`` when the rate cannot be converted, ``FeatureError`` for a model
    ///   whose feature options are invalid.
    public init(model: AcousticModel, options: RecognizerOptions = RecognizerOptions(), inputRate: Int = 16_000,
                endpointing: EndpointOptions = .init()) throws {
        self.model = model
        self.options = options
        self.inputRate = inputRate
        self.endpointing = endpointing
        stages = Recognizer(model: model, options: options)
        let alphabet = model.description.alphabet
        beamSearchOptions = options.beamSearch(alphabet: alphabet)
        let frame = model.description.features.frame
        modelRate = Int(frame.sampleRate)
        resampler = inputRate == modelRate
            ? nil : try Resampler(from: inputRate, to: modelRate, quality: options.resampling, name: "stream")
        let shift = max(1, Int((Double(modelRate) * frame.frameShiftMs / 1000).rounded()))
        blockSize = shift * model.description.network.stacking
        extractor = try OnlineFeatureExtractor(options: model.description.features)
        network = NetworkStream(network: model.inference)
        let secondsPerFrame = stages.secondsPerFrame
        greedy = options.searches ? nil : StreamingGreedyDecoder(alphabet: alphabet, secondsPerFrame: secondsPerFrame)
        greedy?.calibration = options.confidenceCalibration?.bestPath
        search = options.searches ? PrefixBeamSearch(alphabet: alphabet, options: beamSearchOptions, secondsPerFrame: secondsPerFrame) : nil
        endpointer = Endpointer(options: endpointing, sampleRate: modelRate, secondsPerFrame: secondsPerFrame)
        previousBest = alphabet.blank
        pending.reserveCapacity(blockSize)
    }

    /// Takes the next samples (mono, [-1, 1], at ``inputRate``); returns what they made known:
    /// the finals of utterances that ended, then a partial for the current one if its text changed.
    /// - Throws: ``AudioError`` if resampling fails.
    public func accept(_ samples: [Float]) throws -> [StreamEvent] {
        precondition(!finished, "StreamRecognizer: accept(_:) after finish()")
        var events: [StreamEvent] = []
        if let resampler {
            var converted: [Float] = []
            try samples.withUnsafeBufferPointer { try resampler.process($0, endOfInput: false, appendingTo: &converted) }
            process(converted, into: &events)
        } else {
            process(samples, into: &events)
        }
        if reportsPartials, textChanged {
            textChanged = false
            let text = currentText
            if text != lastPartial {
                lastPartial = text
                events.append(.partial(text))
            }
        }
        return events
    }

    /// Ends the stream: flushes the resampler and every stage and returns the last utterance's
    /// final (if it has text). The recognizer accepts nothing afterwards.
    public func finish() -> [StreamEvent] {
        guard !finished else { return [] }
        var events: [StreamEvent] = []
        if let resampler {
            var tail: [Float] = []
            // A flush with no input cannot fail for a converter that was created.
            try? resampler.process(UnsafeBufferPointer(start: nil, count: 0), endOfInput: true, appendingTo: &tail)
            process(tail, into: &events)
        }
        if !pending.isEmpty { run(pending[...]) }
        pending = []
        endUtterance(into: &events)
        finished = true
        return events
    }

    /// Seconds of audio (at the model's rate) accepted so far.
    public var secondsAccepted: Double { Double(utteranceStart + utteranceSamples) / Double(modelRate) }

    // MARK: - Implementation details

    /// Sizes of the buffers that carry state between calls, for memory tests.
    package struct BufferSizes: Sendable, Equatable {
        /// Samples waiting for a whole block, and the feature extractor's samples and capacity.
        package var pendingSamples: Int, extractorSamples: Int, extractorCapacity: Int
        /// Input frames held in the streaming network.
        package var networkFrames: Int
        /// Output frames decoded in the current utterance (the decoder's record grows with them).
        package var decodedFrames: Int
        /// The beam search's prefix tree, in nodes (0 for greedy decoding).
        package var prefixTreeNodes: Int
    }

    package var bufferSizes: BufferSizes {
        BufferSizes(pendingSamples: pending.count, extractorSamples: extractor.bufferedSampleCount,
                    extractorCapacity: extractor.bufferCapacity, networkFrames: network.bufferedFrames,
                    decodedFrames: greedy?.frames ?? 0, prefixTreeNodes: search?.treeSize ?? 0)
    }

    /// The current utterance's best text so far.
    private var currentText: String {
        if let greedy { return greedy.hypothesis.text }
        return search?.hypotheses().first?.text ?? ""
    }

    /// Splits samples at the model's rate into blocks and runs each, ending utterances between blocks.
    private func process(_ samples: [Float], into events: inout [StreamEvent]) {
        var start = 0
        while start < samples.count {
            if pending.isEmpty && samples.count - start >= blockSize {
                run(samples[start..<start + blockSize])
                start += blockSize
            } else {
                let take = min(blockSize - pending.count, samples.count - start)
                pending += samples[start..<start + take]
                start += take
                guard pending.count == blockSize else { break }
                run(pending[...])
                pending.removeAll(keepingCapacity: true)
            }
            if endpointer.endpoint != nil { endUtterance(into: &events) }
        }
    }

    /// Runs one block (or the last, shorter one) through the stages.
    private func run(_ block: ArraySlice<Float>) {
        block.withUnsafeBufferPointer { samples in
            endpointer.observe(samples: samples)
            decode(extractor.accept(samples))
        }
        utteranceSamples += block.count
    }

    private func decode(_ frames: FeatureMatrix) {
        guard frames.frameCount > 0 else { return }
        decodeLogits(network.accept(model.normalized(frames).values))
    }

    private func decodeLogits(_ logits: [Float]) {
        guard !logits.isEmpty else { return }
        let logProbabilities = stages.logSoftmax(logits)
        let alphabet = model.description.alphabet, classes = alphabet.classCount
        for row in stride(from: 0, to: logProbabilities.count, by: classes) {
            var best = 0
            for k in 1..<classes where logProbabilities[row + k] > logProbabilities[row + best] { best = k }
            endpointer.observe(bestClass: best, blank: alphabet.blank)
            if best != alphabet.blank && best != previousBest { textChanged = true }
            previousBest = best
        }
        if let greedy { greedy.accept(logProbabilities) } else { search?.accept(logProbabilities); textChanged = true }
    }

    /// Flushes the stages, reports the utterance if it has text, and starts the next one.
    private func endUtterance(into events: inout [StreamEvent]) {
        decode(extractor.finish())
        decodeLogits(network.finish())
        let hypotheses = search?.hypotheses() ?? []
        let hypothesis = greedy?.hypothesis ?? hypotheses.first ?? Hypothesis(text: "", words: [], score: -.infinity)
        if !hypothesis.text.isEmpty && !endpointer.utteranceIsSilent {
            let offset = Double(utteranceStart) / Double(modelRate)
            let end = offset + Double(utteranceSamples) / Double(modelRate)
            func shifted(_ words: [WordTiming]) -> [WordTiming] {
                words.map { word in
                    WordTiming(word: word.word, start: min(offset + word.start, end), end: min(offset + word.end, end),
                               confidence: word.confidence)
                }
            }
            let alternatives = options.alternatives > 1
                ? hypotheses.map { Hypothesis(text: $0.text, words: shifted($0.words), score: $0.score, fallback: $0.fallback) } : []
            events.append(.final(StreamResult(text: hypothesis.text, start: offset, end: end, words: shifted(hypothesis.words),
                                              alternatives: alternatives, fallback: hypothesis.fallback)))
        }
        utteranceStart += utteranceSamples
        utteranceSamples = 0
        greedy?.reset()
        if search != nil {
            search = PrefixBeamSearch(alphabet: model.description.alphabet, options: beamSearchOptions, secondsPerFrame: stages.secondsPerFrame)
        }
        endpointer.startUtterance()
        previousBest = model.description.alphabet.blank
        textChanged = false
        lastPartial = ""
    }
}

extension StreamEvent {
    /// The event as one line of JSON in Vosk's shape (no newline): `{"partial": "..."}`, or
    /// `{"text": "...", "start": s, "end": s, "result": [{"word", "start", "end", "conf"}]}` with
    /// seconds and confidences to three decimals, plus `"fallback"` (why) when the text is the best
    /// path because the search found no words.
    public func jsonLine() -> String {
        switch self {
        case .partial(let text):
            return "{\"partial\": \(jsonQuoted(text))}"
        case .final(let result):
            let words = result.words.map { word in
                "{\"word\": \(jsonQuoted(word.word)), \"start\": \(jsonNumber(word.start)), \"end\": \(jsonNumber(word.end)), "
                    + "\"conf\": \(jsonNumber(word.confidence))}"
            }
            return "{\"text\": \(jsonQuoted(result.text)), \"start\": \(jsonNumber(result.start)), \"end\": \(jsonNumber(result.end)), "
                + "\"result\": [\(words.joined(separator: ", "))]"
                + (result.fallback.map { ", \"fallback\": \(jsonQuoted($0))" } ?? "") + "}"
        }
    }
}
