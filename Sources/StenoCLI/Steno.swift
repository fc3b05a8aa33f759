import ArgumentParser
import Steno

@main
struct StenoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "steno", abstract: "Streaming speech recognition.")
}
