// Files mapped into memory read-only, for the ARPA parser (mapped while it reads) and the binary
// format (mapped for the model's lifetime).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes that stay valid while this object lives: a read-only file mapping, or memory allocated
/// for a model built in memory (from ARPA text). Never written after it is handed out.
final class ImageBytes: @unchecked Sendable {
    /// The first byte (64-byte aligned when allocated; page-aligned when mapped).
    let base: UnsafeRawPointer
    /// The number of bytes.
    let count: Int
    private let isMapped: Bool
    /// Whether the bytes were allocated (not a file mapping).
    var isAllocated: Bool { !isMapped }

    /// Maps the file at `path` read-only; errors name `path`.
    init(mapping path: String) throws(LanguageModelError) {
        func failure(_ kind: LanguageModelError.Kind) -> LanguageModelError { LanguageModelError(file: path, kind: kind) }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            let code = errno
            throw failure(code == ENOENT ? .fileNotFound : .unreadable(String(cString: strerror(code))))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure(.unreadable(String(cString: strerror(errno)))) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw failure(.unreadable("is a directory")) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw failure(.unreadable("not a regular file; cannot be mapped")) }
        let size = Int(info.st_size)
        guard size > 0 else { throw failure(.emptyFile) }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED else {
            throw failure(.unreadable("mmap: " + String(cString: strerror(errno))))
        }
        base = UnsafeRawPointer(address)
        count = size
        isMapped = true
    }

    /// `count` zeroed bytes of memory, 64-byte aligned, for the caller to fill before sharing.
    init(allocating count: Int) {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 64)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
        base = UnsafeRawPointer(memory)
        self.count = count
        isMapped = false
    }

    /// The bytes, writable: only while building an allocated image, before anyone reads it.
    var mutableBase: UnsafeMutableRawPointer {
        precondition(!isMapped, "a file mapping is read-only")
        return UnsafeMutableRawPointer(mutating: base)
    }

    var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: count) }

    /// Advises the kernel how the bytes will be read.
    func advise(_ advice: Int32) {
        guard isMapped else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base), count, advice)
    }

    deinit {
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }
}

