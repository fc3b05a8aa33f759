import Foundation

/// With FUZZ_SHOW set, says what each input gave on standard error (for checking seeds and crash
/// inputs by hand); otherwise does nothing, so fuzzing runs at full speed.
public func show(_ message: @autoclosure () -> String) {
    if showing { FileHandle.standardError.write(Data((message() + "\n").utf8)) }
}

private let showing = getenv("FUZZ_SHOW") != nil
