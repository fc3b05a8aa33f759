// The binary language-model format: the lookup tables of NGramLanguageModel exactly as they sit
// in memory, so a file is mapped and used, never parsed.
//
// Layout (little-endian; every section starts at a multiple of 8 bytes):
//
//   offset  size  field
//   0       8     magic "STENOLMB"
//   8       4     format version (1)
//   12      4     order N (1…6)
//   16      8     file size in bytes (a truncated file is caught by this)
//   24      48    the ARPA \data\ counts of orders 1…6 (0 past N)
//   72      8     V, the number of words
//   80      8     vocabulary hash slots (a power of two, > V)
//   88      8     bytes in the word pool
//   96      40    slots of the n-gram tables of orders 2…6 (0 past N)
//   136     4     CRC-32 of every byte after the header (checked by `verify()`, not at load)
//   140     4     CRC-32 of bytes 0..<140 (checked at load)
//   144           sections, each padded to 8 bytes:
//                 vocabulary slots   UInt64 × slots   (record offset + 1, hash's top 32 bits above)
//                 word records       UInt32 × V       (offset of word i's record in the pool)
//                 1-gram log10 P     Float  × V
//                 1-gram back-offs   Float  × V       (−0.0: zero, and no 2-gram extends the word)
//                 word pool          bytes            (records: id UInt32, length UInt32, UTF-8 bytes)
//                 order-n tables     UInt32 × slots × (n + 2, or n + 1 for order N)
//                                    (n ids most recent first, then the bits of log10 P and back-off;
//                                     an empty slot starts with 0xFFFFFFFF)
//
// Loading checks the header (magic, version, CRC, sizes against the file's length); lookups
// stay inside the sections whatever the bytes hold, so a damaged body gives wrong scores at
// worst, never a crash; `NGramLanguageModel.verify()` checks the body's CRC.

#if _endian(big)
#error("the binary language-model format is little-endian; add byte swapping for big-endian hosts")
#endif

/// Where each section of a binary language model lies.
struct BinaryLayout: Equatable {
    static let magic: [UInt8] = Array("STENOLMB".utf8)
    static let version: UInt32 = 1
    static let headerSize = 144

    var order: Int
    var counts: [Int]
    var wordCount: Int
    var vocabularySlots: Int
    var poolBytes: Int
    /// Slots of the tables of orders 2…order.
    var tableCapacities: [Int]

    // Section offsets, computed by `place()`.
    private(set) var vocabularySlotsOffset = 0
    private(set) var recordsOffset = 0
    private(set) var probabilitiesOffset = 0
    private(set) var backoffsOffset = 0
    private(set) var poolOffset = 0
    private(set) var tableOffsets: [Int] = []
    private(set) var fileSize = 0

    /// `UInt32`s per slot of the order-n table.
    func stride(order n: Int) -> Int { n + (n < order ? 2 : 1) }

    /// Computes the offsets; nil when a size overflows.
    mutating func place() -> Bool {
        var offset = Self.headerSize
        func section(_ count: Int, _ size: Int) -> Int? {
            let (bytes, o1) = count.multipliedReportingOverflow(by: size)
            let (padded, o2) = bytes.addingReportingOverflow(7)
            guard !o1, !o2, bytes >= 0 else { return nil }
            let start = offset
            let (end, o3) = offset.addingReportingOverflow(padded & ~7)
            guard !o3 else { return nil }
            offset = end
            return start
        }
        guard let a = section(vocabularySlots, 8), let b = section(wordCount, 4), let c = section(wordCount, 4),
              let d = section(wordCount, 4), let e = section(poolBytes, 1) else { return false }
        vocabularySlotsOffset = a; recordsOffset = b; probabilitiesOffset = c; backoffsOffset = d; poolOffset = e
        tableOffsets = []
        for n in Swift.stride(from: 2, through: order, by: 1) {
            guard let t = section(tableCapacities[n - 2], 4 * stride(order: n)) else { return false }
            tableOffsets.append(t)
        }
        fileSize = offset
        return true
    }

    /// The header bytes (both CRCs included) for a body whose CRC-32 is `bodyChecksum`.
    func header(bodyChecksum: UInt32) -> [UInt8] {
        var bytes = Self.magic
        func put32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        func put64(_ value: Int) { withUnsafeBytes(of: UInt64(value).littleEndian) { bytes.append(contentsOf: $0) } }
        put32(Self.version)
        put32(UInt32(order))
        put64(fileSize)
        for n in 0..<6 { put64(n < counts.count ? counts[n] : 0) }
        put64(wordCount)
        put64(vocabularySlots)
        put64(poolBytes)
        for n in 0..<5 { put64(n < tableCapacities.count ? tableCapacities[n] : 0) }
        put32(bodyChecksum)
        put32(CRC32.checksum(UnsafeRawBufferPointer(start: bytes, count: bytes.count)))
        assert(bytes.count == Self.headerSize)
        return bytes
    }

    /// Reads and checks the header of `bytes` (a whole file); errors name `name`.
    static func read(_ bytes: UnsafeRawBufferPointer, name: String) throws(LanguageModelError) -> (BinaryLayout, bodyChecksum: UInt32) {
        func damaged(_ why: String) -> LanguageModelError { LanguageModelError(file: name, kind: .damagedBinary(why)) }
        guard bytes.count >= headerSize else {
            throw LanguageModelError(file: name, kind: .truncatedBinary(expected: headerSize, found: bytes.count))
        }
        func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
        func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        guard u32(8) == version else {
            throw damaged("format version \(u32(8)); this Steno reads version \(version) (rebuild it with `steno lm compile`)")
        }
        guard u32(140) == CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<140])) else {
            throw damaged("the header's checksum does not match (the file is damaged)")
        }
        let order = Int(u32(12))
        guard (1...6).contains(order) else { throw damaged("n-gram order \(order) (orders 1–6)") }
        // Sizes are read as 63-bit numbers; anything larger cannot fit any file.
        func size(_ at: Int) throws(LanguageModelError) -> Int {
            let value = u64(at)
            guard value <= UInt64(Int.max) else { throw damaged("a section size of \(value)") }
            return Int(value)
        }
        var counts: [Int] = []
        for n in 0..<order { counts.append(try size(24 + 8 * n)) }
        var capacities: [Int] = []
        for n in 0..<(order - 1) { capacities.append(try size(96 + 8 * n)) }
        var layout = BinaryLayout(
            order: order, counts: counts, wordCount: try size(72), vocabularySlots: try size(80),
            poolBytes: try size(88), tableCapacities: capacities)
        guard layout.wordCount >= 1, layout.wordCount < Int(UInt32.max) else { throw damaged("\(layout.wordCount) words") }
        guard layout.vocabularySlots > layout.wordCount, layout.vocabularySlots & (layout.vocabularySlots - 1) == 0 else {
            throw damaged("\(layout.vocabularySlots) vocabulary slots for \(layout.wordCount) words")
        }
        guard capacities.allSatisfy({ $0 >= 1 }) else { throw damaged("an n-gram table without slots") }
        guard layout.place() else { throw damaged("section sizes that overflow") }
        let declared = u64(16)
        guard declared == UInt64(layout.fileSize) else {
            throw damaged("the header gives the file size as \(declared) bytes, its sections as \(layout.fileSize)")
        }
        guard bytes.count == layout.fileSize else {
            if bytes.count < layout.fileSize {
                throw LanguageModelError(file: name, kind: .truncatedBinary(expected: layout.fileSize, found: bytes.count))
            }
            throw damaged("\(bytes.count - layout.fileSize) bytes past the end of the model")
        }
        return (layout, u32(136))
    }
}

/// Whether `bytes` start like a binary language model.
func isBinaryLanguageModel(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    bytes.count >= 8 && zip(bytes.prefix(8), BinaryLayout.magic).allSatisfy { $0 == $1 }
}

extension ARPAContents {
    /// The tables in the binary format, in memory: the image a file would hold.
    func binaryImage() -> ImageBytes {
        var layout = BinaryLayout(
            order: counts.count, counts: counts, wordCount: vocabulary.count, vocabularySlots: vocabulary.slotCount,
            poolBytes: vocabulary.poolBytes, tableCapacities: tables.map(\.capacity))
        precondition(layout.place(), "language model too large to lay out")
        let image = ImageBytes(allocating: layout.fileSize)
        let base = image.mutableBase
        func copy<T>(_ array: [T], to offset: Int) {
            array.withUnsafeBytes { (base + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        vocabulary.withStorage { slots, records, pool in
            copy(slots, to: layout.vocabularySlotsOffset)
            copy(records, to: layout.recordsOffset)
            copy(pool, to: layout.poolOffset)
        }
        copy(unigramProbabilities, to: layout.probabilitiesOffset)
        copy(unigramBackoffs, to: layout.backoffsOffset)
        for (index, table) in tables.enumerated() { copy(table.slots, to: layout.tableOffsets[index]) }
        let body = UnsafeRawBufferPointer(start: base + BinaryLayout.headerSize, count: layout.fileSize - BinaryLayout.headerSize)
        let header = layout.header(bodyChecksum: CRC32.checksum(body))
        base.copyMemory(from: header, byteCount: header.count)
        return image
    }
}

/// CRC-32 (IEEE 802.3, as zlib and the model files use).
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var c = UInt32(index)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { table in
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
