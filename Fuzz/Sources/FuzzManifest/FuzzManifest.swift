import Foundation
import FuzzSupport
import Steno

/// The manifest reader only takes a path, so each input goes through a temporary file. The first
/// byte picks the file name: odd bytes give `.jsonl` (JSON lines forced by the name), even ones
/// `.tsv` (the format then follows the first entry line). The rest is the file's content.
private let folder: String = {
    let base = FileManager.default.temporaryDirectory.path
    let path = "\(base)/steno-fuzz-manifest-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: folder) }
    return path
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let path = folder + (bytes[0] & 1 == 1 ? "/fuzz.jsonl" : "/fuzz.tsv")
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes[1...])) else {
        fatalError("cannot write \(path)")
    }
    do {
        let manifest = try Manifest.load(path)
        show("loaded: \(manifest.entries.count) entries")
    } catch {
        show("\(error)")
    }
    return 0
}
