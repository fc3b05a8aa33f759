// Compact storage behind NGramLanguageModel: the vocabulary as one byte pool, and one
// open-addressing hash table per order ≥ 2 whose slots hold the word ids and the scores inline.


/// Words ↔ ids: the 1-grams in file order, found through a linear-probing table.
///
/// Each word is one record in a byte pool: its id (4 bytes), its length (4 bytes), its bytes.
/// A table slot holds the record's offset and 32 bits of the word's hash, so a lookup reads
/// one slot and one record: two cache misses at most, whatever the vocabulary size.
struct Vocabulary: Sendable {
    /// The records, one after another.
    private var pool: [UInt8] = []
    /// Word `i`'s record starts at `records[i]`.
    private var records: [UInt32] = []
    /// `offset + 1` in the low 32 bits (0 for an empty slot), the hash's top 32 bits above;
    /// the count is a power of two.
    private var slots: [UInt64]

    /// A vocabulary with room for `expectedCount` words without rehashing.
    init(expectedCount: Int) {
        var capacity = 16
        while capacity < 2 * expectedCount { capacity *= 2 }
        slots = Array(repeating: 0, count: capacity)
        records.reserveCapacity(expectedCount)
        pool.reserveCapacity(expectedCount * 16)
    }

    var count: Int { records.count }
    /// Hash slots (a power of two).
    var slotCount: Int { slots.count }
    /// Bytes in the record pool.
    var poolBytes: Int { pool.count }

    /// The three arrays, for writing the binary format (see ``VocabularyView``).
    func withStorage<R>(_ body: (_ slots: [UInt64], _ records: [UInt32], _ pool: [UInt8]) -> R) -> R {
        body(slots, records, pool)
    }

    /// FNV-1a over the bytes, then a multiply-xorshift finish so every bit mixes.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        h = (h ^ (h >> 29)) &* 0xbf58_476d_1ce4_e5b9
        return h ^ (h >> 32)
    }

    /// The slot holding `bytes` (hashed to `hash`), or the empty slot where it would go.
    @inline(__always)
    private func slot(of bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        let tag = hash & 0xffff_ffff_0000_0000
        return pool.withUnsafeBytes { pool in
            slots.withUnsafeBufferPointer { slots in
                while true {
                    let entry = slots[index]
                    if entry == 0 { return index }
                    if entry & 0xffff_ffff_0000_0000 == tag {
                        let record = Int(truncatingIfNeeded: entry & 0xffff_ffff) - 1
                        let length = Int(pool.loadUnaligned(fromByteOffset: record + 4, as: UInt32.self))
                        if length == bytes.count && Self.same(pool.baseAddress! + record + 8, bytes) { return index }
                    }
                    index = (index + 1) & mask
                }
            }
        }
    }

    /// Whether the `bytes.count` bytes at `stored` equal `bytes` (words are short: no call to memcmp).
    @inline(__always)
    static func same(_ stored: UnsafeRawPointer, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let other = UnsafeRawPointer(base)
        var i = 0
        while i + 8 <= bytes.count {
            if stored.loadUnaligned(fromByteOffset: i, as: UInt64.self) != other.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
                return false
            }
            i += 8
        }
        while i < bytes.count {
            if stored.load(fromByteOffset: i, as: UInt8.self) != base[i] { return false }
            i += 1
        }
        return true
    }

    /// The id of the word spelled by `bytes`, or nil.
    @inline(__always)
    func id(of bytes: UnsafeBufferPointer<UInt8>) -> UInt32? {
        let entry = slots[slot(of: bytes, hash: Self.hash(bytes))]
        guard entry != 0 else { return nil }
        let record = Int(truncatingIfNeeded: entry & 0xffff_ffff) - 1
        return pool.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: record, as: UInt32.self) }
    }

    /// The id of `word`, or nil.
    func id(of word: String) -> UInt32? {
        var word = word
        return word.withUTF8 { id(of: $0) }
    }

    /// Adds `bytes` as the next id; false (and nothing added) when the word is already there.
    /// The pool must stay below 4 GiB (the parser's size checks keep it far below).
    mutating func insert(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if 2 * (count + 1) > slots.count { grow() }
        let hash = Self.hash(bytes)
        let index = slot(of: bytes, hash: hash)
        guard slots[index] == 0 else { return false }
        let record = pool.count
        withUnsafeBytes(of: UInt32(count).littleEndian) { pool.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { pool.append(contentsOf: $0) }
        pool.append(contentsOf: bytes)
        records.append(UInt32(record))
        slots[index] = (hash & 0xffff_ffff_0000_0000) | UInt64(record + 1)
        return true
    }

    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        for id in 0..<count {
            let record = Int(records[id])
            let length = pool.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: record + 4, as: UInt32.self)) }
            let (hash, index) = pool.withUnsafeBufferPointer { pool in
                let bytes = UnsafeBufferPointer(rebasing: pool[(record + 8)..<(record + 8 + length)])
                let hash = Self.hash(bytes)
                return (hash, slot(of: bytes, hash: hash))
            }
            slots[index] = (hash & 0xffff_ffff_0000_0000) | UInt64(record + 1)
        }
    }

    /// The spelling of word `id`.
    func word(_ id: Int) -> String {
        let record = Int(records[id])
        let length = pool.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: record + 4, as: UInt32.self)) }
        return String(decoding: pool[(record + 8)..<(record + 8 + length)], as: UTF8.self)
    }
}

/// The n-grams of one order n ≥ 2 in a linear-probing hash table.
///
/// Each slot is `stride` consecutive `UInt32`s: the n word ids, most recent word first
/// (so a key's first n − 1 ids are its suffix of order n − 1, and its last n − 1 its prefix),
/// then the log10 probability's bits, then (below the highest order) the back-off's bits.
/// An empty slot has `UInt32.max` as its first id. The slot count is about 1.5 × the n-grams,
/// so a trigram costs about 24 bytes and a lookup touches one cache line.
struct NGramTable: Sendable {
    /// The number of words per n-gram.
    let order: Int
    /// Whether slots carry a back-off weight (every order but the highest).
    let hasBackoff: Bool
    /// `UInt32`s per slot.
    let stride: Int
    private(set) var slots: [UInt32]
    private(set) var capacity: Int
    private(set) var count = 0

    static let emptyMark = UInt32.max

    /// A table with room for `expectedCount` n-grams.
    init(order: Int, hasBackoff: Bool, expectedCount: Int) {
        self.order = order
        self.hasBackoff = hasBackoff
        stride = order + (hasBackoff ? 2 : 1)
        capacity = max(4, expectedCount + expectedCount / 2 + 1)
        slots = Array(repeating: Self.emptyMark, count: capacity * stride)
    }

    /// The hash of a key's first word; ``extend(_:with:)`` adds the older words one at a time,
    /// so a search can walk from a word to ever longer histories.
    @inline(__always)
    static func start(_ word: UInt32) -> UInt64 {
        (UInt64(word) &+ 1) &* 0x9e37_79b9_7f4a_7c15
    }

    /// The hash of a key one word longer (the new word is older than the others).
    @inline(__always)
    static func extend(_ hash: UInt64, with word: UInt32) -> UInt64 {
        let h = (hash ^ (hash >> 31)) &* 0x94d0_49bb_1331_11eb
        return h ^ ((UInt64(word) &+ 1) &* 0xbf58_476d_1ce4_e5b9)
    }

    /// The hash of the key of `length` ids at `key`.
    @inline(__always)
    static func hash(_ key: UnsafePointer<UInt32>, length: Int) -> UInt64 {
        var h = start(key[0])
        for i in 1..<length { h = extend(h, with: key[i]) }
        return h
    }

    /// Where the probe sequence of `hash` begins.
    @inline(__always)
    private func home(_ hash: UInt64) -> Int { Self.home(hash, capacity: capacity) }

    /// Where the probe sequence of `hash` begins in a table of `capacity` slots.
    @inline(__always)
    static func home(_ hash: UInt64, capacity: Int) -> Int {
        let mixed = hash ^ (hash >> 32)
        return Int(truncatingIfNeeded: mixed.multipliedFullWidth(by: UInt64(capacity)).high)
    }

    /// The slot holding `key` (order ids, most recent first), or the empty slot where it would go,
    /// with whether it was found.
    @inline(__always)
    private func probe(_ key: UnsafePointer<UInt32>, hash: UInt64) -> (slot: Int, found: Bool) {
        var slot = home(hash)
        return slots.withUnsafeBufferPointer { slots in
            while true {
                let base = slots.baseAddress! + slot * stride
                if base[0] == Self.emptyMark { return (slot, false) }
                var i = 0
                while i < order && base[i] == key[i] { i += 1 }
                if i == order { return (slot, true) }
                slot += 1
                if slot == capacity { slot = 0 }
            }
        }
    }

    /// The slot of `key` (order ids, most recent first, hashed to `hash`), or nil.
    @inline(__always)
    func find(_ key: UnsafePointer<UInt32>, hash: UInt64) -> Int? {
        let (slot, found) = probe(key, hash: hash)
        return found ? slot : nil
    }

    /// Adds `key` with its scores; false (and nothing changed) when the key is already there.
    mutating func insert(_ key: UnsafePointer<UInt32>, hash: UInt64, probability: Float, backoff: Float) -> Bool {
        if 10 * (count + 1) > 9 * capacity { grow() }
        let (slot, found) = probe(key, hash: hash)
        if found { return false }
        let stride = stride, order = order, hasBackoff = hasBackoff
        slots.withUnsafeMutableBufferPointer { slots in
            let base = slots.baseAddress! + slot * stride
            for i in 0..<order { base[i] = key[i] }
            base[order] = probability.bitPattern
            if hasBackoff { base[order + 1] = backoff.bitPattern }
        }
        count += 1
        return true
    }

    /// The log10 probability in `slot`.
    @inline(__always)
    func probability(_ slot: Int) -> Float { Float(bitPattern: slots[slot * stride + order]) }

    /// The log10 back-off in `slot` (−0.0 marks a context nothing extends; see ``NGramLanguageModel``).
    @inline(__always)
    func backoff(_ slot: Int) -> Float {
        hasBackoff ? Float(bitPattern: slots[slot * stride + order + 1]) : 0
    }

    mutating func setBackoff(_ slot: Int, _ value: Float) {
        precondition(hasBackoff)
        slots[slot * stride + order + 1] = value.bitPattern
    }

    /// The ids of `slot`, most recent first.
    func key(_ slot: Int) -> ArraySlice<UInt32> { slots[(slot * stride)..<(slot * stride + order)] }

    /// Doubles the slots (only when missing contexts are added beyond the declared counts).
    private mutating func grow() {
        let old = slots, oldCapacity = capacity
        capacity = 2 * oldCapacity
        slots = Array(repeating: Self.emptyMark, count: capacity * stride)
        let stride = stride, order = order
        old.withUnsafeBufferPointer { old in
            for slot in 0..<oldCapacity where old[slot * stride] != Self.emptyMark {
                let base = old.baseAddress! + slot * stride
                let (target, _) = probe(base, hash: Self.hash(base, length: order))
                slots.withUnsafeMutableBufferPointer { slots in
                    for i in 0..<stride { slots[target * stride + i] = base[i] }
                }
            }
        }
    }
}

// MARK: - Read-only views, as the model uses them

/// The vocabulary's lookup table in a model image (see ``Vocabulary`` for the records and slots).
/// Every read is checked against the section bounds, so damaged bytes cannot lead outside them.
struct VocabularyView: @unchecked Sendable {
    let slots: UnsafePointer<UInt64>
    let slotCount: Int
    let records: UnsafePointer<UInt32>
    let count: Int
    let pool: UnsafeRawPointer
    let poolBytes: Int

    /// The record at `offset`: (id, bytes), or nil when it does not fit in the pool.
    @inline(__always)
    private func record(at offset: Int) -> (id: UInt32, bytes: UnsafeRawBufferPointer)? {
        guard offset >= 0, offset <= poolBytes - 8 else { return nil }
        let id = UInt32(littleEndian: pool.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        let length = Int(UInt32(littleEndian: pool.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)))
        guard length <= poolBytes - 8 - offset else { return nil }
        return (id, UnsafeRawBufferPointer(start: pool + offset + 8, count: length))
    }

    /// The id of the word spelled by `bytes`, or nil.
    @inline(__always)
    func id(of bytes: UnsafeBufferPointer<UInt8>) -> UInt32? {
        let hash = Vocabulary.hash(bytes)
        let mask = slotCount - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        let tag = hash & 0xffff_ffff_0000_0000
        for _ in 0..<slotCount {
            let entry = slots[index]
            if entry == 0 { return nil }
            if entry & 0xffff_ffff_0000_0000 == tag, let (id, stored) = record(at: Int(truncatingIfNeeded: entry & 0xffff_ffff) - 1),
               stored.count == bytes.count, Vocabulary.same(stored.baseAddress ?? pool, bytes) {
                return id < UInt32(count) ? id : nil
            }
            index = (index + 1) & mask
        }
        return nil
    }

    /// The id of `word`, or nil.
    func id(of word: String) -> UInt32? {
        var word = word
        return word.withUTF8 { id(of: $0) }
    }

    /// The spelling of word `id` (0..<count); empty when the record is damaged.
    func word(_ id: Int) -> String {
        guard let (_, bytes) = record(at: Int(records[id])) else { return "" }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// One order's n-gram table in a model image (see ``NGramTable`` for the slot layout).
/// A probe visits at most every slot once, so a damaged table cannot make a lookup loop.
struct NGramTableView: @unchecked Sendable {
    let order: Int
    let hasBackoff: Bool
    let stride: Int
    let slots: UnsafePointer<UInt32>
    let capacity: Int

    /// The slot of `key` (order ids, most recent first, hashed to `hash`), or nil.
    @inline(__always)
    func find(_ key: UnsafePointer<UInt32>, hash: UInt64) -> Int? {
        var slot = NGramTable.home(hash, capacity: capacity)
        for _ in 0..<capacity {
            let base = slots + slot * stride
            if base[0] == NGramTable.emptyMark { return nil }
            var i = 0
            while i < order && base[i] == key[i] { i += 1 }
            if i == order { return slot }
            slot += 1
            if slot == capacity { slot = 0 }
        }
        return nil
    }

    /// The log10 probability in `slot`.
    @inline(__always)
    func probability(_ slot: Int) -> Float { Float(bitPattern: slots[slot * stride + order]) }

    /// The log10 back-off in `slot` (−0.0 marks a context nothing extends).
    @inline(__always)
    func backoff(_ slot: Int) -> Float { hasBackoff ? Float(bitPattern: slots[slot * stride + order + 1]) : 0 }
}

/// Per-word scores in a model image (the caller checks indices against the vocabulary size).
struct FloatsView: @unchecked Sendable {
    let base: UnsafePointer<Float>

    @inline(__always)
    subscript(index: Int) -> Float { base[index] }
}
