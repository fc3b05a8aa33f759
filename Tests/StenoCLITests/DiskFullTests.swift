import Foundation
import Steno
import Testing

/// Runs a shell command; true when it exits 0.
private func shell(_ command: String) -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}

/// True when this process may mount a small tmpfs (root with the capability; not in every container).
private let tmpfsMountable: Bool = {
    guard geteuid() == 0 else { return false }
    let probe = NSTemporaryDirectory() + "steno-mount-probe-\(getpid())"
    try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: probe) }
    guard shell("mount -t tmpfs -o size=64k tmpfs '\(probe)'") else { return false }
    return shell("umount '\(probe)'")
}()

@Suite("A full disk")
struct DiskFullTests {
    @Test("Training onto a full disk fails before the first batch, naming the file, and leaves nothing behind",
          .enabled(if: tmpfsMountable, "mounting a small file system needs root and the right to mount"))
    func fullDisk() throws {
        let scratch = Scratch()
        let disk = scratch.file("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        // A 1 MB file system: the checkpoint of this model (weights and two Adam moments, ~3 MB) cannot fit.
        try #require(shell("mount -t tmpfs -o size=1m tmpfs '\(disk)'"))
        defer { _ = shell("umount '\(disk)'") }
        let manifest = scratch.file("two.tsv")
        try "\(samplesFolder)/hello.wav\thello world this is steno\n\(samplesFolder)/digits.wav\tone two three four five\n"
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let result = try steno(["train", "--train", manifest, "--valid", manifest, "--output", disk + "/m.steno",
                                "--layers", "2", "--hidden", "64", "--epochs", "1"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("m.steno.checkpoint: cannot write (No space left on device)"), "\(result.stderr)")
        #expect(!result.stderr.contains("epoch 1/"), "training started before the disk was found full")
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk).isEmpty)
    }
}
