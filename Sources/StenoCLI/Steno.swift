import ArgumentParser
import Foundation
import Steno

/// `steno`: the command-line tool.
@main
struct StenoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steno",
        abstract: "Speech recognition on the CPU: audio files and live streams to text.",
        discussion: """
            Results go to standard output, diagnostics to standard error. Audio may be any format \
            libsndfile reads (WAV, FLAC, Ogg Vorbis, Opus, AIFF, MP3, ...), at any rate and channel count; \
            `-` reads it from standard input.
            """,
        subcommands: [TranscribeCommand.self, StreamCommand.self, ServeCommand.self, EvaluateCommand.self, TrainCommand.self, ExportWeightsCommand.self, AverageCommand.self, QuantizeCommand.self, LanguageModelCommand.self, AnnotateCommand.self, FeaturesCommand.self, InfoCommand.self]
    )

    /// Errors thrown out of a command read `error: …`, like the lines the commands print themselves
    /// (and like compilers and git), not ArgumentParser's `Error: …`.
    static var _errorPrefix: String { "error: " }

    /// Runs the command. SIGPIPE is ignored so that a closed standard output is reported (and the
    /// command stops cleanly, status 141) instead of killing the process mid-write. When OpenBLAS
    /// fell back to a slow generic kernel on a CPU it does not recognise, the command first restarts
    /// itself with a kernel the CPU supports (see ``BLASKernel``).
    static func main() {
        BLASKernel.restartWithSuggestedCoreType()
        // One BLAS thread for every command: those that compute in parallel do it with workers of
        // their own, and OpenBLAS's threads would busy-wait on the cores the workers need.
        BLASThreads.set(1)
        signal(SIGPIPE, SIG_IGN)
        main(nil)
    }
}
