/// How the bytes of a live audio stream encode samples.
public enum PCMEncoding: String, CaseIterable, Sendable {
    /// Raw signed 16-bit little-endian integers, scaled by 1/32 768.
    case s16le
    /// Raw signed 32-bit little-endian integers, scaled by 1/2 147 483 648.
    case s32le
    /// Raw 32-bit little-endian IEEE floats, taken as they are (NaN and infinities are errors).
    case f32le
    /// A RIFF/WAVE stream: the header gives rate, channels and sample format (8-bit unsigned,
    /// 16/24/32-bit signed PCM or 32-bit float); the data may run to the end of input.
    case wav
}

/// Why a byte stream cannot be decoded as the audio it was said to be.
public struct StreamFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// A RIFF/WAVE header arrived where raw samples were expected.
        case wavOnRawInput
        /// `wav` was asked for but the input does not start with a RIFF/WAVE header.
        case notWAV
        /// The WAV header is damaged or describes a format this decoder cannot read.
        case unsupportedWAV(String)
        /// The input ended inside the WAV header, before any sample.
        case truncatedHeader
        /// A floating-point sample is NaN or infinite; `frame` counts from 0 at the stream start.
        case nonFiniteSample(frame: Int)
    }

    /// What went wrong.
    public var kind: Kind

    /// Creates an error of `kind`.
    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case .wavOnRawInput: "input looks like a WAV file; use --encoding wav"
        case .notWAV: "input is not a WAV file (no RIFF/WAVE header); for raw samples use --encoding s16le, s32le or f32le"
        case .unsupportedWAV(let detail): "unsupported WAV stream: \(detail)"
        case .truncatedHeader: "input ended inside the WAV header, before any audio"
        case .nonFiniteSample(let frame): "sample frame \(frame) is not a finite number (NaN or infinity); is the input really f32le?"
        }
    }
}

/// Turns the bytes of a live PCM stream, in pieces of any size (one byte at a time, half a sample,
/// odd counts), into mono samples in [-1, 1]: channels are averaged. The samples do not depend on
/// how the bytes were split.
///
/// For raw encodings the first 12 bytes are held back until it is clear they are not a WAV header
/// (`RIFF....WAVE`), which would be a mistake worth an error rather than a second of loud noise.
/// For ``PCMEncoding/wav`` the header is parsed as it arrives: chunks other than `fmt ` and `data`
/// are skipped, a data size of 0 or 0xFFFFFFFF (streams, RF64) means "until the end of input", and
/// bytes after a sized data chunk are ignored.
///
/// At the end of input a partial sample frame (fewer bytes than one frame of all channels) is
/// dropped and counted in ``droppedBytes``: a live source cut off mid-sample is normal, so this
/// is for the caller to warn about, not an error. After an error the decoder accepts nothing more.
///
/// Not thread-safe: one decoder per stream.
public final class PCMStreamDecoder {
    /// The encoding the stream was declared as.
    public let encoding: PCMEncoding
    /// Sample rate in Hz: as declared for raw encodings; from the header for WAV (`nil` until it is parsed).
    public private(set) var sampleRate: Int?
    /// Interleaved channels: as declared for raw encodings; from the header for WAV (`nil` until parsed).
    public private(set) var channels: Int?
    /// Bytes of an incomplete last sample frame dropped at the end of input (set by ``finish()``).
    public private(set) var droppedBytes = 0
    /// Sample frames decoded so far.
    public private(set) var framesDecoded = 0

    private enum SampleFormat { case unsigned8, signed16, signed24, signed32, float32 }
    private enum State {
        case sniffing                 // raw: holding the first bytes to rule out a WAV header
        case riffHeader               // wav: waiting for "RIFF" size "WAVE"
        case chunkHeader              // wav: waiting for a chunk's id and size
        case formatChunk(Int)         // wav: collecting the fmt chunk's body
        case skipping(Int)            // wav: bytes of an uninteresting chunk still to skip
        case samples(remaining: Int?) // sample data; nil: until the end of input
        case trailing                 // after a sized data chunk: ignored
        case failed
    }

    private var state: State
    private var format: SampleFormat?
    /// Header bytes or the start of an incomplete sample frame, carried to the next call.
    private var pending: [UInt8] = []

    /// Creates a decoder.
    /// - Parameters:
    ///   - sampleRate: Hz, for raw encodings (ignored for WAV, whose header says it).
    ///   - channels: interleaved channels, for raw encodings (ignored for WAV).
    public init(encoding: PCMEncoding, sampleRate: Int = 16_000, channels: Int = 1) {
        precondition(sampleRate > 0 && channels > 0, "PCMStreamDecoder: sample rate and channels must be positive")
        self.encoding = encoding
        switch encoding {
        case .wav:
            state = .riffHeader
        case .s16le, .s32le, .f32le:
            state = .sniffing
            self.sampleRate = sampleRate
            self.channels = channels
            format = switch encoding {
            case .s16le: .signed16
            case .s32le: .signed32
            default: .float32
            }
        }
    }

    /// Decodes the next bytes; returns the mono samples they complete (possibly none).
    /// - Throws: ``StreamFormatError`` when the bytes are not the declared format.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(StreamFormatError) -> [Float] {
        var output: [Float] = []
        var offset = 0
        while offset < bytes.count {
            offset += try step(UnsafeRawBufferPointer(rebasing: bytes[offset...]), into: &output, atEnd: false)
        }
        return output
    }

    /// Decodes the next bytes (any collection of them); returns the mono samples they complete.
    public func decode(_ bytes: some Collection<UInt8>) throws(StreamFormatError) -> [Float] {
        let array = bytes as? [UInt8] ?? Array(bytes)
        let result: Result<[Float], StreamFormatError> = array.withUnsafeBytes { buffer in
            do throws(StreamFormatError) { return .success(try decode(buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Ends the stream: returns samples still held back (raw streams shorter than 12 bytes) and
    /// drops an incomplete last frame, recording its size in ``droppedBytes``.
    /// - Throws: ``StreamFormatError`` when a WAV stream ended inside its header, or the held-back
    ///   bytes were a WAV header after all.
    public func finish() throws(StreamFormatError) -> [Float] {
        var output: [Float] = []
        switch state {
        case .sniffing:
            try sniff(atEnd: true, into: &output)
            droppedBytes = pending.count
        case .riffHeader where pending.isEmpty:
            break  // no input at all: no audio, and nothing wrong with it
        case .riffHeader, .chunkHeader, .formatChunk, .skipping:
            fail(.truncatedHeader)
            throw StreamFormatError(.truncatedHeader)
        case .samples:
            droppedBytes = pending.count
        case .trailing, .failed:
            break
        }
        pending = []
        if case .failed = state {} else { state = .trailing }
        return output
    }

    // MARK: - Implementation details

    private static func couldBeRIFF(_ bytes: [UInt8]) -> Bool {
        let riff = Array("RIFF".utf8), rf64 = Array("RF64".utf8), wave = Array("WAVE".utf8)
        let head = Array(bytes.prefix(4))
        guard head == Array(riff.prefix(head.count)) || head == Array(rf64.prefix(head.count)) else { return false }
        if bytes.count > 8 {
            let tag = Array(bytes[8..<min(12, bytes.count)])
            return tag == Array(wave.prefix(tag.count))
        }
        return true
    }

    private func fail(_ kind: StreamFormatError.Kind) {
        state = .failed
        pending = []
    }

    /// Consumes some of `bytes` in the current state; returns how many.
    private func step(_ bytes: UnsafeRawBufferPointer, into output: inout [Float], atEnd: Bool) throws(StreamFormatError) -> Int {
        switch state {
        case .failed:
            return bytes.count
        case .trailing:
            return bytes.count
        case .sniffing:
            let take = min(12 - pending.count, bytes.count)
            pending += bytes[0..<take]
            if pending.count == 12 { try sniff(atEnd: false, into: &output) }
            return take
        case .riffHeader:
            let take = min(12 - pending.count, bytes.count)
            pending += bytes[0..<take]
            if !Self.couldBeRIFF(pending) {
                fail(.notWAV)
                throw StreamFormatError(.notWAV)
            }
            if pending.count == 12 {
                pending = []
                state = .chunkHeader
            }
            return take
        case .chunkHeader:
            let take = min(8 - pending.count, bytes.count)
            pending += bytes[0..<take]
            if pending.count == 8 { try chunkHeader() }
            return take
        case .formatChunk(let size):
            let take = min(size - pending.count, bytes.count)
            pending += bytes[0..<take]
            if pending.count == size { try formatChunk() }
            return take
        case .skipping(let remaining):
            let take = min(remaining, bytes.count)
            state = remaining - take == 0 ? .chunkHeader : .skipping(remaining - take)
            return take
        case .samples(let remaining):
            let take = min(remaining ?? bytes.count, bytes.count)
            decodeSamples(UnsafeRawBufferPointer(rebasing: bytes[0..<take]), into: &output)
            try checkFinite(output)
            if let remaining {
                state = remaining - take == 0 ? .trailing : .samples(remaining: remaining - take)
                if remaining - take == 0 { droppedBytes = pending.count; pending = [] }
            }
            return take
        }
    }

    /// Raw input: the held-back first bytes are either a WAV header (an error) or samples.
    private func sniff(atEnd: Bool, into output: inout [Float]) throws(StreamFormatError) {
        let head = pending
        if head.count >= 12 && Self.couldBeRIFF(head) {
            fail(.wavOnRawInput)
            throw StreamFormatError(.wavOnRawInput)
        }
        pending = []
        state = .samples(remaining: nil)
        head.withUnsafeBytes { decodeSamples($0, into: &output) }
        try checkFinite(output)
    }

    private func chunkHeader() throws(StreamFormatError) {
        let id = String(decoding: pending[0..<4], as: UTF8.self)
        let size = Int(Self.uint32(pending, at: 4))
        pending = []
        switch id {
        case "fmt ":
            guard (16...4096).contains(size) else {
                fail(.unsupportedWAV(""))
                throw StreamFormatError(.unsupportedWAV("the fmt chunk has \(size) bytes (16 to 4096 expected)"))
            }
            state = .formatChunk(size + size % 2)
        case "data":
            guard let format, channels != nil else {
                fail(.unsupportedWAV(""))
                throw StreamFormatError(.unsupportedWAV("the data chunk comes before the fmt chunk"))
            }
            _ = format
            // 0 and 0xFFFFFFFF are what streaming writers put when the length is unknown.
            state = .samples(remaining: size == 0 || size == 0xFFFF_FFFF ? nil : size)
        default:
            state = size == 0 ? .chunkHeader : .skipping(size + size % 2)  // chunks are padded to even sizes
        }
    }

    private func formatChunk() throws(StreamFormatError) {
        let body = pending
        pending = []
        var tag = Int(Self.uint16(body, at: 0))
        let channels = Int(Self.uint16(body, at: 2)), rate = Int(Self.uint32(body, at: 4)), bits = Int(Self.uint16(body, at: 14))
        if tag == 0xFFFE && body.count >= 26 { tag = Int(Self.uint16(body, at: 24)) }  // WAVE_FORMAT_EXTENSIBLE: the sub-format GUID
        func unsupported(_ detail: String) -> StreamFormatError {
            fail(.unsupportedWAV(detail))
            return StreamFormatError(.unsupportedWAV(detail))
        }
        guard channels > 0 else { throw unsupported("the header declares 0 channels") }
        guard rate > 0 else { throw unsupported("the header declares a sample rate of 0 Hz") }
        guard AudioLimits.channels.contains(channels) else {
            throw unsupported("the header declares \(channels) channels (\(AudioLimits.channels.lowerBound)–\(AudioLimits.channels.upperBound) expected)")
        }
        guard AudioLimits.sampleRates.contains(rate) else {
            throw unsupported("the header declares a sample rate of \(rate) Hz (\(AudioLimits.sampleRates.lowerBound)–\(AudioLimits.sampleRates.upperBound) Hz expected)")
        }
        switch (tag, bits) {
        case (1, 8): format = .unsigned8
        case (1, 16): format = .signed16
        case (1, 24): format = .signed24
        case (1, 32): format = .signed32
        case (3, 32): format = .float32
        case (1, _), (3, _): throw unsupported("\(bits)-bit \(tag == 3 ? "float" : "PCM") samples (8/16/24/32-bit PCM or 32-bit float expected)")
        default: throw unsupported("format tag \(tag) (only PCM and IEEE float are read; convert it with sox or ffmpeg)")
        }
        self.channels = channels
        sampleRate = rate
        state = .chunkHeader
    }

    private var bytesPerSample: Int {
        switch format! {
        case .unsigned8: 1
        case .signed16: 2
        case .signed24: 3
        case .signed32, .float32: 4
        }
    }

    /// Decodes whole frames from `pending` + `bytes`; keeps the incomplete tail in `pending`.
    private func decodeSamples(_ bytes: UnsafeRawBufferPointer, into output: inout [Float]) {
        let frameBytes = bytesPerSample * channels!
        var bytes = bytes
        if !pending.isEmpty {
            let take = min(frameBytes - pending.count, bytes.count)
            pending += bytes[0..<take]
            bytes = UnsafeRawBufferPointer(rebasing: bytes[take...])
            guard pending.count == frameBytes else { return }
            let frame = pending
            pending = []
            frame.withUnsafeBytes { appendFrames($0, count: 1, into: &output) }
        }
        let frames = bytes.count / frameBytes
        appendFrames(bytes, count: frames, into: &output)
        pending += bytes[(frames * frameBytes)...]
    }

    private func appendFrames(_ bytes: UnsafeRawBufferPointer, count frames: Int, into output: inout [Float]) {
        guard frames > 0 else { return }
        let channels = channels!, width = bytesPerSample, format = format!
        let scale = 1 / Float(channels)
        output.reserveCapacity(output.count + frames)
        for frame in 0..<frames {
            var sum: Float = 0
            for channel in 0..<channels {
                let at = (frame * channels + channel) * width
                switch format {
                case .unsigned8:
                    sum += (Float(bytes[at]) - 128) / 128
                case .signed16:
                    sum += Float(Int16(bitPattern: UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8)) / 32_768
                case .signed24:
                    let raw = UInt32(bytes[at]) << 8 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 24
                    sum += Float(Int32(bitPattern: raw) >> 8) / 8_388_608
                case .signed32:
                    sum += Float(Int32(bitPattern: Self.uint32(bytes, at: at))) / 2_147_483_648
                case .float32:
                    sum += Float(bitPattern: Self.uint32(bytes, at: at))
                }
            }
            output.append(channels == 1 ? sum : sum * scale)
        }
        framesDecoded += frames
    }

    /// Float input only: NaN or infinity anywhere in this call's output is an error.
    private func checkFinite(_ output: [Float]) throws(StreamFormatError) {
        guard format == .float32, let bad = output.firstIndex(where: { !$0.isFinite }) else { return }
        let frame = framesDecoded - output.count + bad
        fail(.nonFiniteSample(frame: frame))
        throw StreamFormatError(.nonFiniteSample(frame: frame))
    }

    private static func uint16(_ bytes: some RandomAccessCollection<UInt8>, at offset: Int) -> UInt16 {
        let start = bytes.index(bytes.startIndex, offsetBy: offset)
        return UInt16(bytes[start]) | UInt16(bytes[bytes.index(after: start)]) << 8
    }

    private static func uint32(_ bytes: some RandomAccessCollection<UInt8>, at offset: Int) -> UInt32 {
        var value: UInt32 = 0
        var index = bytes.index(bytes.startIndex, offsetBy: offset)
        for shift in stride(from: 0, to: 32, by: 8) {
            value |= UInt32(bytes[index]) << UInt32(shift)
            index = bytes.index(after: index)
        }
        return value
    }
}
