import Foundation
import Steno

/// What every connection of a server shares: one loaded model, the decoding options and the
/// endpointing, plus an offline ``Recognizer`` for whole uploaded files.
///
/// The model is only read while recognizing, so any number of streams (each with its own
/// ``StreamRecognizer``, the per-connection state) and transcriptions use it at once.
public final class SpeechEngine: Sendable {
    /// The acoustic model all connections use.
    public let model: AcousticModel
    /// Decoding options (beam width, LM, vocabulary, hotwords) for streams and uploads alike.
    public let options: RecognizerOptions
    /// Where streamed utterances end (as `steno stream --silence/--max-utterance`).
    public let endpointing: EndpointOptions
    /// Recognizes whole uploaded files (`POST /transcribe`).
    public let recognizer: Recognizer

    /// Creates an engine over a loaded model.
    public init(model: AcousticModel, options: RecognizerOptions, endpointing: EndpointOptions) {
        self.model = model
        self.options = options
        self.endpointing = endpointing
        recognizer = Recognizer(model: model, options: options)
    }

    /// The model's sample rate in Hz: audio at this rate needs no resampling.
    public var modelRate: Int { Int(model.description.features.frame.sampleRate) }

    /// A recognizer for one stream of audio at `inputRate` Hz, with `options` (default: the engine's).
    func makeStream(inputRate: Int, options: RecognizerOptions? = nil) throws -> StreamRecognizer {
        try StreamRecognizer(model: model, options: options ?? self.options, inputRate: inputRate, endpointing: endpointing)
    }
}
