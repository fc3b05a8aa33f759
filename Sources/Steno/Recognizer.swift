import Foundation

/// How a ``Recognizer`` decodes.
public struct RecognizerOptions: Sendable {
    /// Prefix beam width; 1 decodes greedily (best path) unless an LM, vocabulary or hotwords ask for a search.
    public var beamWidth = 1
    /// Hypotheses returned (n-best), best first; at most `beamWidth`.
    public var alternatives = 1
    /// A word n-gram model applied during beam search.
    public var languageModel: NGramLanguageModel?
    /// α, the LM weight, and β, the per-word bonus (natural-log units); both apply only with a `languageModel`.
    public var languageModelWeight: Float = 0.5, wordBonus: Float = 1
    /// The unknown-word model for words outside the LM: a cost once and per character (natural log;
    /// see ``BeamSearchOptions/unknownWordPenalty``). The defaults are tuned for the bundled model
    /// and LM (`tools/tune_open_vocabulary.sh`); without a per-character cost an open-vocabulary
    /// search runs words together.
    public var unknownWordPenalty: Float = 0, unknownCharacterPenalty: Float = -2
    /// Only these words (one word or phrase per entry) may be output.
    public var vocabulary: [String]?
    /// Words to favour, with the log-score added per occurrence.
    public var hotwords: [String: Float] = [:]
    /// With a language model, output only its words (otherwise words outside it come out as spelled,
    /// scored by the unknown-word model). Ignored when `vocabulary` is given.
    public var closedVocabulary = false
    /// When the search finds no words but the best path holds some, give the best path (marked as
    /// a fallback) rather than nothing. Never with a `vocabulary`, which is always obeyed.
    public var bestPathFallback = true
    /// Turns word evidence into confidences (probabilities that words are right); nil keeps the
    /// uncalibrated geometric mean of the characters' posteriors.
    public var confidenceCalibration: ConfidenceModel? = .bundled
    /// How audio at other rates is resampled.
    public var resampling: ResamplerQuality = .medium
    /// When true, a file shorter than its header declares is transcribed as far as it goes
    /// (``Transcript/missingSeconds`` says how much was missing) instead of failing. Default false.
    public var acceptsTruncatedAudio = false

    public init(beamWidth: Int = 1, resampling: ResamplerQuality = .medium) {
        self.beamWidth = beamWidth
        self.resampling = resampling
    }

    /// True when decoding needs the prefix beam search rather than the best path.
    var searches: Bool { beamWidth > 1 || alternatives > 1 || languageModel != nil || vocabulary != nil || !hotwords.isEmpty }

    /// The beam-search settings these options give, for `alphabet`.
    func beamSearch(alphabet: Alphabet) -> BeamSearchOptions {
        var options = BeamSearchOptions()
        options.beamWidth = max(beamWidth, alternatives)
        options.alternatives = alternatives
        options.languageModel = languageModel
        options.languageModelWeight = languageModelWeight
        options.wordBonus = wordBonus
        options.unknownWordPenalty = unknownWordPenalty
        options.unknownCharacterPenalty = unknownCharacterPenalty
        let normalizer = TextNormalizer(alphabet: alphabet)
        if let vocabulary {
            options.lexicon = Lexicon(words: vocabulary.map { normalizer.normalize($0).text }, alphabet: alphabet)
        } else if let languageModel {
            let words = (0..<languageModel.vocabularySize).lazy.map(languageModel.word).filter { !$0.hasPrefix("<") }
            if closedVocabulary {
                options.lexicon = Lexicon(words: words.map { normalizer.normalize($0).text }, alphabet: alphabet)
            } else if unknownWordPenalty != 0 || unknownCharacterPenalty != 0 {
                options.knownWords = Lexicon(words: words, alphabet: alphabet)
            }
        }
        options.hotwords = Dictionary(hotwords.map { (normalizer.normalize($0.key).text, $0.value) }, uniquingKeysWith: +)
        options.bestPathFallback = bestPathFallback && vocabulary == nil
        options.confidence = confidenceCalibration
        return options
    }
}

/// What a recognizer heard in one input.
public struct Transcript: Sendable, Equatable {
    /// The input as the user named it.
    public var name: String
    /// The best hypothesis's text.
    public var text: String
    /// Its words, with times in seconds and confidences.
    public var words: [WordTiming]
    /// Audio duration in seconds.
    public var duration: Double
    /// The best hypotheses, best first (one unless more were asked for).
    public var alternatives: [Hypothesis]
    /// Seconds of audio the file's header declared but the file did not hold (only with
    /// ``RecognizerOptions/acceptsTruncatedAudio``); 0 for a complete file.
    public var missingSeconds: Double = 0
    /// Set when the text is the acoustic model's best path because the search found no words
    /// (``Hypothesis/fallback``): why.
    public var fallback: String? { alternatives.first?.fallback }

    public init(name: String, text: String, words: [WordTiming], duration: Double, alternatives: [Hypothesis]) {
        self.name = name
        self.text = text
        self.words = words
        self.duration = duration
        self.alternatives = alternatives
    }
}

/// Offline speech recognition: audio in, transcript out.
///
/// Audio is decoded in blocks, features computed online, and the network run incrementally
/// (``NetworkStream``), so an hour-long file needs no more memory than a short one for its
/// activations. Recognition only reads the model, so one recognizer (and one model) may serve
/// any number of threads at once.
public final class Recognizer: Sendable {
    public let model: AcousticModel
    public let options: RecognizerOptions

    /// The search settings, built once (the vocabulary's prefix tree can be large).
    private let beamSearchOptions: BeamSearchOptions

    public init(model: AcousticModel, options: RecognizerOptions = RecognizerOptions()) {
        self.model = model
        self.options = options
        beamSearchOptions = options.beamSearch(alphabet: model.description.alphabet)
    }

    /// Audio frames decoded per block (8.2 s at 16 kHz): large enough that each block's matrix
    /// products are efficient, small enough that memory stays a few megabytes whatever the length.
    static let blockFrames = 1 << 17

    /// Seconds per network output frame.
    public var secondsPerFrame: Double {
        model.description.features.frame.frameShiftMs / 1000 * Double(model.description.network.stacking)
    }

    /// The network's log posteriors for one input, `[frames, classes]` row-major (natural log,
    /// one row per ``secondsPerFrame``), and the audio's duration in seconds: what the decoder
    /// sees, for tuning decoders without running the network again.
    /// - Throws: ``AudioError`` for unreadable audio.
    public func logProbabilities(_ source: AudioSource) throws -> (values: [Float], duration: Double) {
        let features = model.description.features
        let reader = try MonoAudioReader(source, sampleRate: Int(features.frame.sampleRate), quality: options.resampling,
                                         blockFrames: Self.blockFrames)
        let extractor = try OnlineFeatureExtractor(options: features)
        let network = NetworkStream(network: model.inference)
        var values: [Float] = []
        var samples = 0
        func consume(_ frames: FeatureMatrix) {
            guard frames.frameCount > 0 else { return }
            values += logSoftmax(network.accept(model.normalized(frames).values))
        }
        while let block = try reader.nextBlock() {
            samples += block.count
            consume(extractor.accept(block))
        }
        consume(extractor.finish())
        values += logSoftmax(network.finish())
        return (values, Double(samples) / Double(reader.sampleRate))
    }

    /// Transcribes one input.
    /// - Throws: ``AudioError`` for unreadable audio.
    public func transcribe(_ source: AudioSource) throws -> Transcript {
        let features = model.description.features
        let reader = try MonoAudioReader(source, sampleRate: Int(features.frame.sampleRate), quality: options.resampling,
                                         blockFrames: Self.blockFrames, acceptsTruncation: options.acceptsTruncatedAudio)
        let extractor = try OnlineFeatureExtractor(options: features)
        let network = NetworkStream(network: model.inference)
        let alphabet = model.description.alphabet
        let greedy = options.searches ? nil : StreamingGreedyDecoder(alphabet: alphabet, secondsPerFrame: secondsPerFrame)
        greedy?.calibration = options.confidenceCalibration?.bestPath
        let search = options.searches ? PrefixBeamSearch(alphabet: alphabet, options: beamSearchOptions, secondsPerFrame: secondsPerFrame) : nil
        let decode: ([Float]) -> Void = { logProbabilities in
            if let greedy { greedy.accept(logProbabilities) } else { search?.accept(logProbabilities) }
        }
        var samples = 0
        func consume(_ frames: FeatureMatrix) {
            guard frames.frameCount > 0 else { return }
            decode(logSoftmax(network.accept(model.normalized(frames).values)))
        }
        while let block = try reader.nextBlock() {
            samples += block.count
            consume(extractor.accept(block))
        }
        consume(extractor.finish())
        decode(logSoftmax(network.finish()))
        let hypotheses = greedy.map { [$0.hypothesis] } ?? search!.hypotheses()
        let best = hypotheses.first ?? Hypothesis(text: "", words: [], score: -.infinity)
        var transcript = Transcript(name: source.name, text: best.text, words: best.words,
                                    duration: Double(samples) / Double(reader.sampleRate), alternatives: hypotheses)
        transcript.missingSeconds = Double(reader.shortfall) / Double(reader.info.sampleRate)
        return transcript
    }

    /// Decodes log posteriors `[frames, classes]` (as ``logProbabilities(_:)`` gives them) with
    /// these options: the best hypothesis, or an empty one.
    public func decode(logProbabilities: [Float]) -> Hypothesis {
        let alphabet = model.description.alphabet
        if options.searches {
            let search = PrefixBeamSearch(alphabet: alphabet, options: beamSearchOptions, secondsPerFrame: secondsPerFrame)
            search.accept(logProbabilities)
            return search.hypotheses().first ?? Hypothesis(text: "", words: [], score: -.infinity)
        }
        let greedy = StreamingGreedyDecoder(alphabet: alphabet, secondsPerFrame: secondsPerFrame)
        greedy.calibration = options.confidenceCalibration?.bestPath
        greedy.accept(logProbabilities)
        return greedy.hypothesis
    }

    /// Rows of logits `[n, classes]` turned into log-probabilities.
    func logSoftmax(_ logits: [Float]) -> [Float] {
        let classes = model.description.network.classes
        var out = logits
        for row in stride(from: 0, to: out.count, by: classes) {
            var maximum = -Float.infinity
            for k in 0..<classes { maximum = max(maximum, out[row + k]) }
            var sum: Float = 0
            for k in 0..<classes { sum += Foundation.exp(out[row + k] - maximum) }
            let normaliser = maximum + Foundation.log(sum)
            for k in 0..<classes { out[row + k] -= normaliser }
        }
        return out
    }
}

extension AcousticModel {
    /// An independent copy (same description and weights), e.g. to fine-tune while the original keeps serving.
    public func copy() -> AcousticModel {
        let twin = AcousticModel(description, seed: 0)
        for (target, source) in zip(twin.network.parameters, network.parameters) { target.values = source.values }
        return twin
    }
}
