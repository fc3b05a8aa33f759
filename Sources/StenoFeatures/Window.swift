import Foundation

/// The window multiplied into each frame (Kaldi's `--window-type`).
///
/// With `N` the frame length in samples and `a = 2π / (N - 1)`, sample `i` of the window is:
/// - ``povey``: `(0.5 - 0.5 cos(a i))^0.85` (Kaldi's default; like Hann but not zero at the edges' neighbours)
/// - ``hamming``: `0.54 - 0.46 cos(a i)`
/// - ``hann``: `0.5 - 0.5 cos(a i)` (Kaldi calls it "hanning")
/// - ``rectangular``: `1`
/// - ``blackman``: `b - 0.5 cos(a i) + (0.5 - b) cos(2 a i)`, `b` = ``FrameOptions/blackmanCoefficient``
public enum WindowType: String, CaseIterable, Sendable, Codable {
    /// Kaldi's default: a Hann window raised to the power 0.85.
    case povey
    /// Hamming: `0.54 - 0.46 cos(a i)`.
    case hamming
    /// Hann, Kaldi's "hanning": `0.5 - 0.5 cos(a i)`.
    case hann
    /// No taper: all ones.
    case rectangular
    /// Blackman with coefficient ``FrameOptions/blackmanCoefficient``.
    case blackman

    /// The window's `length` coefficients, computed in double precision as Kaldi does.
    /// A one-sample window is `[1]`.
    public func coefficients(length: Int, blackmanCoefficient: Float = 0.42) -> [Float] {
        guard length > 1 else { return [Float](repeating: 1, count: max(length, 0)) }
        let a = 2 * Double.pi / Double(length - 1)
        let b = Double(blackmanCoefficient)
        return (0..<length).map { index in
            let i = Double(index)
            let value: Double = switch self {
            case .povey: pow(0.5 - 0.5 * cos(a * i), 0.85)
            case .hamming: 0.54 - 0.46 * cos(a * i)
            case .hann: 0.5 - 0.5 * cos(a * i)
            case .rectangular: 1
            case .blackman: b - 0.5 * cos(a * i) + (0.5 - b) * cos(2 * a * i)
            }
            return Float(value)
        }
    }
}
