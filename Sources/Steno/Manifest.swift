import Foundation

/// One labeled recording of a ``Manifest``.
public struct ManifestEntry: Sendable, Equatable {
    /// The audio file: absolute, or relative to the current directory (a relative path in the
    /// manifest is resolved against the manifest's folder).
    public var audioPath: String
    /// The transcript as the manifest writes it (not normalized; may be empty for silence).
    public var transcript: String
    /// The recording's duration in seconds, when the manifest gives one (JSON lines only).
    public var duration: Double?
    /// The manifest line the entry comes from, counting from 1.
    public var line: Int

    /// Creates an entry.
    public init(audioPath: String, transcript: String, duration: Double? = nil, line: Int) {
        self.audioPath = audioPath
        self.transcript = transcript
        self.duration = duration
        self.line = line
    }
}

/// A list of labeled recordings for training or evaluation.
///
/// Two formats, both UTF-8 with one entry per line; blank lines and lines starting with `#`
/// are skipped, a UTF-8 byte order mark and Windows line ends are accepted:
/// - TSV: `path<TAB>transcript`. Columns after the second are ignored (room for a duration
///   or speaker column); a line without a TAB is an error.
/// - JSON lines (NeMo style): `{"audio_filepath": "a.wav", "text": "hello", "duration": 1.5}`,
///   `duration` optional, other keys ignored. Chosen when the file name ends in `.json` or
///   `.jsonl`, or when the first entry line starts with `{`.
public struct Manifest: Sendable, Equatable {
    /// The manifest file as the user named it.
    public var path: String
    /// The entries, in file order.
    public var entries: [ManifestEntry]

    /// Creates a manifest from entries already in hand.
    public init(path: String, entries: [ManifestEntry]) {
        self.path = path
        self.entries = entries
    }

    /// Reads the manifest at `path`. Throws on the first bad line, and when there are no entries.
    public static func load(_ path: String) throws(ManifestError) -> Manifest {
        let text: [String]
        do {
            text = try TextFile.lines(of: path)
        } catch {
            switch error.problem {
            case .unreadable(let why): throw ManifestError(file: path, line: error.line, problem: .unreadable(why))
            case .notUTF8(let column): throw ManifestError(file: path, line: error.line, problem: .notUTF8(column: column))
            }
        }
        let folder = (path as NSString).deletingLastPathComponent
        var lines: [(number: Int, text: String)] = []
        for (offset, line) in text.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            lines.append((offset + 1, line))
        }

        let lowercased = path.lowercased()
        let isJSON = lowercased.hasSuffix(".json") || lowercased.hasSuffix(".jsonl")
            || lines.first.map { $0.text.trimmingCharacters(in: .whitespaces).hasPrefix("{") } ?? false
        var entries: [ManifestEntry] = []
        entries.reserveCapacity(lines.count)
        for (number, text) in lines {
            let fail = { (problem: ManifestError.Problem) in ManifestError(file: path, line: number, problem: problem) }
            var entry = isJSON ? try Self.jsonEntry(text, fail: fail) : try Self.tsvEntry(text, fail: fail)
            guard !entry.audioPath.isEmpty else { throw fail(.emptyPath) }
            entry.line = number
            if !entry.audioPath.hasPrefix("/") && !folder.isEmpty { entry.audioPath = folder + "/" + entry.audioPath }
            entries.append(entry)
        }
        guard !entries.isEmpty else { throw ManifestError(file: path, line: nil, problem: .noEntries) }
        return Manifest(path: path, entries: entries)
    }

    /// The entries whose audio file does not exist (or is a directory), so callers can report
    /// and count them rather than drop them silently.
    public func missingAudio() -> [ManifestEntry] {
        entries.filter { entry in
            var isDirectory: ObjCBool = false
            return !FileManager.default.fileExists(atPath: entry.audioPath, isDirectory: &isDirectory) || isDirectory.boolValue
        }
    }

    // MARK: - Implementation details

    private static func tsvEntry(_ line: String, fail: (ManifestError.Problem) -> ManifestError) throws(ManifestError) -> ManifestEntry {
        let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard columns.count >= 2 else { throw fail(.missingTab) }
        return ManifestEntry(audioPath: String(columns[0]).trimmingCharacters(in: .whitespaces), transcript: String(columns[1]), line: 0)
    }

    private static func jsonEntry(_ line: String, fail: (ManifestError.Problem) -> ManifestError) throws(ManifestError) -> ManifestEntry {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
        } catch {
            throw fail(.badJSON)
        }
        guard let object = parsed as? [String: Any] else { throw fail(.notAnObject) }
        guard let pathValue = object["audio_filepath"] else { throw fail(.missingKey("audio_filepath")) }
        guard let audioPath = pathValue as? String else { throw fail(.wrongType(key: "audio_filepath", expected: "a string")) }
        guard let textValue = object["text"] else { throw fail(.missingKey("text")) }
        guard let text = textValue as? String else { throw fail(.wrongType(key: "text", expected: "a string")) }
        var duration: Double?
        if let value = object["duration"], !(value is NSNull) {
            guard let number = value as? NSNumber, !(value is Bool), number.doubleValue.isFinite, number.doubleValue >= 0 else {
                throw fail(.wrongType(key: "duration", expected: "a number of seconds ≥ 0"))
            }
            duration = number.doubleValue
        }
        return ManifestEntry(audioPath: audioPath, transcript: text, duration: duration, line: 0)
    }
}

/// A manifest that cannot be read.
public struct ManifestError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The manifest file.
    public var file: String
    /// The line at fault, counting from 1 (nil for the file as a whole).
    public var line: Int?
    /// What is wrong.
    public var problem: Problem

    /// What can be wrong with a manifest.
    public enum Problem: Sendable, Equatable {
        /// The file cannot be opened.
        case unreadable(String)
        /// The line has bytes that are not UTF-8, starting at this byte column (from 1).
        case notUTF8(column: Int)
        /// A TSV line without a TAB between path and transcript.
        case missingTab
        /// The audio path is empty.
        case emptyPath
        /// A JSON line that does not parse.
        case badJSON
        /// A JSON line that is not an object.
        case notAnObject
        /// A JSON line without this key.
        case missingKey(String)
        /// A JSON value of the wrong type.
        case wrongType(key: String, expected: String)
        /// No entries at all.
        case noEntries
    }

    /// Creates an error about `file` (at `line`, if given).
    public init(file: String, line: Int?, problem: Problem) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        let reason: String
        switch problem {
        case .unreadable(let why): reason = TextFileError.reason(.unreadable(why))
        case .notUTF8(let column): reason = TextFileError.reason(.notUTF8(column: column))
        case .missingTab: reason = "no TAB between the audio path and the transcript (expected path<TAB>transcript)"
        case .emptyPath: reason = "the audio path is empty"
        case .badJSON: reason = "not valid JSON (expected {\"audio_filepath\": …, \"text\": …})"
        case .notAnObject: reason = "not a JSON object (expected {\"audio_filepath\": …, \"text\": …})"
        case .missingKey(let key): reason = "missing \"\(key)\""
        case .wrongType(let key, let expected): reason = "\"\(key)\" should be \(expected)"
        case .noEntries: reason = "no entries (only blank lines and comments)"
        }
        return "\(place): \(reason)"
    }
}
