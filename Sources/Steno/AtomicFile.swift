import Foundation

/// Writes files so that they appear complete or not at all.
public enum AtomicFile {
    /// Writes `data` to `path` through a temporary file in the same folder and a rename,
    /// so a crash or a full disk never leaves a half-written file at `path`.
    public static func write(_ data: Data, to path: String) throws(FileWriteError) {
        try write(to: path) { write in try data.withUnsafeBytes { try write($0) } }
    }

    /// Writes the bytes `body` hands to its `write` function, in order, to `path`: into a temporary
    /// file in the same folder, flushed to the disk, then renamed over `path`, so a crash or a full
    /// disk never leaves a half-written file there. Large outputs need no copy of their own.
    /// An error `body` throws itself ends the write too (reported as a ``FileWriteError``).
    public static func write(to path: String, _ body: (_ write: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws(FileWriteError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileWriteError(path: path, reason: "the folder \(folder) does not exist")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw FileWriteError(path: path, reason: "is a directory")
        }
        let temporary = folder + "/.\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let failure = { FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw failure() }
        do {
            try body { (bytes: UnsafeRawBufferPointer) throws in
                var offset = 0
                while offset < bytes.count {
                    let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { throw failure() }
                    offset += written
                }
            }
            guard fsync(descriptor) == 0 else { throw failure() }
            guard close(descriptor) == 0 else { throw failure() }
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error as? FileWriteError ?? FileWriteError(path: path, reason: "\(error)")
        }
        guard rename(temporary, path) == 0 else {
            let error = failure()
            unlink(temporary)
            throw error
        }
    }
}

/// A file that could not be written.
public struct FileWriteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file as the user named it.
    public var path: String
    /// Why it could not be written.
    public var reason: String

    /// An error about `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): cannot write (\(reason))" }
}
