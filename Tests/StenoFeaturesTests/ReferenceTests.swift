import Foundation
import Testing
@testable import StenoFeatures

/// One reference case from `Fixtures/features.json` (made by `tools/make_feature_fixtures.py`).
struct ReferenceCase: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var signal: String
    var reference: String
    var options: FeatureOptions
    var frameCount: Int
    var dimension: Int?
    var frames: [Float]

    var testDescription: String { name }
}

/// The test signals of `Fixtures/signals.json`: [-1, 1] floats, each an integer / 32768.
struct ReferenceSignal: Decodable, Sendable {
    var sampleRate: Int
    var samples: [Float]
}

enum Fixtures {
    static func data(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return try Data(contentsOf: url)
    }

    static let cases: [ReferenceCase] = {
        struct File: Decodable { var cases: [ReferenceCase] }
        return (try? JSONDecoder().decode(File.self, from: data("features"))).map(\.cases) ?? []
    }()

    static let signals: [String: ReferenceSignal] = (try? JSONDecoder().decode([String: ReferenceSignal].self, from: data("signals"))) ?? [:]
}

/// Largest error between `ours` and `reference` frame by frame, split by how well each value is
/// conditioned in single precision. A float32 FFT (Kaldi's, kaldi-native-fbank's, FFTW's) makes an
/// absolute error of about ε·‖X‖ spread over all bins, so a bin with power P far below the frame's
/// peak power P₀ sees a relative, i.e. log-domain, error of about 2ε·√(P₀/P). Values within 60 dB of
/// their frame's peak (`ln` ratio 13.8, error model ≤ 2.4e-4) are held to the plain tolerance; values
/// further down to that tolerance plus 4ε·√(P₀/P) (twice the model: two float32 implementations differ).
struct ComparisonResult {
    var maxError: Float = 0
    var maxErrorWellConditioned: Float = 0
    var failures: [String] = []
}

func compareLogDomain(_ ours: FeatureMatrix, _ reference: ReferenceCase, tolerance: Float, skipColumns: Set<Int> = []) -> ComparisonResult {
    var result = ComparisonResult()
    let dimension = ours.dimension
    let logRatioLimit: Float = 13.8
    for t in 0..<min(ours.frameCount, reference.frameCount) {
        let row = reference.frames[t * dimension ..< (t + 1) * dimension]
        let columns = (0..<dimension).filter { !skipColumns.contains($0) }
        let peak = columns.map { row[row.startIndex + $0] }.max() ?? 0
        for d in 0..<dimension {
            let expected = row[row.startIndex + d], actual = ours.values[t * dimension + d]
            let error = abs(actual - expected)
            result.maxError = max(result.maxError, error)
            let logRatio = skipColumns.contains(d) ? 0 : max(peak - expected, 0)
            if logRatio <= logRatioLimit { result.maxErrorWellConditioned = max(result.maxErrorWellConditioned, error) }
            let allowed = logRatio <= logRatioLimit ? tolerance : tolerance + 4 * Float.ulpOfOne * exp(logRatio / 2)
            if !(error <= allowed) { result.failures.append("frame \(t) value \(d): \(actual) vs \(expected)") }
        }
    }
    return result
}

@Suite("Reference: kaldi-native-fbank and Kaldi's spectrogram definition")
struct ReferenceTests {
    @Test("The fixtures are present and their samples are 16-bit values / 32768")
    func fixturesLoad() throws {
        #expect(Fixtures.cases.count >= 20)
        #expect(Set(Fixtures.cases.map(\.signal)).isSubset(of: Fixtures.signals.keys))
        for (name, signal) in Fixtures.signals {
            #expect(signal.samples.allSatisfy { ($0 * 32768).rounded() == $0 * 32768 }, "\(name)")
        }
    }

    @Test("Frames match the reference", arguments: Fixtures.cases)
    func matchesReference(_ reference: ReferenceCase) throws {
        let signal = try #require(Fixtures.signals[reference.signal])
        #expect(Float(signal.sampleRate) == reference.options.frame.sampleRate)
        let ours = try FeatureExtractor(options: reference.options).compute(signal.samples)
        #expect(ours.frameCount == reference.frameCount)
        if let dimension = reference.dimension { #expect(ours.dimension == dimension) }
        #expect(ours.values.count == reference.frames.count)
        // Tolerances. fbank: log-mel values, 1e-3 (kaldi-native-fbank is float32 like us; differences
        // come from FFT and summation order, ~1e-5 on well-conditioned values).
        // mfcc: see compareCepstra: the log-mel tolerance carried through the DCT and the lifter.
        // spectrogram: per FFT bin log power against a float64 reference: one bin, no mel averaging,
        // 2e-3 where well conditioned, plus the conditioning allowance.
        let (tolerance, skip): (Float, Set<Int>) = switch reference.options.kind {
        case .fbank: (1e-3, [])
        case .mfcc: (1e-3, [])
        case .spectrogram: (2e-3, [0])
        }
        let result = reference.options.kind == .mfcc
            ? try compareCepstra(ours, reference, signal: signal.samples, tolerance: 1e-3)
            : compareLogDomain(ours, reference, tolerance: tolerance, skipColumns: skip)
        print("REFERENCE \(reference.name): max abs error \(result.maxError), well conditioned \(result.maxErrorWellConditioned)")
        #expect(result.failures.isEmpty, "\(reference.name): \(result.failures.prefix(5))")
    }
}

/// The log-mel allowance of ``compareLogDomain`` for a value `logRatio` below its frame's peak.
func logMelAllowance(_ tolerance: Float, logRatio: Float) -> Float {
    logRatio <= 13.8 ? tolerance : tolerance + 4 * Float.ulpOfOne * exp(logRatio / 2)
}

/// MFCC is `lifter[k] * Σ_j D[k, j] * logMel[j]`, so an error e_j in log-mel value j moves
/// coefficient k by at most `lifter[k] * Σ_j |D[k, j]| e_j`. Each coefficient is held to that bound,
/// with e_j the fbank allowance (1e-3, plus the float32 conditioning term for mel energies far below
/// the frame's peak, judged from our own log-mel of the same frame). A log energy in c0 is held to
/// the plain 1e-3. "Well conditioned" reports frames whose mel energies are all within 60 dB of the peak.
func compareCepstra(_ ours: FeatureMatrix, _ reference: ReferenceCase, signal: [Float], tolerance: Float) throws -> ComparisonResult {
    let options = reference.options
    var melOptions = options
    melOptions.kind = .fbank
    melOptions.useEnergy = false
    melOptions.htkCompat = false
    let logMel = try FeatureExtractor(options: melOptions).compute(signal)
    let bins = options.mel.bins, cepstra = options.cepstra
    let dct = dctMatrix(rows: cepstra, size: bins)
    let lifter = options.cepstralLifter == 0 ? [Float](repeating: 1, count: cepstra) : lifterCoefficients(options.cepstralLifter, count: cepstra)
    var result = ComparisonResult()
    for t in 0..<min(ours.frameCount, reference.frameCount, logMel.frameCount) {
        let mel = Array(logMel[t])
        let peak = mel.max() ?? 0
        let allowances = mel.map { logMelAllowance(tolerance, logRatio: peak - $0) }
        let wellConditioned = mel.allSatisfy { peak - $0 <= 13.8 }
        for position in 0..<cepstra {
            // With htkCompat, c1...c(n-1) come first and c0 (scaled by √2 without energy) last.
            let k = options.htkCompat ? (position == cepstra - 1 ? 0 : position + 1) : position
            var bound = lifter[k] * (0..<bins).reduce(Float(0)) { $0 + abs(dct[k * bins + $1]) * allowances[$1] }
            if k == 0 && options.useEnergy { bound = tolerance }
            if k == 0 && options.htkCompat && !options.useEnergy { bound *= Float(2).squareRoot() }
            let actual = ours.values[t * cepstra + position], expected = reference.frames[t * cepstra + position]
            let error = abs(actual - expected)
            result.maxError = max(result.maxError, error)
            if wellConditioned { result.maxErrorWellConditioned = max(result.maxErrorWellConditioned, error) }
            if !(error <= bound) { result.failures.append("frame \(t) c\(k): \(actual) vs \(expected), bound \(bound)") }
        }
    }
    return result
}
