import ArgumentParser
import Foundation
import Steno

/// `steno info`: what an audio file holds.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe audio files: container, encoding, sample rate, channels, duration."
    )

    @Argument(help: "Audio files, or - for standard input.")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("name at least one file") }
    }

    func run() throws {
        var failures = 0
        for (index, file) in files.enumerated() {
            do {
                let info = try AudioDecoder.info(AudioSource(argument: file))
                if index > 0 { print("") }
                print(Self.describe(info))
            } catch {
                printError("error: \(error)")
                failures += 1
            }
        }
        if failures > 0 { throw ExitCode.failure }
    }

    static func describe(_ info: AudioFileInfo) -> String {
        """
        file: \(info.name == "-" ? "standard input" : info.name)
        container: \(info.container)
        encoding: \(info.encoding)
        sample rate: \(info.sampleRate) Hz
        channels: \(info.channels)
        frames: \(info.frames)
        duration: \(String(format: "%.3f", info.duration)) s
        """
    }
}
