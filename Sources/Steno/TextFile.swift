import Foundation

/// The UTF-8 text files users hand Steno: manifests, vocabularies, language-model text, notes.
public enum TextFile {
    /// The lines of the UTF-8 text file at `path`, without their line ends (LF or CR LF) and without
    /// a leading byte order mark; line `n` of the file is element `n - 1`. A final line end does
    /// not start another line.
    ///
    /// Throws when the file cannot be read, or at the first line that is not UTF-8.
    public static func lines(of path: String) throws(TextFileError) -> [String] {
        var bytes = try contents(of: path)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var rawLines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if rawLines.last?.isEmpty == true { rawLines.removeLast() }
        var lines: [String] = []
        lines.reserveCapacity(rawLines.count)
        for (offset, var raw) in rawLines.enumerated() {
            if raw.last == UInt8(ascii: "\r") { raw = raw.dropLast() }
            guard let line = String(validating: raw, as: UTF8.self) else {
                throw TextFileError(file: path, line: offset + 1, problem: .notUTF8(column: firstInvalidByte(raw) + 1))
            }
            lines.append(line)
        }
        return lines
    }

    // MARK: - Implementation details

    private static func contents(of path: String) throws(TextFileError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TextFileError(file: path, line: nil, problem: .unreadable("no such file"))
        }
        guard !isDirectory.boolValue else { throw TextFileError(file: path, line: nil, problem: .unreadable("is a directory")) }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw TextFileError(file: path, line: nil, problem: .unreadable(String(cString: strerror(errno))))
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            return [UInt8](try handle.readToEnd() ?? Data())
        } catch {
            throw TextFileError(file: path, line: nil, problem: .unreadable(error.localizedDescription))
        }
    }

    /// The offset of the first byte where `bytes` stops being valid UTF-8.
    private static func firstInvalidByte(_ bytes: ArraySlice<UInt8>) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while case .valid(let scalar) = parser.parseScalar(from: &iterator) { offset += scalar.count }
        return offset
    }
}

/// A text file that cannot be read, or holds bytes that are not UTF-8.
public struct TextFileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file.
    public var file: String
    /// The line at fault, counting from 1 (nil for the file as a whole).
    public var line: Int?
    /// What is wrong.
    public var problem: Problem

    /// What can be wrong with a text file.
    public enum Problem: Sendable, Equatable {
        /// The file cannot be opened or read, for this reason.
        case unreadable(String)
        /// The line has bytes that are not UTF-8, starting at this byte column (from 1).
        case notUTF8(column: Int)
    }

    /// Creates an error about `file` (at `line`, if given).
    public init(file: String, line: Int?, problem: Problem) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return "\(place): \(Self.reason(problem))"
    }

    /// The words for `problem`, shared with the errors of formats built on text files.
    public static func reason(_ problem: Problem) -> String {
        switch problem {
        case .unreadable(let why): "cannot be read (\(why))"
        case .notUTF8(let column): "not UTF-8 (invalid bytes at byte \(column) of the line; re-save the file as UTF-8)"
        }
    }
}
