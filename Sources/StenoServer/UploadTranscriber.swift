import Dispatch
import Foundation
import Steno

/// Transcribes uploaded files one at a time on a thread of its own, so a long file neither blocks
/// the server's I/O nor takes the threads the WebSocket sessions run on; uploads beyond the one
/// in progress wait in line, up to a limit.
final class UploadTranscriber: @unchecked Sendable {
    /// Why an upload was not transcribed.
    enum Failure: Error {
        /// Too many uploads are waiting already.
        case busy
        /// The bytes are not audio libsndfile can read, or are damaged.
        case audio(AudioError)
        /// Anything else, described.
        case other(String)
    }

    private let recognizer: Recognizer
    private let maxQueued: Int
    private let queue = DispatchQueue(label: "steno.serve.transcribe", qos: .userInitiated)
    private let lock = NSLock()
    private var waiting = 0

    init(recognizer: Recognizer, maxQueued: Int) {
        self.recognizer = recognizer
        self.maxQueued = maxQueued
    }

    /// The transcript of an audio file's bytes; `name` stands for the file in it and in messages.
    func transcribe(_ bytes: [UInt8], name: String) async -> Result<Transcript, Failure> {
        let admitted = lock.withLock {
            guard waiting <= maxQueued else { return false }
            waiting += 1
            return true
        }
        guard admitted else { return .failure(.busy) }
        return await withCheckedContinuation { continuation in
            queue.async { [self] in
                let result: Result<Transcript, Failure>
                do {
                    result = .success(try recognizer.transcribe(.bytes(bytes, name: name)))
                } catch let error as AudioError {
                    result = .failure(.audio(error))
                } catch {
                    result = .failure(.other("\(error)"))
                }
                lock.withLock { waiting -= 1 }
                continuation.resume(returning: result)
            }
        }
    }
}
