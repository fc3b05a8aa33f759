import Foundation

/// Damage in a RIFF/WAVE file that libsndfile 1.2 can fail to report: a sub-chunk of a `LIST`
/// chunk whose size is larger than the whole file. A 157-byte file like that (found by the
/// FuzzAudioFile fuzzer) kept `sf_open` busy for minutes; whatever libsndfile makes of such a
/// size, it is damage, so Steno checks for it before libsndfile sees a file.
enum RIFFListCheck {
    /// Top-level chunks looked at before giving up (real files have a handful).
    static let chunkLimit = 10_000

    /// The problem with the file of `length` bytes, or nil when there is none or it is not RIFF/WAVE.
    /// - Parameter read: up to `count` bytes at `offset` (fewer at the end of the file).
    static func problem(length: Int64, read: (_ offset: Int64, _ count: Int) -> [UInt8]) -> String? {
        let head = read(0, 12)
        guard head.count == 12, head[0..<4].elementsEqual("RIFF".utf8), head[8..<12].elementsEqual("WAVE".utf8) else { return nil }
        var offset: Int64 = 12
        for _ in 0..<chunkLimit {
            let header = read(offset, 12)
            guard header.count >= 8 else { return nil }
            let size = Int64(littleEndian32(header, at: 4))
            if header[0..<4].elementsEqual("LIST".utf8), header.count == 12 {
                let end = min(offset + 8 + size, length)
                var sub = offset + 12
                while sub + 8 <= end {
                    let subHeader = read(sub, 8)
                    guard subHeader.count == 8 else { break }
                    let subSize = Int64(littleEndian32(subHeader, at: 4))
                    if subSize > length {
                        let id = String(decoding: subHeader[0..<4].map { (32...126).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
                        return "the LIST chunk at byte \(offset) holds a sub-chunk '\(id)' of \(subSize) bytes, more than the whole file (\(length) bytes)"
                    }
                    sub += 8 + subSize + (subSize & 1)
                }
            }
            offset += 8 + size + (size & 1)
            if offset + 8 > length { return nil }
        }
        return nil
    }

    private static func littleEndian32(_ bytes: [UInt8], at index: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[index + $1]) << (8 * UInt32($1)) }
    }
}
