import Foundation
import Testing
@testable import StenoNN

// The bfloat16 products (CStenoKernels' StenoBFloat16.h, through BFloat16Products) against an
// independent reference: operands rounded to bfloat16 here, in Swift, and multiplied in Double.

/// float32 → bfloat16 → float32, rounding to nearest even (written from the format's definition:
/// keep the top 16 bits, rounding on the 16 dropped).
private func bfloat16Rounded(_ value: Float) -> Float {
    let bits = value.bitPattern
    let kept = bits >> 16, dropped = bits & 0xffff
    let roundUp = dropped > 0x8000 || (dropped == 0x8000 && kept & 1 == 1)
    return Float(bitPattern: (kept + (roundUp ? 1 : 0)) << 16)
}

/// `op(a) · op(b) (+ c)` in Double on bfloat16-rounded operands, and Σ|terms| per element (the scale
/// float32 summation errors are relative to).
private func reference(_ a: [Float], transposeA: Bool, _ b: [Float], transposeB: Bool, c: [Float]?,
                       m: Int, n: Int, k: Int) -> (values: [Double], scale: [Double]) {
    var values = [Double](repeating: 0, count: m * n), scale = values
    for i in 0..<m {
        for j in 0..<n {
            var sum = c.map { Double($0[i * n + j]) } ?? 0, magnitude = abs(sum)
            for p in 0..<k {
                let x = bfloat16Rounded(transposeA ? a[p * m + i] : a[i * k + p])
                let y = bfloat16Rounded(transposeB ? b[j * k + p] : b[p * n + j])
                sum += Double(x) * Double(y)
                magnitude += abs(Double(x) * Double(y))
            }
            values[i * n + j] = sum
            scale[i * n + j] = magnitude
        }
    }
    return (values, scale)
}

/// The largest error of float32 results against the reference, relative to each element's Σ|terms|.
private func worstRelative(_ values: [Float], _ expected: (values: [Double], scale: [Double])) -> Double {
    zip(values.indices, values).map { abs(Double($1) - expected.values[$0]) / max(expected.scale[$0], 1e-6) }.max() ?? 0
}

@Suite("bfloat16 products")
struct BFloat16Tests {
    @Test("Rounding to bfloat16 is to nearest, ties to even")
    func rounding() {
        // 1 + 2⁻⁸ lies halfway between 1 and 1 + 2⁻⁷: ties go to the even mantissa (1).
        #expect(bfloat16Rounded(1 + 0x1p-8) == 1)
        #expect(bfloat16Rounded(1 + 3 * 0x1p-8) == 1 + 4 * 0x1p-8)
        #expect(bfloat16Rounded(1 + 0x1p-8 + 0x1p-20) == 1 + 0x1p-7)
        #expect(bfloat16Rounded(-2.5) == -2.5)
    }

    // Shapes cover: rows not a multiple of the kernel's 12 and more than one block of 96; columns
    // not a multiple of 16 or 32; odd k and k spanning two blocks of 128 pairs; every transpose.
    @Test("Products match Double on bfloat16 operands, vectorized and portable",
          arguments: [(13, 37, 5), (8, 64, 33), (100, 29, 300), (1, 17, 2), (25, 48, 257)],
          [(false, false), (false, true), (true, false), (true, true)])
    func products(shape: (m: Int, n: Int, k: Int), transposes: (a: Bool, b: Bool)) {
        var numbers = TestNumbers(state: UInt64(shape.m * 1000 + shape.n * 10 + shape.k))
        let (m, n, k) = shape
        let a = numbers.array(m * k, scale: 2).map { Float($0) }, b = numbers.array(k * n, scale: 2).map { Float($0) }
        let start = numbers.array(m * n).map { Float($0) }
        for vectorized in [true, false] {
            for accumulate in [false, true] {
                let products = BFloat16Products()
                products.vectorized = vectorized
                // Untouched memory must not leak in without `accumulate`: start from NaN there.
                var c = accumulate ? start : [Float](repeating: .nan, count: m * n)
                a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in c.withUnsafeMutableBufferPointer { out in
                    products.multiply(x.baseAddress!, transposeA: transposes.a, y.baseAddress!, transposeB: transposes.b,
                                      into: out.baseAddress!, m: m, n: n, k: k, accumulate: accumulate)
                }}}
                let expected = reference(a, transposeA: transposes.a, b, transposeB: transposes.b, c: accumulate ? start : nil, m: m, n: n, k: k)
                let worst = worstRelative(c, expected)
                #expect(worst < 1e-5, "vectorized \(vectorized), accumulate \(accumulate): \(worst)")
            }
        }
    }

    @Test("A matrix packed once serves many products")
    func packedOnce() {
        var numbers = TestNumbers(state: 5)
        let (k, n) = (40, 70)
        let w = numbers.array(n * k).map { Float($0) }   // W [n, k], used as Wᵀ
        let products = BFloat16Products()
        w.withUnsafeBufferPointer { products.pack($0.baseAddress!, transposeB: true, k: k, n: n) }
        for rows in [3, 8, 1] {
            let x = numbers.array(rows * k).map { Float($0) }
            var y = [Float](repeating: 0, count: rows * n)
            x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { products.multiply(xb.baseAddress!, into: $0.baseAddress!, m: rows, accumulate: false) } }
            let expected = reference(x, transposeA: false, w, transposeB: true, c: nil, m: rows, n: n, k: k)
            let worst = worstRelative(y, expected)
            #expect(worst < 1e-5)
        }
    }

    @Test("A recurrent layer trained with bfloat16 products stays near the Double layer; inference stays float32",
          arguments: [RecurrentCellKind.lstm, .gru], [false, true])
    func layer(cell: RecurrentCellKind, vectorized: Bool) {
        var random = SplitMix64(seed: 21)
        var numbers = TestNumbers(state: 22)
        let (steps, batch, inputSize, hidden) = (7, 5, 24, 20)
        let reference = RecurrentLayer<Double>(cell: cell, inputSize: inputSize, hiddenSize: hidden, reversed: true, name: "l", random: &random)
        let layer = RecurrentLayer<Float>(cell: cell, inputSize: inputSize, hiddenSize: hidden, reversed: true, name: "l", random: &random)
        let plain = RecurrentLayer<Float>(cell: cell, inputSize: inputSize, hiddenSize: hidden, reversed: true, name: "l", random: &random)
        layer.vectorizedKernels = vectorized
        plain.vectorizedKernels = vectorized
        layer.matrixPrecision = .bfloat16
        for ((target, source), copy) in zip(zip(layer.parameters, reference.parameters), plain.parameters) {
            source.values = numbers.array(source.values.count)
            target.values = source.values.map { Float($0) }
            copy.values = target.values
        }
        let lengths = (0..<batch).map { [7, 4, 1][$0 % 3] }
        let mask = (0..<steps * batch).map { lengths[$0 % batch] > $0 / batch ? 1.0 : 0.0 }
        let x = numbers.array(steps * batch * inputSize)
        let outputGradient = numbers.array(steps * batch * hidden)
        let expected = reference.forward(x, mask: mask, steps: steps, batch: batch)
        let output = layer.forward(x.map { Float($0) }, mask: mask.map { Float($0) }, steps: steps, batch: batch)
        let float32 = plain.forward(x.map { Float($0) }, mask: mask.map { Float($0) }, steps: steps, batch: batch)
        let expectedInputGradient = reference.backward(outputGradient)
        let inputGradient = layer.backward(outputGradient.map { Float($0) })
        // bfloat16 keeps 8 significant bits (relative rounding ≤ 2⁻⁹ per operand): a few parts in a
        // thousand of the largest value, where float32 products stay below 1e-5.
        #expect(worstScaledDifference(output, expected) < 2e-2)
        #expect(worstScaledDifference(inputGradient, expectedInputGradient) < 2e-2)
        for (parameter, referenceParameter) in zip(layer.parameters, reference.parameters) {
            #expect(worstScaledDifference(parameter.gradient, referenceParameter.gradient) < 2e-2, "\(parameter.name)")
        }
        // The bfloat16 path did run: its output differs from float32's by more than float32 rounding.
        #expect(zip(output, float32).map { abs($0 - $1) }.max()! > 1e-5)
        // Inference reads the same weights in float32 whatever the training precision.
        let inferred = layer.infer(x.map { Float($0) }, mask: mask.map { Float($0) }, steps: steps, batch: batch).output
        let same = inferred == plain.infer(x.map { Float($0) }, mask: mask.map { Float($0) }, steps: steps, batch: batch).output
        #expect(same, "inference changed with the training precision")
    }

    @Test("A network's precision reaches every direction of every layer")
    func networkPrecision() {
        let network = AcousticNetwork<Float>(NetworkConfiguration(inputSize: 4, classes: 5, stacking: 1, layers: 2, hiddenSize: 6), seed: 1)
        #expect(network.matrixPrecision == .float32)
        network.matrixPrecision = .bfloat16
        #expect(network.recurrentLayers.allSatisfy { $0.forwardDirection.matrixPrecision == .bfloat16 && $0.backwardDirection.matrixPrecision == .bfloat16 })
    }
}
