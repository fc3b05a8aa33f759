import CSndfile
import Foundation

// The one file that speaks libsndfile. Everything above it sees Swift types only.

/// An audio file open for reading through libsndfile, from a path or from bytes in memory.
///
/// Not thread-safe: one reader per thread. The file closes when the value is released.
final class SoundFile {
    private let handle: OpaquePointer
    /// Keeps the bytes behind a memory-backed file alive while libsndfile reads them.
    private let memory: MemoryStream?
    /// The name used in error messages.
    let name: String
    let sampleRate: Int
    let channels: Int
    /// Frames per channel the header declares.
    let declaredFrames: Int64
    private let format: Int32

    private init(handle: OpaquePointer, info: SF_INFO, memory: MemoryStream?, name: String) {
        self.handle = handle
        self.memory = memory
        self.name = name
        self.sampleRate = Int(info.samplerate)
        self.channels = Int(info.channels)
        self.declaredFrames = Int64(info.frames)
        self.format = info.format
    }

    deinit { sf_close(handle) }

    /// Bytes of audio data the header declared and the file holds, when it holds fewer (a WAV or
    /// AIFF file cut short); libsndfile then reads what is there.
    private(set) var dataShortfall: (declared: Int64, found: Int64)?

    /// The truncation error for ``dataShortfall``, if any.
    var truncationError: AudioError? {
        dataShortfall.map { AudioError(file: name, kind: .truncated(declared: "\($0.declared) bytes of audio data", found: "\($0.found)")) }
    }

    /// Opens the file at `path`, after checking that it exists, is a regular file, and is not empty.
    static func open(path: String) throws(AudioError) -> SoundFile {
        try checkReadableFile(path)
        if let problem = listProblem(ofFileAt: path) { throw AudioError(file: path, kind: .damaged(problem)) }
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw openError(name: path, header: { readHead(ofFileAt: path) })
        }
        return try validated(SoundFile(handle: handle, info: info, memory: nil, name: path))
    }

    /// Opens audio held in memory (for example everything read from standard input).
    static func open(bytes: [UInt8], name: String) throws(AudioError) -> SoundFile {
        guard !bytes.isEmpty else { throw AudioError(file: name, kind: .emptyFile) }
        let problem = RIFFListCheck.problem(length: Int64(bytes.count)) { offset, count in
            offset < bytes.count ? Array(bytes[Int(offset)..<min(bytes.count, Int(offset) + count)]) : []
        }
        if let problem { throw AudioError(file: name, kind: .damaged(problem)) }
        let stream = MemoryStream(bytes: bytes)
        var io = SF_VIRTUAL_IO(
            get_filelen: { MemoryStream.from($0).length },
            seek: { offset, whence, user in MemoryStream.from(user).seek(offset, whence: whence) },
            read: { destination, count, user in MemoryStream.from(user).read(into: destination, count: count) },
            write: { _, _, _ in 0 },
            tell: { MemoryStream.from($0).position }
        )
        var info = SF_INFO()
        let user = Unmanaged.passUnretained(stream).toOpaque()
        guard let handle = sf_open_virtual(&io, Int32(SFM_READ), &info, user) else {
            throw openError(name: name, header: { Array(bytes.prefix(4096)) })
        }
        return try validated(SoundFile(handle: handle, info: info, memory: stream, name: name))
    }

    /// Reads up to `frames` interleaved frames into `buffer`; returns the number of frames read (0 at the end).
    func readFrames(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws(AudioError) -> Int {
        let count = sf_readf_float(handle, buffer, sf_count_t(frames))
        if count < 0 || (count == 0 && sf_error(handle) != 0) {
            throw AudioError(file: name, kind: .readFailed(String(cString: sf_strerror(handle))))
        }
        return Int(count)
    }

    /// True when samples are stored as floating point (and so may hold NaN or infinity).
    var hasFloatingPointSamples: Bool {
        let subtype = format & Int32(SF_FORMAT_SUBMASK)
        return subtype == Int32(SF_FORMAT_FLOAT) || subtype == Int32(SF_FORMAT_DOUBLE)
            || subtype == Int32(SF_FORMAT_VORBIS) || subtype == Int32(SF_FORMAT_OPUS)
    }

    /// The container's name, e.g. "WAV (Microsoft)".
    /// Whether the header's frame count is an estimate: an MP3 without an exact length in its
    /// header is counted from its size and bit rate, and encoder delay and padding move the real count.
    var hasEstimatedLength: Bool { format & Int32(SF_FORMAT_TYPEMASK) == Int32(SF_FORMAT_MPEG) }

    var containerName: String { Self.formatName(format & Int32(SF_FORMAT_TYPEMASK), command: Int32(SFC_GET_FORMAT_INFO)) }

    /// The encoding's name, e.g. "Signed 16 bit PCM".
    var encodingName: String { Self.formatName(format & Int32(SF_FORMAT_SUBMASK), command: Int32(SFC_GET_FORMAT_INFO)) }

    /// libsndfile's log for this file: what it noticed while parsing the header.
    var log: String {
        var buffer = [CChar](repeating: 0, count: 8192)
        _ = sf_command(handle, Int32(SFC_GET_LOG_INFO), &buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func formatName(_ code: Int32, command: Int32) -> String {
        var info = SF_FORMAT_INFO(format: code, name: nil, extension: nil)
        guard sf_command(nil, command, &info, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0,
              let name = info.name else { return String(format: "format 0x%X", code) }
        return String(cString: name)
    }

    /// Checks what libsndfile accepts but Steno must not: absurd rates and channel counts; and
    /// notes a header declaring more data than the file holds (``dataShortfall``).
    private static func validated(_ file: SoundFile) throws(AudioError) -> SoundFile {
        guard AudioLimits.channels.contains(file.channels) else {
            throw AudioError(file: file.name, kind: .invalidChannelCount(file.channels))
        }
        guard AudioLimits.sampleRates.contains(file.sampleRate) else {
            throw AudioError(file: file.name, kind: .invalidSampleRate(file.sampleRate))
        }
        file.dataShortfall = declaredAndActualDataLength(inLog: file.log)
        return file
    }

    /// libsndfile clamps a WAV/AIFF data chunk that runs past the end of the file and logs
    /// `data : 85488 (should be 42722)`; this finds that line.
    static func declaredAndActualDataLength(inLog log: String) -> (Int64, Int64)? {
        for line in log.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, ["data", "SSND"].contains(parts[0]),
                  let open = parts[1].range(of: "(should be ") else { continue }
            let declared = Int64(parts[1][..<open.lowerBound].trimmingCharacters(in: .whitespaces))
            let actual = Int64(parts[1][open.upperBound...].prefix { $0.isNumber })
            if let declared, let actual, declared > actual { return (declared, actual) }
        }
        return nil
    }

    private static func checkReadableFile(_ path: String) throws(AudioError) {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let code = errno
            throw AudioError(file: path, kind: code == ENOENT || code == ENOTDIR ? .fileNotFound : .unreadable(String(cString: strerror(code))))
        }
        if (status.st_mode & S_IFMT) == S_IFDIR { throw AudioError(file: path, kind: .isDirectory) }
        if (status.st_mode & S_IFMT) == S_IFREG && status.st_size == 0 { throw AudioError(file: path, kind: .emptyFile) }
        guard access(path, R_OK) == 0 else {
            throw AudioError(file: path, kind: .unreadable(String(cString: strerror(errno))))
        }
    }

    /// Turns a failed `sf_open` into a typed error. When the header is a RIFF/WAVE one,
    /// its fields are checked directly, since libsndfile's message for a zero rate is unhelpful.
    private static func openError(name: String, header: () -> [UInt8]) -> AudioError {
        let code = sf_error(nil)
        let message = String(cString: sf_strerror(nil))
        if let fields = WAVHeaderFields(header()) {
            if !AudioLimits.channels.contains(fields.channels) {
                return AudioError(file: name, kind: .invalidChannelCount(fields.channels))
            }
            if !AudioLimits.sampleRates.contains(fields.sampleRate) {
                return AudioError(file: name, kind: .invalidSampleRate(fields.sampleRate))
            }
        }
        if let format = unknownFormat(inLog: failedOpenLog()) {
            return AudioError(file: name, kind: .unsupportedEncoding("no decoder for format tag \(format) in the 'fmt ' chunk"))
        }
        switch Int(code) {
        case Int(SF_ERR_UNRECOGNISED_FORMAT): return AudioError(file: name, kind: .notAudio(message))
        case Int(SF_ERR_SYSTEM): return AudioError(file: name, kind: .unreadable(message))
        case Int(SF_ERR_UNSUPPORTED_ENCODING): return AudioError(file: name, kind: .unsupportedEncoding(message))
        default: return AudioError(file: name, kind: .malformed(message))
        }
    }

    /// libsndfile's log of the last failed open.
    private static func failedOpenLog() -> String {
        var buffer = [CChar](repeating: 0, count: 8192)
        _ = sf_command(nil, Int32(SFC_GET_LOG_INFO), &buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// libsndfile reports a WAV format tag it has no decoder for as a malformed `fmt ` chunk, and
    /// logs `Format : 0x7A7A => Unknown format`; this finds the tag in that line.
    static func unknownFormat(inLog log: String) -> String? {
        for line in log.split(separator: "\n") where line.hasSuffix("=> Unknown format") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, parts[0] == "Format" else { continue }
            return parts[1].components(separatedBy: " =>")[0]
        }
        return nil
    }

    /// ``RIFFListCheck`` on the file at `path` (nil when it cannot be read: sf_open reports that).
    private static func listProblem(ofFileAt path: String) -> String? {
        let descriptor = Glibc.open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        return RIFFListCheck.problem(length: Int64(status.st_size)) { offset, count in
            var bytes = [UInt8](repeating: 0, count: count)
            let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
            return Array(bytes.prefix(max(0, got)))
        }
    }

    private static func readHead(ofFileAt path: String) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        return [UInt8]((try? handle.read(upToCount: 4096)) ?? Data())
    }
}

/// The channel count and rate of a RIFF/WAVE `fmt ` chunk, read directly from the first bytes of a file.
struct WAVHeaderFields {
    let channels: Int
    let sampleRate: Int

    init?(_ bytes: [UInt8]) {
        func u32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8) else { return nil }
        var offset = 12
        while offset + 8 <= bytes.count {
            let size = u32(offset + 4)
            if bytes[offset..<offset + 4].elementsEqual("fmt ".utf8) {
                guard offset + 16 <= bytes.count else { return nil }
                channels = Int(bytes[offset + 10]) | Int(bytes[offset + 11]) << 8
                sampleRate = u32(offset + 12)
                return
            }
            offset += 8 + size + (size & 1)
        }
        return nil
    }
}

/// Audio file formats Steno can write (for tests, tools and exported audio).
public enum AudioFileFormat: String, CaseIterable, Sendable {
    case wavUnsigned8 = "wav-u8", wav16 = "wav-16", wav24 = "wav-24", wav32 = "wav-32", wavFloat = "wav-float"
    case flac16 = "flac", oggVorbis = "ogg-vorbis", oggOpus = "opus", aiff16 = "aiff", mp3
    /// Telephone and legacy codecs in WAV: G.711 μ-law and A-law, GSM 6.10 (8 kHz mono only), IMA ADPCM.
    case wavMuLaw = "wav-ulaw", wavALaw = "wav-alaw", wavGSM = "wav-gsm", wavIMAADPCM = "wav-ima-adpcm"

    /// Whether the installed libsndfile can write this format with `channels` at `sampleRate`.
    public func isWritable(channels: Int = 1, sampleRate: Int) -> Bool {
        var info = SF_INFO()
        info.samplerate = Int32(clamping: sampleRate)
        info.channels = Int32(clamping: channels)
        info.format = code
        return sf_format_check(&info) != 0
    }

    var code: Int32 {
        switch self {
        case .wavUnsigned8: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_U8)
        case .wav16: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        case .wav24: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_24)
        case .wav32: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_32)
        case .wavFloat: Int32(SF_FORMAT_WAV | SF_FORMAT_FLOAT)
        case .flac16: Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
        case .oggVorbis: Int32(SF_FORMAT_OGG | SF_FORMAT_VORBIS)
        case .oggOpus: Int32(SF_FORMAT_OGG | SF_FORMAT_OPUS)
        case .aiff16: Int32(SF_FORMAT_AIFF | SF_FORMAT_PCM_16)
        case .mp3: Int32(SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III)
        case .wavMuLaw: Int32(SF_FORMAT_WAV | SF_FORMAT_ULAW)
        case .wavALaw: Int32(SF_FORMAT_WAV | SF_FORMAT_ALAW)
        case .wavGSM: Int32(SF_FORMAT_WAV | SF_FORMAT_GSM610)
        case .wavIMAADPCM: Int32(SF_FORMAT_WAV | SF_FORMAT_IMA_ADPCM)
        }
    }
}

/// Writes audio files through libsndfile.
public enum AudioFileWriter {
    /// Writes interleaved samples `[frames, channels]` to `path`, atomically: the file appears
    /// complete or not at all (written beside it under a temporary name, then renamed).
    public static func write(_ samples: [Float], channels: Int = 1, sampleRate: Int, format: AudioFileFormat, to path: String) throws(AudioError) {
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = format.code
        guard channels > 0, samples.count % channels == 0, sf_format_check(&info) != 0 else {
            throw AudioError(file: path, kind: .writeFailed("\(format.rawValue) cannot hold \(channels) channel(s) at \(sampleRate) Hz"))
        }
        let temporary = path + ".tmp-\(getpid())"
        guard let handle = sf_open(temporary, Int32(SFM_WRITE), &info) else {
            throw AudioError(file: path, kind: .writeFailed(String(cString: sf_strerror(nil))))
        }
        let frames = samples.count / channels
        let written = samples.withUnsafeBufferPointer { sf_writef_float(handle, $0.baseAddress, sf_count_t(frames)) }
        let closed = sf_close(handle)
        guard written == frames, closed == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw AudioError(file: path, kind: .writeFailed("wrote \(written) of \(frames) frames"))
        }
    }

    /// The bytes of a file in `format` holding `samples` (`[frames, channels]` interleaved), made
    /// in memory. `compression` in [0, 1] sets libsndfile's compression level for the formats that
    /// have one (FLAC, Vorbis, Opus, MP3): 0 is the best quality, 1 the smallest file.
    public static func encode(_ samples: [Float], channels: Int = 1, sampleRate: Int, format: AudioFileFormat,
                              compression: Double? = nil) throws(AudioError) -> [UInt8] {
        let name = "in-memory \(format.rawValue)"
        var info = SF_INFO()
        info.samplerate = Int32(clamping: sampleRate)
        info.channels = Int32(clamping: channels)
        info.format = format.code
        guard channels > 0, samples.count % channels == 0, sf_format_check(&info) != 0 else {
            throw AudioError(file: name, kind: .writeFailed("\(format.rawValue) cannot hold \(channels) channel(s) at \(sampleRate) Hz"))
        }
        let stream = MemoryStream()
        var io = SF_VIRTUAL_IO(
            get_filelen: { MemoryStream.from($0).length },
            seek: { offset, whence, user in MemoryStream.from(user).seek(offset, whence: whence) },
            read: { destination, count, user in MemoryStream.from(user).read(into: destination, count: count) },
            write: { source, count, user in MemoryStream.from(user).write(source, count: count) },
            tell: { MemoryStream.from($0).position }
        )
        let user = Unmanaged.passUnretained(stream).toOpaque()
        guard let handle = sf_open_virtual(&io, Int32(SFM_WRITE), &info, user) else {
            throw AudioError(file: name, kind: .writeFailed(String(cString: sf_strerror(nil))))
        }
        if var level = compression.map({ min(max($0, 0), 1) }) {
            sf_command(handle, Int32(SFC_SET_COMPRESSION_LEVEL), &level, Int32(MemoryLayout<Double>.size))
        }
        let frames = samples.count / channels
        let written = samples.withUnsafeBufferPointer { sf_writef_float(handle, $0.baseAddress, sf_count_t(frames)) }
        let closed = sf_close(handle)
        guard written == frames, closed == 0 else {
            throw AudioError(file: name, kind: .writeFailed("wrote \(written) of \(frames) frames"))
        }
        return withExtendedLifetime(stream) { stream.bytes }
    }
}

/// Bytes in memory seen by libsndfile as a seekable file, which it reads, or writes (and may read
/// back and rewrite, as encoders patch headers).
private final class MemoryStream {
    var bytes: [UInt8]
    var position: sf_count_t = 0

    init(bytes: [UInt8] = []) { self.bytes = bytes }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> MemoryStream {
        Unmanaged<MemoryStream>.fromOpaque(pointer!).takeUnretainedValue()
    }

    var length: sf_count_t { sf_count_t(bytes.count) }

    func seek(_ offset: sf_count_t, whence: Int32) -> sf_count_t {
        let base: sf_count_t = switch whence {
        case SEEK_CUR: position
        case SEEK_END: length
        default: 0
        }
        position = max(base + offset, 0)
        return position
    }

    func read(into destination: UnsafeMutableRawPointer?, count: sf_count_t) -> sf_count_t {
        guard let destination, count > 0 else { return 0 }
        let available = min(count, length - position)
        guard available > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            destination.copyMemory(from: source.baseAddress! + Int(position), byteCount: Int(available))
        }
        position += available
        return available
    }

    func write(_ source: UnsafeRawPointer?, count: sf_count_t) -> sf_count_t {
        guard let source, count > 0 else { return 0 }
        let end = Int(position + count)
        if end > bytes.count { bytes.append(contentsOf: repeatElement(0, count: end - bytes.count)) }
        bytes.withUnsafeMutableBytes { target in
            (target.baseAddress! + Int(position)).copyMemory(from: source, byteCount: Int(count))
        }
        position += count
        return count
    }
}
