/// An invalid feature option, or a request the frontend cannot serve.
///
/// The message names the option (with its path, e.g. `frame.frameShiftMs`), the value given,
/// and what would be accepted, so that a command-line tool can print it as is.
public struct FeatureError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The option at fault, as a path into ``FeatureOptions`` (for example `mel.highFrequency`).
    public var option: String
    /// What is wrong and what to do about it.
    public var message: String

    /// Creates an error about `option`.
    public init(option: String, _ message: String) {
        self.option = option
        self.message = message
    }

    /// `"<option>: <message>"`.
    public var description: String { "\(option): \(message)" }
}
