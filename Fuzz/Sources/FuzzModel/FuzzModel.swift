import Foundation
import FuzzSupport
import Steno

/// One model file: any bytes must either decode or throw `ModelFileError`, never trap, and never
/// allocate more than the bytes justify (libFuzzer's -malloc_limit_mb checks that).
///
/// A mutated file almost never keeps a valid CRC-32, which would leave the tensor table unexplored,
/// so each input is decoded twice: as it is, and with its last 4 bytes replaced by the right checksum.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    var bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    decode(bytes)
    if bytes.count >= 24 {
        let crc = checksum(bytes[..<(bytes.count - 4)])
        let stored = withUnsafeBytes(of: crc.littleEndian) { Array($0) }
        if !bytes[(bytes.count - 4)...].elementsEqual(stored) {
            bytes.replaceSubrange((bytes.count - 4)..., with: stored)
            decode(bytes)
        }
    }
    return 0
}

private func decode(_ bytes: [UInt8]) {
    do {
        let container = try ModelContainer(data: Data(bytes), name: "fuzz.steno")
        // What loaded must encode again (float32 storage is exact).
        _ = try? container.encoded()
        show("loaded: \(container.tensors.count) tensors")
    } catch {
        show("\(error)")
    }
}

/// CRC-32 (IEEE 802.3, as zlib), as the model file stores it.
private let table: [UInt32] = (0..<256).map { index in
    var crc = UInt32(index)
    for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    return crc
}

private func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    return ~crc
}
