import Foundation

/// A float32 array in NumPy's `.npy` format (version 1.0, little-endian, C order),
/// so features can be inspected with `numpy.load`.
public struct NumpyArray: Sendable, Equatable {
    /// Dimensions, outermost first, e.g. `[frames, features]`.
    public var shape: [Int]
    /// Elements in row-major order; `values.count` is the product of `shape`.
    public var values: [Float]

    /// Creates an array; `values.count` must equal the product of `shape`.
    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
    }

    private static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The header: magic, version, and the dictionary padded to a multiple of 64 bytes.
    private var header: [UInt8] {
        let dims = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        var text = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(dims)), }"
        // Magic (6) + version (2) + length (2) + header + "\n" is padded to a multiple of 64.
        let unpadded = 10 + text.utf8.count + 1
        text += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = UInt16(text.utf8.count)
        return Self.magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(text.utf8)
    }

    /// The file's bytes.
    public func encoded() -> Data {
        var data = Data(header)
        data.reserveCapacity(data.count + 4 * values.count)
        littleEndianValues { data.append(contentsOf: $0) }
        return data
    }

    /// Calls `body` with the values as little-endian float32 bytes.
    private func littleEndianValues(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        #if _endian(little)
        try values.withUnsafeBytes(body)
        #else
        try values.map { $0.bitPattern.littleEndian }.withUnsafeBytes(body)
        #endif
    }

    /// Writes the array to `path` atomically, without a copy of the values.
    public func write(to path: String) throws(FileWriteError) {
        try AtomicFile.write(to: path) { write in
            try header.withUnsafeBytes(write)
            try littleEndianValues(write)
        }
    }

    /// Reads a float32, C-order `.npy` file (the kind ``write(to:)`` writes).
    public init(contentsOf path: String) throws(NumpyFormatError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw NumpyFormatError(path: path, reason: "cannot be read") }
        let bytes = [UInt8](data)
        guard bytes.count >= 10, Array(bytes[0..<6]) == Self.magic, bytes[6] == 1 else {
            throw NumpyFormatError(path: path, reason: "not a version 1 .npy file")
        }
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        guard bytes.count >= 10 + headerLength else { throw NumpyFormatError(path: path, reason: "truncated header") }
        let header = String(decoding: bytes[10..<10 + headerLength], as: UTF8.self)
        guard header.contains("'descr': '<f4'"), header.contains("'fortran_order': False"),
              let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw NumpyFormatError(path: path, reason: "only little-endian float32 C-order arrays are supported")
        }
        let shape = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = shape.reduce(1, *)
        let body = bytes[(10 + headerLength)...]
        guard body.count == count * 4 else {
            throw NumpyFormatError(path: path, reason: "expected \(count * 4) bytes of data, found \(body.count)")
        }
        var values = [Float](repeating: 0, count: count)
        values.withUnsafeMutableBytes { $0.copyBytes(from: body) }
        self.init(shape: shape, values: values.map { Float(bitPattern: $0.bitPattern.littleEndian) })
    }
}

/// A `.npy` file that could not be read.
public struct NumpyFormatError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file.
    public var path: String
    /// What is wrong with it.
    public var reason: String

    /// An error about `path`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
