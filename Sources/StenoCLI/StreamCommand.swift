import ArgumentParser
import Foundation
import Steno

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension PCMEncoding: ExpressibleByArgument {}

/// `steno stream`: live audio on standard input to JSON lines of results.
struct StreamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Recognize a live audio stream on standard input, writing JSON lines as it is heard.",
        discussion: """
            Reads raw PCM (or a WAV stream) from standard input until it ends, and writes one JSON object \
            per line to standard output, flushed at once: for each utterance \
            {"text": "...", "start": s, "end": s, "result": [{"word", "start", "end", "conf"}]} (seconds \
            from the start of the stream), and with --partial {"partial": "..."} whenever the current \
            utterance's text changes. An utterance ends after --silence seconds without speech or at \
            --max-utterance seconds. With --encoding wav the rate and channels come from the header. \
            Exit status: 0 at the end of input; 1 when the input is not in the declared format (what was \
            recognized until then is still written) or cannot be read; 141 when standard output is closed \
            (like a process stopped by SIGPIPE, but after a clean shutdown). An input that ends in the \
            middle of a sample gives a warning and the partial sample is dropped.
            Example: arecord -q -f S16_LE -r 16000 -c 1 -t raw | steno stream --model M --partial
            """
    )

    @OptionGroup var decoding: DecodingArguments

    @Option(help: ArgumentHelp("Sample rate of raw input, in Hz (WAV input: from its header).", valueName: "hz"))
    var rate: Int = 16_000

    @Option(help: "Sample encoding of the input.")
    var encoding: PCMEncoding = .s16le

    @Option(help: ArgumentHelp("Interleaved channels of raw input, mixed to mono by averaging (WAV input: from its header).", valueName: "n"))
    var channels: Int = 1

    @Option(help: ArgumentHelp("Audio read per call, in milliseconds (a live source may deliver less).", valueName: "ms"))
    var chunkMs: Int = 100

    @Flag(help: "Also write {\"partial\": ...} lines whenever the current utterance's text changes.")
    var partial = false

    @Option(help: ArgumentHelp("Seconds without speech that end an utterance; 0 never ends one at a pause.", valueName: "s"))
    var silence: Double = 0.8

    @Option(help: ArgumentHelp("Longest utterance, in seconds; 0 for no limit.", valueName: "s"))
    var maxUtterance: Double = 20

    func validate() throws {
        if rate <= 0 { throw ValidationError("--rate must be a positive number of Hz, got \(rate)") }
        if !AudioLimits.sampleRates.contains(rate) {
            throw ValidationError("--rate must be between \(AudioLimits.sampleRates.lowerBound) and \(AudioLimits.sampleRates.upperBound) Hz, got \(rate)")
        }
        if channels < 1 || channels > 256 { throw ValidationError("--channels must be between 1 and 256, got \(channels)") }
        if chunkMs <= 0 || chunkMs > 60_000 { throw ValidationError("--chunk-ms must be between 1 and 60000 milliseconds, got \(chunkMs)") }
        if !silence.isFinite || silence < 0 { throw ValidationError("--silence must be a non-negative number of seconds (0 turns it off), got \(silence)") }
        if !maxUtterance.isFinite || maxUtterance < 0 {
            throw ValidationError("--max-utterance must be a non-negative number of seconds (0: no limit), got \(maxUtterance)")
        }
    }

    func run() throws {
        let model = try decoding.loadModel()
        let options = try decoding.recognizerOptions()
        var endpointing = EndpointOptions(silenceSeconds: silence > 0 ? silence : nil, maximumUtteranceSeconds: maxUtterance > 0 ? maxUtterance : nil)
        if silence == 0 && maxUtterance == 0 { endpointing = .disabled }

        let decoder = PCMStreamDecoder(encoding: encoding, sampleRate: rate, channels: channels)
        let bytesPerFrame = (encoding == .s16le || encoding == .wav ? 2 : 4) * channels
        let chunkBytes = max(bytesPerFrame, rate * chunkMs / 1000 * bytesPerFrame)
        var buffer = [UInt8](repeating: 0, count: chunkBytes)
        var recognizer: StreamRecognizer?
        let output = LineWriter(partials: partial)

        /// The recognizer, once the input's rate is known (at once for raw input, after the header for WAV).
        func recognizerForInput() throws -> StreamRecognizer? {
            if recognizer == nil, let rate = decoder.sampleRate {
                let made = try StreamRecognizer(model: model, options: options, inputRate: rate, endpointing: endpointing)
                made.reportsPartials = partial
                recognizer = made
            }
            return recognizer
        }

        /// Writes the last utterance's final and ends with `status`.
        func finish(status: Int32) throws -> Never {
            if let recognizer { try output.write(recognizer.finish()) }
            throw ExitCode(status)
        }

        do {
            while true {
                let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    printError("error: standard input: cannot read (\(String(cString: strerror(errno))))")
                    try finish(status: 1)
                }
                if count == 0 { break }
                let samples: [Float]
                do {
                    samples = try buffer.withUnsafeBytes { bytes throws(StreamFormatError) in
                        try decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[0..<count]))
                    }
                } catch {
                    printError("error: standard input: \(error)")
                    try finish(status: 1)
                }
                if let recognizer = try recognizerForInput(), !samples.isEmpty { try output.write(recognizer.accept(samples)) }
            }
            let tail: [Float]
            do {
                tail = try decoder.finish()
            } catch {
                printError("error: standard input: \(error)")
                try finish(status: 1)
            }
            if decoder.droppedBytes > 0 {
                printError("warning: standard input ended \(decoder.droppedBytes) byte\(decoder.droppedBytes == 1 ? "" : "s") into a sample frame; "
                           + "dropped the incomplete frame")
            }
            if let recognizer = try recognizerForInput(), !tail.isEmpty { try output.write(recognizer.accept(tail)) }
            try finish(status: 0)
        } catch is StdoutClosed {
            printError("stdout closed; stopping")
            throw ExitCode(stdoutClosedStatus)
        }
    }
}

/// Writes events as JSON lines straight to standard output, so each line is out when written.
final class LineWriter {
    let partials: Bool
    init(partials: Bool) { self.partials = partials }

    func write(_ events: [StreamEvent]) throws {
        for event in events {
            if case .partial = event, !partials { continue }
            try StandardOutput.write(event.jsonLine() + "\n")
        }
    }
}
