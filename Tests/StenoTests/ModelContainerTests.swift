import Foundation
import Testing
@testable import Steno
import StenoNN

/// A folder that removes itself; shared by the model and manifest tests.
final class TemporaryFolder {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "steno-model-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
    func write(_ bytes: some Sequence<UInt8>, to name: String) -> String {
        _ = FileManager.default.createFile(atPath: file(name), contents: Data(bytes))
        return file(name)
    }
}

private func sampleContainer() -> ModelContainer {
    let weights = (0..<24).map { Float($0) * 0.37 - 4.1 }
    return ModelContainer(
        metadata: Data(#"{"architecture":"lstm","layers":3,"name":"test"}"#.utf8),
        tensors: [
            NamedTensor(name: "encoder.weight", shape: [4, 6], values: weights),
            NamedTensor(name: "encoder.bias", shape: [6], values: [0, -1, 1e-3, 65504, -1e-7, .pi]),
            NamedTensor(name: "scale", shape: [], values: [2.5]),
            NamedTensor(name: "empty", shape: [0, 3], values: []),
        ])
}

/// Re-seals `bytes` with a correct checksum, so table checks can be reached.
private func resealed(_ bytes: [UInt8]) -> [UInt8] {
    var body = Array(bytes.dropLast(4))
    let crc = CRC32.checksum(body[...])
    body += (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) }
    return body
}

/// A model file with a hand-written metadata JSON and data section.
private func handMade(json: String, data: [UInt8], version: UInt32 = 1) -> [UInt8] {
    var bytes = Array("STENOMDL".utf8)
    bytes += (0..<4).map { UInt8(truncatingIfNeeded: version >> (8 * $0)) }
    let length = UInt64(json.utf8.count)
    bytes += (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
    bytes += Array(json.utf8) + data + [0, 0, 0, 0]
    return resealed(bytes)
}

@Suite("Model container files")
struct ModelContainerTests {
    @Test("CRC-32 of \"123456789\" is 0xCBF43926")
    func crc() {
        #expect(CRC32.checksum(Array("123456789".utf8)[...]) == 0xCBF4_3926)
        #expect(CRC32.checksum([][...]) == 0)
    }

    @Test("float32 round trip is exact, metadata and order preserved")
    func roundTrip32() throws {
        let folder = TemporaryFolder()
        let model = sampleContainer()
        try model.write(to: folder.file("model.steno"))
        let loaded = try ModelContainer(contentsOf: folder.file("model.steno"))
        #expect(loaded.tensors == model.tensors)
        #expect(loaded.tensor(named: "encoder.bias") == model.tensors[1])
        #expect(loaded.tensor(named: "missing") == nil)
        let metadata = try #require(try JSONSerialization.jsonObject(with: loaded.metadata) as? [String: Any])
        #expect(metadata["architecture"] as? String == "lstm")
        #expect(metadata["layers"] as? Int == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.steno"])
    }

    @Test("Layout: magic, version 1, metadata length, then JSON, data and checksum")
    func layout() throws {
        let bytes = [UInt8](try sampleContainer().encoded())
        #expect(Array(bytes[0..<8]) == Array("STENOMDL".utf8))
        #expect(Array(bytes[8..<12]) == [1, 0, 0, 0])
        let metadataLength = (0..<8).reduce(0) { $0 | Int(bytes[12 + $1]) << (8 * $1) }
        let dataLength = (24 + 6 + 1) * 4
        #expect(bytes.count == 20 + metadataLength + dataLength + 4)
        #expect(bytes[20] == UInt8(ascii: "{"))
        let crc = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[bytes.count - 4 + $1]) << (8 * $1) }
        #expect(crc == CRC32.checksum(bytes.dropLast(4)))
    }

    @Test("float16 halves the data and stays within 2^-11 relative error for normal values")
    func roundTrip16() throws {
        var values: [Float] = []
        var state: UInt64 = 12345
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let unit = Float(state >> 40) / Float(1 << 24)
            let magnitude = pow(2, unit * 28 - 14)  // 2^-14 (smallest normal) ... 2^14
            values.append(state & 1 == 0 ? magnitude : -magnitude)
        }
        let model = ModelContainer(tensors: [NamedTensor(name: "w", shape: [2000], values: values)])
        let full = try model.encoded(storage: .float32)
        let half = try model.encoded(storage: .float16)
        #expect(full.count - half.count == 2000 * 2)
        let loaded = try ModelContainer(data: half, name: "half.steno")
        // Round to nearest with an 11-bit significand: error ≤ half an ulp = 2^-11 of the value.
        let worst = zip(values, loaded.tensors[0].values).map { abs($0 - $1) / abs($0) }.max() ?? 0
        #expect(worst <= 0x1p-11, "worst relative error \(worst)")
        #expect(worst > 0)
    }

    @Test("int8 stores matrices as row scales and integers, loads their round trip, keeps vectors float32")
    func roundTripInt8() throws {
        let original = sampleContainer()
        let data = try original.encoded(storage: .int8)
        let loaded = try ModelContainer(data: data, name: "q.steno")
        // Tensor data: the 4 × 6 matrix as 4 scales + 24 bytes (not 96), the vector and scalar as float32.
        let metadataLength = data[12..<20].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(data.count - 20 - metadataLength - 4 == (16 + 24) + 6 * 4 + 4)
        #expect(loaded.tensors[0].values == QuantizedMatrix.roundTrip(original.tensors[0].values, rows: 4, columns: 6))
        #expect(loaded.tensors[0].values != original.tensors[0].values)
        for index in 1..<original.tensors.count { #expect(loaded.tensors[index] == original.tensors[index]) }
        #expect(String(decoding: data, as: UTF8.self).contains(#""dtype":"i8""#))
        // Named tensors stay float32.
        let kept = try ModelContainer(data: original.encoded(storage: .int8, float32: ["encoder.weight"]), name: "k.steno")
        #expect(kept.tensors == original.tensors)
        let infinite = ModelContainer(tensors: [NamedTensor(name: "w", shape: [1, 2], values: [1, .infinity])])
        #expect(throws: ModelFileError.self) { try infinite.encoded(storage: .int8) }
    }

    @Test("float16 refuses values it cannot hold, at write time")
    func float16Range() throws {
        let folder = TemporaryFolder()
        let model = ModelContainer(tensors: [NamedTensor(name: "big", shape: [3], values: [1, 70000, 2])])
        #expect(throws: ModelFileError(file: folder.file("m.steno"), problem: .outOfFloat16Range(tensor: "big", index: 1, value: 70000))) {
            try model.write(to: folder.file("m.steno"), storage: .float16)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("m.steno")))
        #expect(throws: ModelFileError.self) { try model.encoded(storage: .float16) }
        // 65504 is the largest half; infinities and NaN are representable and pass through.
        let edge = ModelContainer(tensors: [NamedTensor(name: "edge", shape: [3], values: [65504, -.infinity, 1])])
        let loaded = try ModelContainer(data: edge.encoded(storage: .float16), name: "edge.steno")
        #expect(loaded.tensors[0].values == [65504, -.infinity, 1])
    }

    @Test("Writing refuses duplicate names, empty names and bad caller metadata")
    func writeChecks() {
        let twice = ModelContainer(tensors: [NamedTensor(name: "a", shape: [1], values: [1]), NamedTensor(name: "a", shape: [1], values: [2])])
        #expect(throws: ModelFileError(file: "(in memory)", problem: .duplicateTensor("a"))) { try twice.encoded() }
        let badJSON = ModelContainer(metadata: Data("{not json".utf8), tensors: [])
        #expect(throws: ModelFileError.self) { try badJSON.encoded() }
        let folder = TemporaryFolder()
        let error = #expect(throws: ModelFileError.self) { try sampleContainer().write(to: folder.file("missing/m.steno")) }
        #expect(error?.description.hasPrefix(folder.file("missing/m.steno") + ": cannot write") == true)
    }

    @Test("Codable metadata helpers")
    func codableMetadata() throws {
        struct Config: Codable, Equatable { var layers: Int; var alphabet: String }
        let model = try ModelContainer(encoding: Config(layers: 5, alphabet: "abc"), tensors: [])
        let loaded = try ModelContainer(data: model.encoded(), name: "m")
        #expect(try loaded.decodeMetadata(Config.self) == Config(layers: 5, alphabet: "abc"))
        #expect(loaded.tensors.isEmpty)
    }

    @Test("Truncation at every region is reported with the file name")
    func truncation() throws {
        let folder = TemporaryFolder()
        let bytes = [UInt8](try sampleContainer().encoded())
        let metadataLength = (0..<8).reduce(0) { $0 | Int(bytes[12 + $1]) << (8 * $1) }
        let cases: [(Int, ModelFileError.Problem)] = [
            (0, .empty),
            (5, .truncated(expected: 24, found: 5)),
            (15, .truncated(expected: 24, found: 15)),
            (20 + metadataLength / 2, .metadataTooLong(claimed: UInt64(metadataLength), fileLength: 20 + metadataLength / 2)),
            (20 + metadataLength + 10, .truncated(expected: bytes.count, found: 20 + metadataLength + 10)),
            (bytes.count - 1, .truncated(expected: bytes.count, found: bytes.count - 1)),
        ]
        for (length, problem) in cases {
            let path = folder.write(bytes.prefix(length), to: "cut\(length).steno")
            let error = #expect(throws: ModelFileError.self) { try ModelContainer(contentsOf: path) }
            #expect(error == ModelFileError(file: path, problem: problem), "cut at \(length)")
            #expect(error?.description.hasPrefix(path + ": ") == true)
        }
    }

    @Test("A flipped bit in metadata, data or checksum fails the checksum")
    func bitFlips() throws {
        let folder = TemporaryFolder()
        let bytes = [UInt8](try sampleContainer().encoded())
        let nameOffset = try #require(Self.find(Array("\"test\"".utf8), in: bytes)) + 2  // inside the caller metadata
        for (label, offset) in [("metadata", nameOffset), ("data", bytes.count - 30), ("checksum", bytes.count - 2)] {
            var damaged = bytes
            damaged[offset] ^= 0x04
            let path = folder.write(damaged, to: "\(label).steno")
            let error = #expect(throws: ModelFileError.self) { try ModelContainer(contentsOf: path) }
            guard case .badChecksum = error?.problem else { Issue.record("\(label): \(String(describing: error))"); continue }
            #expect(error?.description.hasPrefix("\(path): bad checksum (file damaged or truncated): expected ") == true)
        }
    }

    @Test("Wrong magic, future and unknown versions, absurd metadata length, trailing bytes")
    func headerDamage() throws {
        let folder = TemporaryFolder()
        let bytes = [UInt8](try sampleContainer().encoded())
        func check(_ damaged: [UInt8], _ problem: ModelFileError.Problem, _ text: String) {
            let path = folder.write(damaged, to: "x.steno")
            let error = #expect(throws: ModelFileError.self) { try ModelContainer(contentsOf: path) }
            #expect(error?.problem == problem)
            #expect(error?.description.hasPrefix(path + ": " + text) == true, "\(String(describing: error))")
        }
        check(Array("RIFF....WAVEfmt ".utf8) + bytes, .notAModelFile, "not a Steno model file")
        check(Array("STE".utf8), .truncated(expected: 24, found: 3), "truncated")
        check(Array("PK".utf8), .notAModelFile, "not a Steno model file")
        var future = bytes
        future[8] = 7
        check(future, .newerFormat(7), "written by a newer Steno (format 7); this build reads format 1")
        var zero = bytes
        zero[8] = 0
        check(zero, .unknownFormat(0), "unknown format version 0")
        var huge = bytes
        huge[19] = 0x10  // metadata length += 2^60
        let claimed = (0..<8).reduce(UInt64(0)) { $0 | UInt64(huge[12 + $1]) << (8 * UInt64($1)) }
        check(huge, .metadataTooLong(claimed: claimed, fileLength: bytes.count), "damaged or truncated")
        var maximal = bytes
        for i in 12..<20 { maximal[i] = 0xFF }
        check(maximal, .metadataTooLong(claimed: .max, fileLength: bytes.count), "damaged or truncated")
        check(bytes + [0, 1, 2], .trailingBytes(3), "3 unexpected bytes after the checksum")
        let missing = ModelFileError(file: folder.file("nope.steno"), problem: .unreadable("no such file"))
        #expect(throws: missing) { try ModelContainer(contentsOf: folder.file("nope.steno")) }
        #expect(throws: ModelFileError(file: folder.path, problem: .unreadable("is a directory"))) { try ModelContainer(contentsOf: folder.path) }
    }

    @Test("A sealed file with an inconsistent tensor table is refused entry by entry")
    func tableDamage() {
        let eight = [UInt8](repeating: 0, count: 8)
        func entry(name: String = "w", shape: String = "[2]", dtype: String = "f32", offset: String = "0", length: String = "8") -> String {
            #"{"name":"\#(name)","shape":\#(shape),"dtype":"\#(dtype)","offset":\#(offset),"length":\#(length)}"#
        }
        func problem(_ tensors: [String], data: [UInt8] = eight, json: String? = nil) -> ModelFileError.Problem? {
            let text = json ?? #"{"metadata":{},"tensors":[\#(tensors.joined(separator: ","))]}"#
            do {
                _ = try ModelContainer(data: Data(handMade(json: text, data: data)), name: "t.steno")
                return nil
            } catch {
                #expect(error.description.hasPrefix("t.steno: "))
                return error.problem
            }
        }
        #expect(problem([entry()]) == nil)
        #expect(problem([entry(shape: "[1,2]")]) == nil)
        #expect(problem([entry(dtype: "f16", length: "4")], data: [0, 0, 0, 0]) == nil)
        func isBadTensor(_ problem: ModelFileError.Problem?) -> Bool { if case .badTensor = problem { return true } else { return false } }
        func isMalformed(_ problem: ModelFileError.Problem?) -> Bool { if case .malformedMetadata = problem { return true } else { return false } }
        #expect(isBadTensor(problem([entry(dtype: "f64")])))
        // i8: a matrix's row scales (float32) then its values; only matrices.
        #expect(problem([entry(shape: "[1,4]", dtype: "i8")]) == nil)
        #expect(isBadTensor(problem([entry(shape: "[8]", dtype: "i8")])))
        #expect(isBadTensor(problem([entry(shape: "[2,4]", dtype: "i8")])))   // 16 bytes needed, 8 stored
        #expect(isBadTensor(problem([entry(shape: "[-2]")])))
        #expect(isBadTensor(problem([entry(shape: "[4294967296,4294967296]")])))
        #expect(isBadTensor(problem([entry(shape: "[3]")])))  // 12 bytes needed, 8 stored
        #expect(isBadTensor(problem([entry(offset: "4")])))  // runs past the data
        #expect(isBadTensor(problem([entry(offset: "-8")])))
        #expect(isBadTensor(problem([entry(length: "1152921504606846976")])))  // 2^60
        #expect(isMalformed(problem([entry(length: "1e300")])))
        #expect(isMalformed(problem([entry(length: "\"8\"")])))
        #expect(isBadTensor(problem([entry(name: "")])))
        #expect(problem([entry(shape: "[1]", length: "4"), entry(shape: "[1]", offset: "4", length: "4")]) == .duplicateTensor("w"))
        #expect(isBadTensor(problem([entry(name: "a"), entry(name: "b", shape: "[1]", offset: "4", length: "4")], data: eight + eight)))
        #expect(problem([entry(shape: "[1]", length: "4")]) == .unusedBytes(4, at: 4))
        #expect(problem([entry(shape: "[1]", offset: "4", length: "4")]) == .unusedBytes(4, at: 0))
        #expect(isMalformed(problem([], json: "{not json")))
        #expect(isMalformed(problem([], json: "[1,2]")))
        #expect(isMalformed(problem([], json: #"{"metadata":{}}"#)))
        #expect(isMalformed(problem([], json: #"{"tensors":[{"name":"w"}]}"#)))
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }
}
