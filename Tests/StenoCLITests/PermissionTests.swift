import Foundation
import Steno
import Testing

/// True when tests can run steno as an unprivileged user (root with setpriv, and a build folder that
/// user can reach): root reads every file, so permission errors only show for another user.
private let canDropPrivileges: Bool = {
    guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: setpriv.path) else { return false }
    return (try? steno(dropPrivileges + [stenoBinary.path, "--help"], executable: setpriv))?.status == 0
}()

/// `setpriv` runs the command after it as user and group nobody (65534), with no supplementary groups.
private let setpriv = URL(fileURLWithPath: "/usr/bin/setpriv")
private let dropPrivileges = ["--reuid=65534", "--regid=65534", "--clear-groups"]

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
        let result = try steno(dropPrivileges + [stenoBinary.path, command[0], path] + command.dropFirst(), executable: setpriv)
        #expect(result.status == 1, "a status of 1, not a signal: \(result.status)")
        #expect(result.stderr.contains("locked.wav: cannot be read (Permission denied)"), "\(result.stderr)")
    }
}
