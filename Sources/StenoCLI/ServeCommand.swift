import ArgumentParser
import Dispatch
import Foundation
import Steno
import StenoServer

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `steno serve`: a speech server for Vosk's WebSocket clients, HTTP uploads and a web page.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve speech recognition over WebSocket (Vosk's protocol) and HTTP, with a web page.",
        discussion: """
            ws://HOST:PORT/ speaks vosk-server's protocol: an optional {"config": {"sample_rate": 16000}} \
            (also "words", "max_alternatives", "phrase_list"), binary messages of 16-bit little-endian mono \
            PCM, each answered with one {"partial": ...} or {"text": ...} message (the JSON lines of \
            'steno stream'), and {"eof" : 1} for the final result. POST /transcribe with an audio file as the \
            body answers the JSON of 'steno transcribe --format json' (?name=FILE names it). http://HOST:PORT/ \
            is a web page with live microphone recognition and a file upload. One model is loaded and shared. \
            SIGTERM or SIGINT finishes the open utterances, sends their results and exits. It listens on \
            127.0.0.1 unless told otherwise: put a TLS-terminating proxy with authentication in front before \
            exposing it (see the README).
            Example: steno serve --port 2700 --max-connections 4
            """
    )

    @OptionGroup var decoding: DecodingArguments

    @Option(help: ArgumentHelp("Address to listen on; 0.0.0.0 for every interface (put TLS and authentication in front first).", valueName: "address"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("TCP port; 0 picks a free one (printed at start).", valueName: "port"))
    var port = 2700

    @Option(help: ArgumentHelp("Most WebSocket sessions open at once; more are closed with code 1013 (try again later).", valueName: "n"))
    var maxConnections = 8

    @Option(help: ArgumentHelp("Sample rate assumed for clients that send no config, in Hz.", valueName: "hz"))
    var rate = 16_000

    @Option(help: ArgumentHelp("Seconds without speech that end an utterance; 0 never ends one at a pause.", valueName: "s"))
    var silence: Double = 0.8

    @Option(help: ArgumentHelp("Longest utterance, in seconds; 0 for no limit.", valueName: "s"))
    var maxUtterance: Double = 20

    @Option(help: ArgumentHelp("Largest WebSocket message a client may send, in KiB; larger ones close the connection (code 1009).", valueName: "kib"))
    var maxMessageKb = 1024

    @Option(help: ArgumentHelp("Largest file POST /transcribe accepts, in MiB; larger ones get 413.", valueName: "mib"))
    var maxUploadMb = 100

    func validate() throws {
        if !(0...65_535).contains(port) { throw ValidationError("--port must be between 0 and 65535, got \(port)") }
        if host.isEmpty { throw ValidationError("--host must name an address, e.g. 127.0.0.1") }
        if maxConnections < 1 { throw ValidationError("--max-connections must be at least 1, got \(maxConnections)") }
        if !AudioLimits.sampleRates.contains(rate) {
            throw ValidationError("--rate must be between \(AudioLimits.sampleRates.lowerBound) and \(AudioLimits.sampleRates.upperBound) Hz, got \(rate)")
        }
        if !silence.isFinite || silence < 0 { throw ValidationError("--silence must be a non-negative number of seconds (0 turns it off), got \(silence)") }
        if !maxUtterance.isFinite || maxUtterance < 0 {
            throw ValidationError("--max-utterance must be a non-negative number of seconds (0: no limit), got \(maxUtterance)")
        }
        if !(1...65_536).contains(maxMessageKb) { throw ValidationError("--max-message-kb must be between 1 and 65536, got \(maxMessageKb)") }
        if !(1...4_096).contains(maxUploadMb) { throw ValidationError("--max-upload-mb must be between 1 and 4096, got \(maxUploadMb)") }
    }

    func run() throws {
        var endpointing = EndpointOptions(silenceSeconds: silence > 0 ? silence : nil, maximumUtteranceSeconds: maxUtterance > 0 ? maxUtterance : nil)
        if silence == 0 && maxUtterance == 0 { endpointing = .disabled }
        let engine = SpeechEngine(model: try decoding.loadModel(), options: try decoding.recognizerOptions(), endpointing: endpointing)
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.maxConnections = maxConnections
        configuration.defaultSampleRate = rate
        configuration.maxMessageBytes = maxMessageKb * 1024
        configuration.maxUploadBytes = maxUploadMb << 20
        let server = SpeechServer(engine: engine, configuration: configuration)

        // SIGTERM and SIGINT start an orderly shutdown instead of killing the process.
        let signals = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                printError("\(number == SIGTERM ? "SIGTERM" : "SIGINT"): finishing \(server.openSessions) open session(s) and stopping")
                server.shutdown()
            }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }

        let host = self.host
        let outcome = Outcome()
        let finished = DispatchSemaphore(value: 0)
        Task {
            do {
                try await server.run { port in
                    let shown = host.contains(":") ? "[\(host)]" : host
                    printError("listening on http://\(shown):\(port)/ (web page), ws://\(shown):\(port)/ (Vosk protocol), POST /transcribe")
                }
            } catch {
                outcome.fail(error)
            }
            finished.signal()
        }
        finished.wait()
        if let error = outcome.error as? ListenError {
            printError("error: cannot serve on \(error.address): \(error.reason)\(error.reason.contains("in use") ? " (another server? choose another --port)" : "")")
            throw ExitCode.failure
        } else if let error = outcome.error {
            printError("error: cannot serve on \(host):\(port): \(error)")
            throw ExitCode.failure
        }
        printError("stopped")
    }
}

/// The server task's error, read after it ends.
private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var failure: (any Error)?
    func fail(_ error: any Error) { lock.withLock { failure = error } }
    var error: (any Error)? { lock.withLock { failure } }
}
