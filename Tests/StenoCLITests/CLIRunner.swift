import Foundation

/// The result of running the built `steno` binary.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
    var stdoutBytes: Data
}

/// Runs the `steno` binary built beside the test bundle (or `executable`) with `arguments`, feeding
/// it `stdin` (or nothing, closed), and waits for it to exit.
func steno(_ arguments: [String], stdin: Data? = nil, executable: URL = stenoBinary) throws -> CommandResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steno-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let outURL = folder.appendingPathComponent("out"), errURL = folder.appendingPathComponent("err"), inURL = folder.appendingPathComponent("in")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    FileManager.default.createFile(atPath: inURL.path, contents: stdin ?? Data())
    let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL), input = try FileHandle(forReadingFrom: inURL)
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    process.waitUntilExit()
    try out.close(); try err.close(); try input.close()
    let outData = try Data(contentsOf: outURL)
    return CommandResult(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self),
        stdoutBytes: outData)
}

/// `steno` in the products folder that holds this test bundle.
let stenoBinary: URL = {
    var folder = Bundle.main.bundleURL
    if folder.pathExtension == "xctest" { folder.deleteLastPathComponent() }
    for candidate in [folder, folder.deletingLastPathComponent(), URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()] {
        let binary = candidate.appendingPathComponent("steno")
        if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
    }
    return folder.appendingPathComponent("steno")
}()

/// A fresh temporary folder, removed when released.
final class Scratch {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "steno-cli-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}
