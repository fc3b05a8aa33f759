import Foundation
@testable import Steno
import Testing

/// A transcript of `words` given as (word, start, end) in seconds, confidence 0.9 each.
private func transcript(_ words: [(String, Double, Double)], duration: Double = 10, name: String = "a.wav",
                        alternatives: [Hypothesis]? = nil) -> Transcript {
    let timed = words.map { WordTiming(word: $0.0, start: $0.1, end: $0.2, confidence: 0.9) }
    let text = words.map(\.0).joined(separator: " ")
    return Transcript(name: name, text: text, words: timed, duration: duration,
                      alternatives: alternatives ?? [Hypothesis(text: text, words: timed, score: -1.5)])
}

/// `count` words of `length` letters, each `seconds` long with `gap` seconds between them.
private func evenWords(_ count: Int, length: Int = 2, seconds: Double = 0.3, gap: Double = 0.1) -> [(String, Double, Double)] {
    (0..<count).map { index in
        let letter = Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(index % 26)))
        let start = Double(index) * (seconds + gap)
        return (String(repeating: letter, count: length), start, start + seconds)
    }
}

@Suite("Transcript formats")
struct TranscriptFormatsTests {
    let hello = transcript([("hello", 0.12, 0.48), ("world", 0.52, 0.9), ("again", 1.9, 2.3)], duration: 2.5)

    @Test("Formats have their file extensions")
    func extensions() {
        #expect(TranscriptFormat.allCases.map(\.fileExtension) == ["txt", "json", "srt", "vtt"])
        #expect(TranscriptFormat(rawValue: "vtt") == .vtt)
    }

    @Test("text is the text and a newline")
    func text() {
        #expect(hello.rendered(as: .text) == "hello world again\n")
    }

    @Test("json: fixed key order, times to the millisecond, alternatives only when there are several")
    func json() throws {
        #expect(hello.rendered(as: .json) == """
            {"file":"a.wav","text":"hello world again","duration":2.500,"words":[\
            {"word":"hello","start":0.120,"end":0.480,"conf":0.900},\
            {"word":"world","start":0.520,"end":0.900,"conf":0.900},\
            {"word":"again","start":1.900,"end":2.300,"conf":0.900}]}

            """)
        var two = hello
        two.alternatives = [Hypothesis(text: "hello world again", words: [], score: -1.23456),
                            Hypothesis(text: "hello word again", words: [], score: -2.5)]
        let object = try #require(JSONSerialization.jsonObject(with: Data(two.jsonLine().utf8)) as? [String: Any])
        let alternatives = try #require(object["alternatives"] as? [[String: Any]])
        #expect(alternatives.count == 2)
        #expect(alternatives[0]["text"] as? String == "hello world again")
        #expect(alternatives[0]["score"] as? Double == -1.235)
        #expect(alternatives[1]["score"] as? Double == -2.5)
    }

    @Test("json escapes quotes, backslashes and control characters and keeps other Unicode as is")
    func jsonUnicode() throws {
        let tricky = "naïve \"quoted\" back\\slash\ttab\nline \u{1} 日本語 🎙️ \u{2028}"
        let sample = transcript([(tricky, 0, 1)], name: "dir/ƒile \"1\".wav")
        let line = sample.jsonLine()
        #expect(!line.contains("\n"))
        #expect(line.contains("日本語 🎙️"))
        let object = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["file"] as? String == "dir/ƒile \"1\".wav")
        #expect(object["text"] as? String == tricky)
        let words = try #require(object["words"] as? [[String: Any]])
        #expect(words.first?["word"] as? String == tricky)
    }

    @Test("json writes null for a score JSON cannot spell, so the line still parses")
    func jsonNonFinite() throws {
        var sample = hello
        sample.alternatives = [Hypothesis(text: "a", words: [], score: -.infinity), Hypothesis(text: "b", words: [], score: .nan)]
        let object = try #require(JSONSerialization.jsonObject(with: Data(sample.jsonLine().utf8)) as? [String: Any])
        let alternatives = try #require(object["alternatives"] as? [[String: Any]])
        #expect(alternatives[0]["score"] is NSNull)
    }

    @Test("srt: numbered cues, a new one at a pause of 0.5 s or more")
    func srt() {
        #expect(hello.rendered(as: .srt) == """
            1
            00:00:00,120 --> 00:00:00,900
            hello world

            2
            00:00:01,900 --> 00:00:02,300
            again


            """)
    }

    @Test("vtt: header, then cues with a dot before the milliseconds")
    func vtt() {
        #expect(hello.rendered(as: .vtt) == """
            WEBVTT

            00:00:00.120 --> 00:00:00.900
            hello world

            00:00:01.900 --> 00:00:02.300
            again

            """)
    }

    @Test("A pause just under 0.5 s keeps the words together; 0.5 s splits them")
    func pauseThreshold() {
        let close = transcript([("a", 0, 0.5), ("b", 0.999, 1.2)])
        #expect(close.cues().count == 1)
        let apart = transcript([("a", 0, 0.5), ("b", 1.0, 1.2)])
        #expect(apart.cues().map(\.text) == ["a", "b"])
    }

    @Test("At most 7 words per cue")
    func wordLimit() {
        let cues = transcript(evenWords(16)).cues()
        #expect(cues.map { $0.text.split(separator: " ").count } == [7, 7, 2])
        #expect(cues[1].start == 7 * 0.4)
    }

    @Test("At most 42 characters per cue; a longer word gets a cue of its own")
    func characterLimit() {
        // Three 10-letter words and two spaces make 32 characters; a fourth would make 43.
        let cues = transcript(evenWords(5, length: 10)).cues()
        #expect(cues.map { $0.text.count } == [32, 21])
        let long = String(repeating: "x", count: 50)
        #expect(transcript([("a", 0, 0.2), (long, 0.3, 1), ("b", 1.1, 1.2)]).cues().map(\.text) == ["a", long, "b"])
        // Exactly 42 characters still fit: five 7-letter words, "zz" and five spaces; one more letter does not.
        let exact = transcript(evenWords(5, length: 7) + [("zz", 2.0, 2.1), ("q", 2.2, 2.3)]).cues()
        #expect(exact.map { $0.text.count } == [42, 1])
    }

    @Test("At most 5 seconds per cue")
    func durationLimit() {
        // Words of 1 s with 0.1 s gaps: the fifth would end 5.4 s after the first began.
        let cues = transcript(evenWords(6, seconds: 1)).cues()
        #expect(cues.map { $0.text.split(separator: " ").count } == [4, 2])
        let fourthEnd: Double = 3 * (1 + 0.1) + 1  // computed as evenWords does
        #expect(cues[0].end == fourthEnd)
    }

    @Test("Times past an hour, and rounding to the millisecond")
    func hours() {
        let late = transcript([("late", 3725.5, 3727.0004), ("later", 3727.1, 36_000 + 59.9996)])
        #expect(late.rendered(as: .srt) == "1\n01:02:05,500 --> 01:02:07,000\nlate\n\n2\n01:02:07,100 --> 10:01:00,000\nlater\n\n")
        #expect(late.rendered(as: .vtt).contains("01:02:05.500 --> 01:02:07.000\nlate\n"))
    }

    @Test("An empty transcript: empty line, empty word list, no cues")
    func empty() throws {
        let nothing = transcript([], duration: 1.25)
        #expect(nothing.rendered(as: .text) == "\n")
        #expect(nothing.rendered(as: .json) == "{\"file\":\"a.wav\",\"text\":\"\",\"duration\":1.250,\"words\":[]}\n")
        #expect(nothing.rendered(as: .srt) == "")
        #expect(nothing.rendered(as: .vtt) == "WEBVTT\n")
    }

    @Test("Text without word times becomes one cue over the whole duration")
    func textWithoutWords() {
        let untimed = Transcript(name: "a", text: "hi there", words: [], duration: 1.5, alternatives: [])
        #expect(untimed.cues() == [SubtitleCue(text: "hi there", start: 0, end: 1.5)])
    }
}
