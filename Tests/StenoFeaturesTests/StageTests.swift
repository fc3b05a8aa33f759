import Foundation
import Testing
@testable import StenoFeatures

@Suite("Stages: windows, mel bank, DCT, lifter, pre-emphasis")
struct StageTests {
    @Test("Windows follow Kaldi's formulas", arguments: WindowType.allCases)
    func windows(_ type: WindowType) {
        let n = 400
        let window = type.coefficients(length: n, blackmanCoefficient: 0.42)
        #expect(window.count == n)
        let a = 2 * Double.pi / Double(n - 1)
        for i in [0, 1, 57, 199, 200, 398, 399] {
            let c = cos(a * Double(i))
            let expected: Double = switch type {
            case .povey: pow(0.5 - 0.5 * c, 0.85)
            case .hamming: 0.54 - 0.46 * c
            case .hann: 0.5 - 0.5 * c
            case .rectangular: 1
            case .blackman: 0.42 - 0.5 * c + 0.08 * cos(2 * a * Double(i))
            }
            // Computed in double then rounded to float: one float ulp near 1 is 1.2e-7.
            #expect(abs(Double(window[i]) - expected) < 1e-6, "\(type) at \(i)")
        }
        // Symmetric: w[i] == w[n-1-i] (cos is symmetric about the middle up to double rounding).
        for i in 0..<n / 2 { #expect(abs(window[i] - window[n - 1 - i]) < 1e-6) }
        #expect(type.coefficients(length: 1) == [1])
    }

    @Test("Mel scale is 1127 ln(1 + f/700) and its inverse")
    func melScaleFormula() {
        for f: Float in [0, 20, 700, 1000, 4000, 8000] {
            #expect(abs(melScale(f) - Float(1127 * log(1 + Double(f) / 700))) < 1e-3)
            #expect(abs(inverseMelScale(melScale(f)) - f) < 1e-2 * max(1, f / 1000))
        }
    }

    @Test("Mel bins are triangles peaking near Kaldi's centre frequencies, over FFT bins below Nyquist")
    func melBank() throws {
        var frame = FrameOptions()
        frame.sampleRate = 16_000
        let bank = try MelFilterbank(MelOptions(bins: 23, lowFrequency: 20, highFrequency: 0), frame: frame)
        let binWidth: Float = 16_000 / 512
        let melLow = melScale(20), melHigh = melScale(8_000)
        let delta = (melHigh - melLow) / 24
        #expect(bank.offsets.count == 24)
        for b in 0..<23 {
            let weights = Array(bank.weights[bank.offsets[b]..<bank.offsets[b + 1]])
            let first = bank.firstIndex[b]
            #expect(!weights.isEmpty)
            #expect(first + weights.count <= 256, "bin \(b) uses the Nyquist bin")
            #expect(weights.allSatisfy { $0 > 0 && $0 <= 1 })
            // Rises then falls: one peak.
            let peak = weights.indices.max { weights[$0] < weights[$1] }!
            #expect(weights[..<peak].elementsEqual(weights[..<peak].sorted()))
            #expect(weights[peak...].elementsEqual(weights[peak...].sorted(by: >)))
            // Kaldi's centre: inverse mel of low + (b + 1) delta; the peak FFT bin is next to it.
            let center = inverseMelScale(melLow + Float(b + 1) * delta)
            #expect(abs(bank.centerFrequencies[b] - center) < 1e-2)
            #expect(abs(Float(first + peak) * binWidth - center) <= binWidth)
            // Each weight is the triangle's value at the FFT bin's mel frequency.
            for (k, w) in weights.enumerated() {
                let mel = melScale(Float(first + k) * binWidth)
                let left = melLow + Float(b) * delta, mid = left + delta, right = mid + delta
                let expected = mel <= mid ? (mel - left) / delta : (right - mel) / delta
                #expect(abs(w - expected) < 1e-4)
            }
        }
        // Neighbouring triangles overlap: where bin b falls, bin b+1 rises, weights summing to ~1.
        #expect(bank.centerFrequencies.elementsEqual(bank.centerFrequencies.sorted()))
    }

    @Test("VTLN warping: factor 1 changes nothing; α moves centres to f / α inside the band, the edges stay", arguments: [Float(0.9), 1.1])
    func vtlnWarp(factor: Float) throws {
        var frame = FrameOptions()
        frame.sampleRate = 16_000
        let plain = try MelFilterbank(MelOptions(bins: 80, lowFrequency: 20, highFrequency: 0), frame: frame)
        var unit = MelOptions(bins: 80, lowFrequency: 20, highFrequency: 0)
        unit.vtlnWarp = 1
        let same = try MelFilterbank(unit, frame: frame)
        #expect(same.weights == plain.weights && same.firstIndex == plain.firstIndex && same.centerFrequencies == plain.centerFrequencies)

        var options = unit
        options.vtlnWarp = factor
        let warped = try MelFilterbank(options, frame: frame)
        let lowerKnee = 100 * max(1, factor), upperKnee = (8_000 - 500) * min(1, factor)
        var checked = 0
        for (original, moved) in zip(plain.centerFrequencies, warped.centerFrequencies) where original > lowerKnee && original < upperKnee {
            #expect(abs(moved - original / factor) < 0.01 * original / factor, "\(original) Hz went to \(moved) Hz")
            checked += 1
        }
        #expect(checked > 60)
        // Monotonic, inside the filterbank's range, and the outer triangles keep their outer edges.
        #expect(warped.centerFrequencies.elementsEqual(warped.centerFrequencies.sorted()))
        #expect(warped.centerFrequencies.first! > 20 && warped.centerFrequencies.last! < 8_000)
        #expect(abs(Int(warped.firstIndex[0]) - Int(plain.firstIndex[0])) <= 1)
        let lastEnd = { (bank: MelFilterbank) in bank.firstIndex[79] + bank.offsets[80] - bank.offsets[79] }
        #expect(abs(lastEnd(warped) - lastEnd(plain)) <= 1)
        // Every factor VTLP draws from (0.7…1.3 allowed) gives 80 usable bins at 16 kHz: no triangle
        // falls between two FFT bins, so no training utterance loses its features.
        for step in 0...120 {
            var drawn = unit
            drawn.vtlnWarp = 0.7 + Float(step) * 0.005
            #expect(throws: Never.self) { try MelFilterbank(drawn, frame: frame) }
        }
        // A warp is not recorded in model files: options decode as unwarped.
        let decoded = try JSONDecoder().decode(MelOptions.self, from: JSONEncoder().encode(options))
        #expect(decoded.vtlnWarp == 1 && decoded.bins == 80)
    }

    @Test("Warp factors that leave no band to warp are refused, naming the option")
    func badWarp() {
        var frame = FrameOptions()
        frame.sampleRate = 16_000
        for factor: Float in [0, -1, .nan, 80] {
            var options = MelOptions(bins: 23)
            options.vtlnWarp = factor
            #expect(throws: FeatureError.self) { try MelFilterbank(options, frame: frame) }
            do { _ = try MelFilterbank(options, frame: frame) } catch { #expect(error.option == "mel.vtlnWarp") }
        }
    }

    @Test("The DCT matrix is Kaldi's and orthonormal")
    func dct() {
        let n = 23
        let m = dctMatrix(rows: n, size: n)
        for i in 0..<n {
            for j in 0..<n {
                let dot = (0..<n).reduce(Double(0)) { $0 + Double(m[i * n + $1]) * Double(m[j * n + $1]) }
                #expect(abs(dot - (i == j ? 1 : 0)) < 1e-5, "rows \(i), \(j)")
            }
        }
        #expect(abs(m[0] - Float((1.0 / 23).squareRoot())) < 1e-7)
        #expect(abs(m[3 * n + 5] - Float((2.0 / 23).squareRoot() * cos(Double.pi / 23 * 5.5 * 3))) < 1e-7)
        #expect(dctMatrix(rows: 13, size: n) == Array(m[..<(13 * n)]))
    }

    @Test("Lifter coefficients are 1 + Q/2 sin(π i / Q)")
    func lifter() {
        let c = lifterCoefficients(22, count: 13)
        #expect(c[0] == 1)
        #expect(abs(c[11] - 12) < 1e-5)
        #expect(abs(c[5] - Float(1 + 11 * sin(Double.pi * 5 / 22))) < 1e-5)
    }

    @Test("Pre-emphasis, DC removal and log energy follow Kaldi")
    func frameStages() {
        var x: [Float] = [1, 2, 4, 8]
        x.withUnsafeMutableBufferPointer { preemphasize($0, coefficient: 0.5) }
        #expect(x == [0.5, 1.5, 3, 6])
        x = [1, 2, 3, 6]
        x.withUnsafeMutableBufferPointer { removeDCOffset($0) }
        #expect(x == [-2, -1, 0, 3])
        #expect(x.withUnsafeBufferPointer { logEnergy($0) } == logf(14))
        let zeros = [Float](repeating: 0, count: 8)
        #expect(zeros.withUnsafeBufferPointer { logEnergy($0) } == logf(.ulpOfOne))
    }

    @Test("The FFT's power spectrum matches a direct DFT")
    func fft() {
        let n = 64
        let fft = RealFFT(size: n)
        let signal = (0..<n).map { Float(sin(0.3 * Double($0)) + 0.5 * cos(1.7 * Double($0))) }
        var power = [Float](repeating: 0, count: n / 2 + 1)
        fft.withInput { input in for i in 0..<n { input[i] = signal[i] } }
        power.withUnsafeMutableBufferPointer { fft.powerSpectrum(into: $0) }
        for k in 0...n / 2 {
            var re = 0.0, im = 0.0
            for (i, x) in signal.enumerated() {
                re += Double(x) * cos(2 * .pi * Double(k * i) / Double(n))
                im -= Double(x) * sin(2 * .pi * Double(k * i) / Double(n))
            }
            // Float32 FFT of values ≤ 1.5 over 64 points: absolute power error well under 1e-3.
            #expect(abs(Double(power[k]) - (re * re + im * im)) < 1e-3, "bin \(k)")
        }
    }
}
