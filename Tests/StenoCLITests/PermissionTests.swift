import Foundation
import Steno
import Testing

/// True when tests can run steno as an unprivileged user (root with setpriv, and a build folder that
/// user can reach): root reads every file, so permission errors only show for another user.
private let canDropPrivileges: Bool = {
    guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return false }
    let probe = Process()
    probe.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
    probe.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", stenoBinary.path, "--help"]
    probe.standardOutput = FileHandle.nullDevice
    probe.standardError = FileHandle.nullDevice
    guard (try? probe.run()) != nil else { return false }
    probe.waitUntilExit()
    return probe.terminationStatus == 0
}()

@Suite("Unreadable files")
struct PermissionTests {
    @Test("A file without read permission is reported by name, as another user sees it", .enabled(if: canDropPrivileges, "needs root, setpriv, and a build folder user nobody can reach"),
          arguments: [["info"], ["features", "--output", "/nonexistent-steno-output/out.npy"]])
    func unreadable(command: [String]) throws {
        let scratch = Scratch()
        chmod(scratch.path, 0o755)
        let path = scratch.file("locked.wav")
        try AudioFileWriter.write([Float](repeating: 0.1, count: 1_600), sampleRate: 16_000, format: .wav16, to: path)
        chmod(path, 0)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", stenoBinary.path] + [command[0], path] + command.dropFirst()
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 1)
        #expect(message.contains("locked.wav: cannot be read (Permission denied)"), "\(message)")
    }
}
