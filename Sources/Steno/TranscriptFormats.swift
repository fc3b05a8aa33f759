import Foundation

/// The ways a ``Transcript`` can be written out.
public enum TranscriptFormat: String, CaseIterable, Sendable {
    /// The text alone, one line.
    case text
    /// One JSON object on one line: file, text, duration (seconds), timed words, and the
    /// alternatives when there is more than one.
    case json
    /// SubRip subtitles: numbered cues with `HH:MM:SS,mmm` times.
    case srt
    /// WebVTT subtitles: a `WEBVTT` header, then cues with `HH:MM:SS.mmm` times.
    case vtt

    /// The usual file extension, without the dot.
    public var fileExtension: String {
        switch self {
        case .text: "txt"
        case .json: "json"
        case .srt: "srt"
        case .vtt: "vtt"
        }
    }
}

/// How words are grouped into subtitle cues: a new cue starts at a pause, or when the current
/// one would grow past any of the limits.
public struct CueLimits: Sendable, Equatable {
    /// A silence between two words at least this long (seconds) starts a new cue. Default 0.5.
    public var pause: Double
    /// Words per cue at most. Default 7.
    public var words: Int
    /// Characters per cue at most, spaces included. Default 42 (a common broadcast line length);
    /// a single longer word still gets a cue of its own.
    public var characters: Int
    /// Cue duration at most, in seconds, from its first word's start to its last word's end. Default 5.
    public var seconds: Double

    /// Creates limits; the defaults keep cues to one readable line.
    public init(pause: Double = 0.5, words: Int = 7, characters: Int = 42, seconds: Double = 5) {
        self.pause = pause
        self.words = words
        self.characters = characters
        self.seconds = seconds
    }
}

/// One subtitle cue: a line of text shown from `start` to `end` (seconds).
public struct SubtitleCue: Sendable, Equatable {
    /// The words joined by single spaces.
    public var text: String
    /// Start and end in seconds from the beginning of the audio.
    public var start: Double, end: Double

    /// Creates a cue.
    public init(text: String, start: Double, end: Double) {
        self.text = text
        self.start = start
        self.end = end
    }
}

extension Transcript {
    /// The transcript written in `format`, ending with a newline (except an empty SRT file,
    /// which is empty). Times are rounded to milliseconds.
    public func rendered(as format: TranscriptFormat, cueLimits: CueLimits = CueLimits()) -> String {
        switch format {
        case .text: text + "\n"
        case .json: jsonLine() + "\n"
        case .srt: Self.srt(cues(limits: cueLimits))
        case .vtt: Self.vtt(cues(limits: cueLimits))
        }
    }

    /// The words grouped into subtitle cues (see ``CueLimits``). A transcript with text but no
    /// word times gets one cue over its whole duration; an empty one gets none.
    public func cues(limits: CueLimits = CueLimits()) -> [SubtitleCue] {
        guard !words.isEmpty else {
            return text.isEmpty ? [] : [SubtitleCue(text: text, start: 0, end: duration)]
        }
        var cues: [SubtitleCue] = []
        var current: [WordTiming] = []
        var length = 0
        func close() {
            guard let first = current.first, let last = current.last else { return }
            cues.append(SubtitleCue(text: current.map(\.word).joined(separator: " "), start: first.start, end: last.end))
            current = []
            length = 0
        }
        for word in words {
            if let first = current.first, let last = current.last {
                let pause = word.start - last.end >= limits.pause
                let full = current.count + 1 > limits.words
                    || length + 1 + word.word.count > limits.characters
                    || word.end - first.start > limits.seconds
                if pause || full { close() }
            }
            length += (current.isEmpty ? 0 : 1) + word.word.count
            current.append(word)
        }
        close()
        return cues
    }

    /// The compact JSON object: `{"file", "text", "duration", "words": [{"word", "start", "end", "conf"}]}`,
    /// plus `"fallback"` (why) when the text is the best path because the search found no words,
    /// plus `"alternatives": [{"text", "score"}]` when there is more than one. Seconds and
    /// confidences have three decimals; keys are in that fixed order.
    public func jsonLine() -> String {
        let json = JSONWriter()
        json.object {
            json.key("file"); json.string(name)
            json.key("text"); json.string(text)
            json.key("duration"); json.number(duration)
            json.key("words")
            json.array(words) { word in
                json.object {
                    json.key("word"); json.string(word.word)
                    json.key("start"); json.number(word.start)
                    json.key("end"); json.number(word.end)
                    json.key("conf"); json.number(word.confidence)
                }
            }
            if let fallback {
                json.key("fallback"); json.string(fallback)
            }
            if alternatives.count > 1 {
                json.key("alternatives")
                json.array(alternatives) { hypothesis in
                    json.object {
                        json.key("text"); json.string(hypothesis.text)
                        json.key("score"); json.number(hypothesis.score)
                    }
                }
            }
        }
        return json.output
    }

    // MARK: - Implementation details

    private static func srt(_ cues: [SubtitleCue]) -> String {
        cues.enumerated().map { index, cue in
            "\(index + 1)\n\(timestamp(cue.start, separator: ",")) --> \(timestamp(cue.end, separator: ","))\n\(cue.text)\n\n"
        }.joined()
    }

    private static func vtt(_ cues: [SubtitleCue]) -> String {
        "WEBVTT\n" + cues.map { cue in
            "\n\(timestamp(cue.start, separator: ".")) --> \(timestamp(cue.end, separator: "."))\n\(cue.text)\n"
        }.joined()
    }

    /// `HH:MM:SS,mmm` (SRT) or `HH:MM:SS.mmm` (VTT); negative times are shown as 0.
    static func timestamp(_ seconds: Double, separator: String) -> String {
        let total = seconds.isFinite ? max(0, Int((seconds * 1000).rounded())) : 0
        let ms = total % 1000, s = total / 1000 % 60, m = total / 60_000 % 60, h = total / 3_600_000
        return String(format: "%02d:%02d:%02d", h, m, s) + separator + String(format: "%03d", ms)
    }
}

/// Writes compact JSON text; strings are escaped so any Unicode text gives valid JSON.
private final class JSONWriter {
    private(set) var output = ""
    private var needsComma = false

    func object(_ body: () -> Void) {
        open("{")
        body()
        close("}")
    }

    func array<Element>(_ elements: [Element], _ body: (Element) -> Void) {
        open("[")
        for element in elements { body(element) }
        close("]")
    }

    func key(_ key: String) {
        string(key)
        output += ":"
        needsComma = false
    }

    func string(_ value: String) {
        separate()
        output += jsonQuoted(value)
        needsComma = true
    }

    /// Three decimals; `null` for NaN and infinities, which JSON cannot spell.
    func number(_ value: Double) {
        separate()
        output += jsonNumber(value)
        needsComma = true
    }

    private func open(_ bracket: String) {
        separate()
        output += bracket
        needsComma = false
    }

    private func close(_ bracket: String) {
        output += bracket
        needsComma = true
    }

    private func separate() {
        if needsComma { output += "," }
    }
}

/// A JSON string literal: quotes, backslashes and control characters escaped (U+2028/2029 too,
/// for JavaScript consumers); other Unicode as it is.
package func jsonQuoted(_ value: String) -> String {
    var output = "\""
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\"": output += "\\\""
        case "\\": output += "\\\\"
        case "\n": output += "\\n"
        case "\r": output += "\\r"
        case "\t": output += "\\t"
        case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
            output += String(format: "\\u%04x", scalar.value)
        default: output.unicodeScalars.append(scalar)
        }
    }
    return output + "\""
}

/// A JSON number with three decimals (milliseconds for times); `null` for NaN and infinities.
package func jsonNumber(_ value: Double) -> String {
    let rounded = (value * 1000).rounded() / 1000
    return rounded.isFinite ? String(format: "%.3f", rounded == 0 ? 0 : rounded) : "null"
}
