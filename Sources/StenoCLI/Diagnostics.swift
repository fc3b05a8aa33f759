import ArgumentParser
import Foundation

/// Writes a diagnostic line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Standard output was closed by its reader (EPIPE).
struct StdoutClosed: Error {}

/// Exit status when standard output was closed by its reader: what a shell reports for a process
/// stopped by SIGPIPE, but reached after a clean shutdown.
let stdoutClosedStatus: Int32 = 141

/// Results on standard output, written with write(2): each call is out when it returns, and a
/// reader that went away (a closed pipe) is noticed instead of killing the process (SIGPIPE is
/// ignored in `main`).
enum StandardOutput {
    /// Writes `text` in full.
    /// - Throws: ``StdoutClosed`` when the reader has gone; `ValidationError` for other write errors.
    static func write(_ text: String) throws {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { throw StdoutClosed() }
                throw ValidationError("cannot write to standard output (\(String(cString: strerror(errno))))")
            }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Writes `text`; when the reader has gone, says so on standard error and ends the command with
    /// ``stdoutClosedStatus``.
    static func emit(_ text: String) throws {
        do {
            try write(text)
        } catch is StdoutClosed {
            printError("stdout closed; stopping")
            throw ExitCode(stdoutClosedStatus)
        }
    }
}
