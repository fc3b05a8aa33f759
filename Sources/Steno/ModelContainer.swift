import Foundation
import StenoNN

/// A named tensor of floats: `values` in row-major order, `values.count` = product of `shape`.
public struct NamedTensor: Sendable, Equatable {
    /// The name the network looks the tensor up by, e.g. `"lstm.0.forward.weight"`.
    public var name: String
    /// Dimensions, outermost first, e.g. `[rows, columns]`; `[]` is a scalar.
    public var shape: [Int]
    /// Elements in row-major order.
    public var values: [Float]

    /// Creates a tensor; `values.count` must equal the product of `shape`.
    public init(name: String, shape: [Int], values: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "tensor \(name): negative dimension in \(shape)")
        precondition(shape.reduce(1, *) == values.count, "tensor \(name): shape \(shape) does not hold \(values.count) values")
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// Steno's model file: named float tensors plus free-form JSON metadata.
/// It knows nothing about network architecture; the network code builds on it.
///
/// Layout, byte by byte (all integers little-endian):
///
/// | bytes            | content                                                              |
/// |------------------|----------------------------------------------------------------------|
/// | 0 ..< 8          | magic `STENOMDL` (ASCII)                                             |
/// | 8 ..< 12         | format version, UInt32 (= 1)                                         |
/// | 12 ..< 20        | metadata length M, UInt64                                            |
/// | 20 ..< 20+M      | metadata: a UTF-8 JSON object (below)                                |
/// | 20+M ..< 20+M+D  | tensor data: each tensor's elements, row-major, f32, f16 or i8       |
/// | 20+M+D ..< +4    | CRC-32 (IEEE 802.3, as zlib) of every preceding byte, UInt32         |
///
/// The metadata object is `{"metadata": <the caller's JSON>, "tensors": [entry, …]}`, each entry
/// `{"name": String, "shape": [Int], "dtype": "f32" | "f16" | "i8", "offset": Int, "length": Int}`
/// with `offset` and `length` in bytes, `offset` counted from the start of the tensor data.
/// The tensors tile the data exactly, in table order: no gaps, no overlaps, nothing after.
public struct ModelContainer: Sendable {
    /// The caller's metadata, a JSON value (usually an object). A loaded container holds it
    /// re-serialized with sorted keys, so it equals the written JSON in meaning, not byte for byte.
    public var metadata: Data
    /// The tensors, in file order.
    public var tensors: [NamedTensor]

    /// How tensor elements are stored in the file.
    public enum Storage: String, Sendable, CaseIterable {
        /// IEEE binary32: exact.
        case float32 = "f32"
        /// IEEE binary16: half the size; rounded to nearest (relative error ≤ 2⁻¹¹ for normal
        /// values). Values beyond ±65504 cannot be stored and make the write throw.
        case float16 = "f16"
        /// Matrices (rank-2 tensors) as int8 with a float32 scale per row (``QuantizedMatrix``): a
        /// quarter of float32's size. Other tensors (biases) stay float32. Stored per matrix as its
        /// row scales (float32) followed by its values (int8), and loaded as the floats they stand for.
        case int8 = "i8"

        /// How a tensor of `shape` is stored when the file is written with this storage.
        func storage(forShape shape: [Int]) -> Storage {
            self == .int8 && shape.count != 2 ? .float32 : self
        }

        /// Bytes a tensor of `shape` takes in this storage, or nil when that overflows.
        func byteCount(shape: [Int]) -> Int? {
            var elements = 1
            for dimension in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                if overflow { return nil }
                elements = product
            }
            switch self {
            case .float32: return elements.multipliedReportingOverflow(by: 4).overflow ? nil : elements * 4
            case .float16: return elements.multipliedReportingOverflow(by: 2).overflow ? nil : elements * 2
            case .int8:
                guard shape.count == 2 else { return nil }
                let (scales, overflow) = shape[0].multipliedReportingOverflow(by: 4)
                return overflow || elements > Int.max - scales ? nil : elements + scales
            }
        }
    }

    /// The newest format version this build reads and the one it writes.
    public static let formatVersion: UInt32 = 1
    static let magic = Array("STENOMDL".utf8)

    /// True when the file at `path` starts with a Steno model file's magic (`-` and unreadable files are not models).
    public static func isModelFile(_ path: String) -> Bool {
        guard path != "-", let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: magic.count)).map { Array($0) == magic } ?? false
    }
    /// Magic + version + metadata length.
    static let headerSize = 20

    /// Creates a container; `metadata` must be JSON (an empty `Data` counts as `{}`).
    public init(metadata: Data = Data("{}".utf8), tensors: [NamedTensor]) {
        self.metadata = metadata
        self.tensors = tensors
    }

    /// Creates a container whose metadata is `metadata` encoded as JSON (sorted keys).
    public init(encoding metadata: some Encodable, tensors: [NamedTensor]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self.init(metadata: try encoder.encode(metadata), tensors: tensors)
    }

    /// The metadata decoded as `type`.
    public func decodeMetadata<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: metadata.isEmpty ? Data("{}".utf8) : metadata)
    }

    /// The first tensor called `name`, or nil.
    public func tensor(named name: String) -> NamedTensor? {
        tensors.first { $0.name == name }
    }

    /// The file's bytes. Throws when the metadata is not JSON, a name is empty or repeated,
    /// a shape does not match its values, or (for ``Storage/float16``) a finite value is
    /// beyond Float16's range. Errors name the file as `(in memory)`.
    public func encoded(storage: Storage = .float32, float32: Set<String> = []) throws(ModelFileError) -> Data {
        try encoded(storage: storage, float32: float32, file: "(in memory)")
    }

    /// Writes the container to `path` atomically (temporary file, then rename).
    /// `float32` names tensors to store as float32 whatever `storage` says.
    public func write(to path: String, storage: Storage = .float32, float32: Set<String> = []) throws(ModelFileError) {
        let data = try encoded(storage: storage, float32: float32, file: path)
        do {
            try AtomicFile.write(data, to: path)
        } catch {
            throw ModelFileError(file: path, problem: .cannotWrite(error.reason))
        }
    }

    /// Reads and validates a model file (see ``init(data:name:)`` for what is checked).
    public init(contentsOf path: String) throws(ModelFileError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let reason = !exists ? "no such file" : isDirectory.boolValue ? "is a directory" : "permission denied or I/O error"
            throw ModelFileError(file: path, problem: .unreadable(reason))
        }
        try self.init(data: data, name: path)
    }

    /// Decodes a model file's bytes; `name` is the file name errors start with.
    ///
    /// Every size is checked against the data's length before anything is allocated. The
    /// header is checked first, then the checksum, then the tensor table: entries must have a
    /// known dtype, non-negative dimensions, a byte length equal to elements × element size,
    /// distinct non-empty names, and must tile the tensor data exactly.
    public init(data: Data, name: String) throws(ModelFileError) {
        let bytes = [UInt8](data)
        let fail = { (problem: ModelFileError.Problem) in ModelFileError(file: name, problem: problem) }

        // Header.
        guard !bytes.isEmpty else { throw fail(.empty) }
        let magicLength = min(bytes.count, Self.magic.count)
        guard bytes[..<magicLength].elementsEqual(Self.magic[..<magicLength]) else { throw fail(.notAModelFile) }
        let minimum = Self.headerSize + 4
        guard bytes.count >= minimum else { throw fail(.truncated(expected: minimum, found: bytes.count)) }
        let version = bytes.readUInt32(at: 8)
        guard version <= Self.formatVersion else { throw fail(.newerFormat(version)) }
        guard version >= 1 else { throw fail(.unknownFormat(version)) }
        let claimedMetadataLength = bytes.readUInt64(at: 12)
        guard claimedMetadataLength <= UInt64(bytes.count - minimum) else {
            throw fail(.metadataTooLong(claimed: claimedMetadataLength, fileLength: bytes.count))
        }
        let metadataLength = Int(claimedMetadataLength)
        let dataStart = Self.headerSize + metadataLength
        let metadataBytes = Data(bytes[Self.headerSize..<dataStart])

        // Checksum: on a mismatch, say "truncated" or "trailing bytes" when the table shows it.
        let storedChecksum = bytes.readUInt32(at: bytes.count - 4)
        let computedChecksum = CRC32.checksum(bytes[..<(bytes.count - 4)])
        if storedChecksum != computedChecksum {
            if let table = try? Self.parseHeader(metadataBytes, fail: fail).table {
                let dataLength = table.map { $0.offset.addingReportingOverflow($0.length) }
                    .reduce(0) { $1.overflow ? Int.max : max($0, $1.partialValue) }
                let (end, overflow) = dataStart.addingReportingOverflow(dataLength)
                if overflow || end > bytes.count - 4 {
                    throw fail(.truncated(expected: overflow ? nil : end + 4, found: bytes.count))
                }
                if end + 4 < bytes.count, bytes.readUInt32(at: end) == CRC32.checksum(bytes[..<end]) {
                    throw fail(.trailingBytes(bytes.count - end - 4))
                }
            }
            throw fail(.badChecksum(expected: storedChecksum, found: computedChecksum))
        }

        // Tensor table.
        let header = try Self.parseHeader(metadataBytes, fail: fail)
        let dataLength = bytes.count - 4 - dataStart
        var names = Set<String>()
        var position = 0
        var tensors: [NamedTensor] = []
        for entry in header.table {
            let problem = { (reason: String) in fail(.badTensor(name: entry.name, reason: reason)) }
            guard !entry.name.isEmpty else { throw fail(.badTensor(name: "", reason: "the name is empty")) }
            guard names.insert(entry.name).inserted else { throw fail(.duplicateTensor(entry.name)) }
            guard let storage = Storage(rawValue: entry.dtype) else {
                throw problem("unknown dtype \"\(entry.dtype)\" (expected f32, f16 or i8)")
            }
            guard entry.shape.allSatisfy({ $0 >= 0 }) else { throw problem("negative dimension in shape \(entry.shape)") }
            guard storage != .int8 || entry.shape.count == 2 else { throw problem("i8 is for matrices, but the shape is \(entry.shape)") }
            guard let needed = storage.byteCount(shape: entry.shape), needed <= dataLength else {
                throw problem("shape \(entry.shape) is larger than the file's \(dataLength) bytes of tensor data")
            }
            guard entry.offset >= 0, entry.length >= 0, entry.length <= dataLength, entry.offset <= dataLength - entry.length else {
                throw problem("bytes \(entry.offset) ..< \(entry.offset) + \(entry.length) lie outside the file's \(dataLength) bytes of tensor data")
            }
            guard entry.length == needed else {
                throw problem("\(entry.length) bytes stored, but shape \(entry.shape) of \(entry.dtype) needs \(needed)")
            }
            guard entry.offset >= position else { throw problem("overlaps the tensor before it") }
            guard entry.offset == position else { throw fail(.unusedBytes(entry.offset - position, at: position)) }
            let start = dataStart + entry.offset
            let values = Self.decodeValues(bytes, from: start, shape: entry.shape, storage: storage)
            tensors.append(NamedTensor(name: entry.name, shape: entry.shape, values: values))
            position = entry.offset + entry.length
        }
        guard position == dataLength else { throw fail(.unusedBytes(dataLength - position, at: position)) }
        self.init(metadata: header.metadata, tensors: tensors)
    }

    // MARK: - Implementation details

    struct TableEntry: Codable {
        var name: String
        var shape: [Int]
        var dtype: String
        var offset: Int
        var length: Int
    }

    private struct Table: Decodable {
        var tensors: [TableEntry]
    }

    /// Splits the metadata JSON into the caller's part (re-serialized, sorted keys) and the table.
    private static func parseHeader(
        _ json: Data, fail: (ModelFileError.Problem) -> ModelFileError
    ) throws(ModelFileError) -> (metadata: Data, table: [TableEntry]) {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
                throw fail(.malformedMetadata("not a JSON object"))
            }
            object = parsed
        } catch let error as ModelFileError {
            throw error
        } catch {
            throw fail(.malformedMetadata("not valid JSON"))
        }
        let table: [TableEntry]
        do {
            table = try JSONDecoder().decode(Table.self, from: json).tensors
        } catch let DecodingError.keyNotFound(key, context) {
            throw fail(.malformedMetadata("\(Self.path(context.codingPath + [key])) is missing"))
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw fail(.malformedMetadata("\(Self.path(context.codingPath)) has the wrong type"))
        } catch let DecodingError.dataCorrupted(context) {
            throw fail(.malformedMetadata("\(Self.path(context.codingPath)) is not valid (\(context.debugDescription))"))
        } catch {
            throw fail(.malformedMetadata("\(error)"))
        }
        var metadata = Data("{}".utf8)
        if let caller = object["metadata"] {
            guard let data = try? JSONSerialization.data(withJSONObject: caller, options: [.sortedKeys, .fragmentsAllowed]) else {
                throw fail(.malformedMetadata("\"metadata\" cannot be re-serialized"))
            }
            metadata = data
        }
        return (metadata, table)
    }

    /// `tensors[3].offset`: where in the table a decoding error is.
    private static func path(_ keys: [any CodingKey]) -> String {
        let path = keys.reduce("") { text, key in
            if let index = key.intValue { return text + "[\(index)]" }
            return text.isEmpty ? key.stringValue : text + "." + key.stringValue
        }
        return path.isEmpty ? "the header" : path
    }

    private func encoded(storage: Storage, float32: Set<String>, file: String) throws(ModelFileError) -> Data {
        let fail = { (problem: ModelFileError.Problem) in ModelFileError(file: file, problem: problem) }
        let callerMetadata = metadata.isEmpty ? Data("{}".utf8) : metadata
        guard (try? JSONSerialization.jsonObject(with: callerMetadata, options: [.fragmentsAllowed])) != nil else {
            throw fail(.malformedMetadata("the metadata to write is not valid JSON"))
        }
        var names = Set<String>()
        var table: [TableEntry] = []
        var offset = 0
        for tensor in tensors {
            guard !tensor.name.isEmpty else { throw fail(.badTensor(name: "", reason: "the name is empty")) }
            guard names.insert(tensor.name).inserted else { throw fail(.duplicateTensor(tensor.name)) }
            guard tensor.shape.allSatisfy({ $0 >= 0 }), tensor.shape.reduce(1, *) == tensor.values.count else {
                throw fail(.badTensor(name: tensor.name, reason: "shape \(tensor.shape) does not hold \(tensor.values.count) values"))
            }
            let stored = float32.contains(tensor.name) ? .float32 : storage.storage(forShape: tensor.shape)
            if stored == .float16, let index = tensor.values.firstIndex(where: { $0.isFinite && Float16($0).isInfinite }) {
                throw fail(.outOfFloat16Range(tensor: tensor.name, index: index, value: tensor.values[index]))
            }
            if stored == .int8, let index = tensor.values.firstIndex(where: { !$0.isFinite }) {
                throw fail(.badTensor(name: tensor.name, reason: "value \(tensor.values[index]) at index \(index) cannot be quantized"))
            }
            let length = stored.byteCount(shape: tensor.shape) ?? 0
            table.append(TableEntry(name: tensor.name, shape: tensor.shape, dtype: stored.rawValue, offset: offset, length: length))
            offset += length
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // The table encodes with Swift's own encoder; the caller's JSON is spliced in as given.
        let tableJSON = (try? encoder.encode(table)) ?? Data("[]".utf8)
        var json = Data(#"{"metadata":"#.utf8)
        json.append(callerMetadata)
        json.append(contentsOf: Array(#","tensors":"#.utf8))
        json.append(tableJSON)
        json.append(UInt8(ascii: "}"))

        var bytes = Self.magic
        bytes.reserveCapacity(Self.headerSize + json.count + offset + 4)
        bytes.appendLittleEndian(Self.formatVersion)
        bytes.appendLittleEndian(UInt64(json.count))
        bytes.append(contentsOf: json)
        for (tensor, entry) in zip(tensors, table) {
            switch Storage(rawValue: entry.dtype)! {
            case .float32: for value in tensor.values { bytes.appendLittleEndian(value.bitPattern) }
            case .float16: for value in tensor.values { bytes.appendLittleEndian(Float16(value).bitPattern) }
            case .int8:
                let matrix = QuantizedMatrix(tensor.values, rows: tensor.shape[0], columns: tensor.shape[1])
                for scale in matrix.scales { bytes.appendLittleEndian(scale.bitPattern) }
                for value in matrix.values { bytes.append(UInt8(bitPattern: value)) }
            }
        }
        bytes.appendLittleEndian(CRC32.checksum(bytes[...]))
        return Data(bytes)
    }

    private static func decodeValues(_ bytes: [UInt8], from start: Int, shape: [Int], storage: Storage) -> [Float] {
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        switch storage {
        case .int8:
            let rows = shape[0], columns = shape[1], first = start + 4 * rows
            for r in 0..<rows {
                let scale = Float(bitPattern: bytes.readUInt32(at: start + 4 * r))
                for k in 0..<columns { values[r * columns + k] = Float(Int8(bitPattern: bytes[first + r * columns + k])) * scale }
            }
        case .float32:
            for i in 0..<count { values[i] = Float(bitPattern: bytes.readUInt32(at: start + 4 * i)) }
        case .float16:
            for i in 0..<count {
                let bits = UInt16(bytes[start + 2 * i]) | UInt16(bytes[start + 2 * i + 1]) << 8
                values[i] = Float(Float16(bitPattern: bits))
            }
        }
        return values
    }
}

/// A model file that could not be read or written.
public struct ModelFileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file as the user named it.
    public var file: String
    /// What is wrong.
    public var problem: Problem

    /// What can be wrong with a model file.
    public enum Problem: Sendable, Equatable {
        /// The file cannot be opened (no such file, a directory, permissions).
        case unreadable(String)
        /// The file has no bytes.
        case empty
        /// The file does not start with `STENOMDL`.
        case notAModelFile
        /// The file ends early: `expected` bytes (nil when the table claims an absurd size), `found` bytes.
        case truncated(expected: Int?, found: Int)
        /// Written by a newer Steno, in this format version.
        case newerFormat(UInt32)
        /// A format version no Steno writes (0).
        case unknownFormat(UInt32)
        /// The header claims more metadata than the file holds.
        case metadataTooLong(claimed: UInt64, fileLength: Int)
        /// The metadata is not the JSON object the format needs, or the caller's metadata is not JSON.
        case malformedMetadata(String)
        /// A tensor table entry is inconsistent.
        case badTensor(name: String, reason: String)
        /// Two tensors share a name.
        case duplicateTensor(String)
        /// Tensor data bytes that belong to no tensor: `count` bytes at data offset `at`.
        case unusedBytes(Int, at: Int)
        /// The stored CRC-32 (`expected`) differs from the one computed over the file (`found`).
        case badChecksum(expected: UInt32, found: UInt32)
        /// Bytes after the checksum.
        case trailingBytes(Int)
        /// A finite value too large for Float16 storage.
        case outOfFloat16Range(tensor: String, index: Int, value: Float)
        /// The file could not be written.
        case cannotWrite(String)
    }

    /// Creates an error about `file`.
    public init(file: String, problem: Problem) {
        self.file = file
        self.problem = problem
    }

    public var description: String {
        let hex = { (value: UInt32) in String(value, radix: 16).leftPadded(to: 8) }
        let reason: String
        switch problem {
        case .unreadable(let why): reason = "cannot be read (\(why))"
        case .empty: reason = "empty file (not a Steno model file)"
        case .notAModelFile: reason = "not a Steno model file (it does not start with STENOMDL)"
        case .truncated(let expected, let found):
            let want = expected.map { "expected \($0) bytes" } ?? "the tensor table claims an impossible size"
            reason = "truncated or damaged: \(want), found \(found) (copy the file again)"
        case .newerFormat(let version):
            reason = "written by a newer Steno (format \(version)); this build reads format \(ModelContainer.formatVersion) (update Steno)"
        case .unknownFormat(let version): reason = "unknown format version \(version) (file damaged?)"
        case .metadataTooLong(let claimed, let length):
            reason = "damaged or truncated: the header claims \(claimed) bytes of metadata but the file has \(length) bytes"
        case .malformedMetadata(let why): reason = "malformed metadata: \(why)"
        case .badTensor(let name, let why): reason = "tensor \"\(name)\": \(why)"
        case .duplicateTensor(let name): reason = "two tensors are named \"\(name)\""
        case .unusedBytes(let count, let offset): reason = "\(count) bytes of tensor data at offset \(offset) belong to no tensor"
        case .badChecksum(let expected, let found):
            reason = "bad checksum (file damaged or truncated): expected \(hex(expected)), found \(hex(found))"
        case .trailingBytes(let count): reason = "\(count) unexpected bytes after the checksum (file appended to?)"
        case .outOfFloat16Range(let tensor, let index, let value):
            reason = "tensor \"\(tensor)\" value \(value) at index \(index) is beyond Float16's range (±65504); store as float32"
        case .cannotWrite(let why): reason = "cannot write (\(why))"
        }
        return "\(file): \(reason)"
    }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib and PNG): CRC-32 of "123456789" is 0xCBF43926.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        return crc
    }

    /// The checksum of `bytes`.
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { table in
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return ~crc
    }
}

extension Array where Element == UInt8 {
    fileprivate func readUInt32(at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(self[offset + $1]) << (8 * $1) }
    }

    fileprivate func readUInt64(at offset: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(self[offset + $1]) << (8 * $1) }
    }

    fileprivate mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
