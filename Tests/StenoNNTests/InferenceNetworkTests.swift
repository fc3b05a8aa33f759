import Foundation
import Testing
@testable import StenoNN

/// Largest |a − b| over two equally long arrays.
private func largestDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

private func randomFloats(_ count: Int, seed: UInt64, scale: Double = 1) -> [Float] {
    var numbers = TestNumbers(state: seed)
    return numbers.array(count, scale: scale).map(Float.init)
}

@Suite("Inference kernels")
struct InferenceKernelTests {
    @Test("Packed products equal the textbook product, float32 and int8, both kernel versions",
          arguments: [(1, 1), (5, 3), (64, 8), (70, 33), (256, 17)])
    func products(rows: Int, columns: Int) {
        let weights = randomFloats(rows * columns, seed: UInt64(rows * 100 + columns))
        let x = randomFloats(columns, seed: 9)
        let start = randomFloats(rows, seed: 10)
        let quantized = QuantizedMatrix(weights, rows: rows, columns: columns)
        for (matrix, values) in [(PackedMatrix(floats: weights, rows: rows, columns: columns), weights), (PackedMatrix(quantized), quantized.dequantized)] {
            let expected = (0..<rows).map { r in Float((0..<columns).reduce(Double(start[r])) { $0 + Double(values[r * columns + $1]) * Double(x[$1]) }) }
            for vectorized in [false, true] {
                var y = start
                x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { matrix.multiplyAdd(xp.baseAddress!, into: $0.baseAddress!, vectorized: vectorized) } }
                #expect(largestDifference(y, expected) < 1e-5, "vectorized \(vectorized)")
            }
        }
    }

    @Test("Cells equal their equations computed in Double, both kernel versions",
          arguments: RecurrentCellKind.allCases, [1, 8, 19])
    func cells(kind: RecurrentCellKind, size: Int) {
        let G = kind.gateCount * size
        let x = randomFloats(G, seed: 3, scale: 4), r = randomFloats(G, seed: 4, scale: 4)
        let h0 = randomFloats(size, seed: 5), c0 = randomFloats(size, seed: 6)
        func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        var expectedH = [Float](), expectedC = [Float]()
        for j in 0..<size {
            let a = { (block: Int) in Double(x[block * size + j]) + Double(r[block * size + j]) }
            switch kind {
            case .lstm:
                let c = sigmoid(a(1)) * Double(c0[j]) + sigmoid(a(0)) * tanh(a(2))
                expectedC.append(Float(c))
                expectedH.append(Float(sigmoid(a(3)) * tanh(c)))
            case .gru:
                let rg = sigmoid(a(0)), z = sigmoid(a(1))
                let n = tanh(Double(x[2 * size + j]) + rg * Double(r[2 * size + j]))
                expectedH.append(Float((1 - z) * n + z * Double(h0[j])))
            case .rnn:
                expectedH.append(Float(tanh(a(0))))
            }
        }
        for vectorized in [false, true] {
            var h = h0, c = c0
            h.withUnsafeMutableBufferPointer { hp in
                c.withUnsafeMutableBufferPointer { kind.step(x, r, hidden: hp.baseAddress!, cell: $0.baseAddress!, size: size, vectorized: vectorized) }
            }
            #expect(largestDifference(h, expectedH) < 2e-6, "vectorized \(vectorized)")
            if kind == .lstm { #expect(largestDifference(c, expectedC) < 2e-6, "vectorized \(vectorized)") }
        }
    }

    @Test("Saturated gates stay finite and NaN stays NaN")
    func extremes() {
        for vectorized in [false, true] {
            let size = 9
            var x = [Float](repeating: 200, count: 4 * size)
            x[0] = -200; x[size] = -1e30; x[2 * size + 8] = .infinity
            let r = [Float](repeating: 0, count: 4 * size)
            var h = [Float](repeating: 0, count: size), c = h
            h.withUnsafeMutableBufferPointer { hp in
                c.withUnsafeMutableBufferPointer { RecurrentCellKind.lstm.step(x, r, hidden: hp.baseAddress!, cell: $0.baseAddress!, size: size, vectorized: vectorized) }
            }
            #expect(h.allSatisfy(\.isFinite) && c.allSatisfy(\.isFinite), "vectorized \(vectorized)")
            #expect(h[0] == 0 && abs(h[1] - Float(tanh(1.0))) < 1e-6, "vectorized \(vectorized): \(h)")
            x[3 * size + 2] = .nan
            h.withUnsafeMutableBufferPointer { hp in
                c.withUnsafeMutableBufferPointer { RecurrentCellKind.lstm.step(x, r, hidden: hp.baseAddress!, cell: $0.baseAddress!, size: size, vectorized: vectorized) }
            }
            #expect(h[2].isNaN && !h[3].isNaN, "vectorized \(vectorized)")
        }
    }
}

@Suite("Int8 quantization")
struct QuantizationTests {
    @Test("Rows keep their largest magnitude as ±127 and every value within half a step")
    func rows() {
        var weights = randomFloats(6 * 40, seed: 12, scale: 3)
        for k in 0..<40 { weights[2 * 40 + k] = 0 }   // an all-zero row
        weights[4 * 40 + 7] = -9                        // a row dominated by one value
        let matrix = QuantizedMatrix(weights, rows: 6, columns: 40)
        let restored = matrix.dequantized
        for r in 0..<6 {
            let row = matrix.values[r * 40..<(r + 1) * 40]
            if r == 2 {
                #expect(row.allSatisfy { $0 == 0 } && matrix.scales[r] == 1)
            } else {
                #expect(row.map { abs(Int($0)) }.max() == 127, "row \(r)")
            }
            for k in 0..<40 { #expect(abs(restored[r * 40 + k] - weights[r * 40 + k]) <= matrix.scales[r] / 2 * 1.0001) }
        }
        #expect(matrix.values[4 * 40 + 7] == -127)
        // A second round trip changes nothing that matters: the integers are the same.
        #expect(QuantizedMatrix(restored, rows: 6, columns: 40).values == matrix.values)
    }
}

@Suite("Inference network")
struct InferenceNetworkTests {
    static let shapes: [(Int?, Int, Int, RecurrentCellKind)] = [(2, 1, 3, .lstm), (3, 0, 1, .gru), (1, 2, 2, .lstm), (nil, 0, 2, .rnn), (4, 4, 3, .lstm), (nil, 0, 1, .lstm)]

    @Test("Batch-1 logits equal the training code's inference, float32 and int8", arguments: shapes)
    func equalsReference(chunk: Int?, lookahead: Int, stacking: Int, cell: RecurrentCellKind) {
        let configuration = NetworkConfiguration(inputSize: 3, classes: 5, stacking: stacking, cell: cell, layers: 3, hiddenSize: 12,
                                                 chunk: chunk, lookahead: lookahead, dropout: 0.2)
        let network = AcousticNetwork<Float>(configuration, seed: 32)
        // The int8 reference: the same network with its recurrent matrices replaced by their int8 round trips.
        let rounded = AcousticNetwork<Float>(configuration, seed: 32)
        for parameter in rounded.recurrentLayers.flatMap(\.parameters) where parameter.shape.count == 2 {
            parameter.values = QuantizedMatrix.roundTrip(parameter.values, rows: parameter.shape[0], columns: parameter.shape[1])
        }
        for (precision, reference) in [(WeightPrecision.float32, network), (.int8, rounded)] {
            let fast = InferenceNetwork(network, precision: precision)
            for frames in [0, 1, 2, 7, 23, 40] {
                let input = randomFloats(frames * 3, seed: UInt64(frames) + 1, scale: 2)
                let expected = reference.infer(SequenceBatch(values: input, lengths: [frames], steps: frames, width: 3))
                let logits = fast.logits(input)
                #expect(logits.frames == expected.lengths[0] && logits.values.count == expected.logits.count, "\(precision), \(frames) frames")
                guard logits.values.count == expected.logits.count else { continue }
                #expect(largestDifference(logits.values, expected.logits) < 1e-4, "\(precision), \(frames) frames")
            }
        }
    }

    @Test("Int8 logits stay close to float32's")
    func int8CloseToFloat() {
        let configuration = NetworkConfiguration(inputSize: 8, classes: 6, layers: 2, hiddenSize: 64)
        let network = AcousticNetwork<Float>(configuration, seed: 4)
        let input = randomFloats(90 * 8, seed: 8)
        let float = InferenceNetwork(network).logits(input).values
        let int8 = InferenceNetwork(network, precision: .int8).logits(input).values
        let difference = largestDifference(float, int8)
        #expect(difference > 0 && difference < 0.02, "\(difference)")
    }

    @Test("Frames fed in any pieces give the logits of one offline pass", arguments: shapes)
    func streamEqualsOffline(chunk: Int?, lookahead: Int, stacking: Int, cell: RecurrentCellKind) {
        let configuration = NetworkConfiguration(inputSize: 3, classes: 5, stacking: stacking, cell: cell, layers: 3, hiddenSize: 12,
                                                 chunk: chunk, lookahead: lookahead, dropout: 0.2)
        for precision in WeightPrecision.allCases {
            let network = InferenceNetwork(AcousticNetwork<Float>(configuration, seed: 33), precision: precision)
            let stream = NetworkStream(network: network)
            for frames in [1, 2, 7, 23, 40] {
                let input = randomFloats(frames * 3, seed: UInt64(frames) + 50)
                let offline = network.logits(input).values
                var streamed: [Float] = []
                var start = 0
                var pieces = SplitMix64(seed: UInt64(frames))
                while start < frames {
                    let size = min(frames - start, 1 + pieces.below(6))
                    streamed += stream.accept(Array(input[start * 3..<(start + size) * 3]))
                    start += size
                }
                streamed += stream.finish()   // also resets the stream for the next utterance
                #expect(streamed.count == offline.count, "\(precision), \(frames) frames")
                guard streamed.count == offline.count else { continue }
                // Products over fewer rows may add in another order; the difference is rounding only.
                #expect(largestDifference(streamed, offline) < 1e-5, "\(precision), \(frames) frames")
            }
        }
    }

    @Test("Latency control bounds what a stream holds and emits output before the end")
    func boundedAndEarly() {
        let configuration = NetworkConfiguration(inputSize: 2, classes: 3, stacking: 2, layers: 2, hiddenSize: 3, chunk: 3, lookahead: 1)
        let stream = NetworkStream(network: InferenceNetwork(AcousticNetwork<Float>(configuration, seed: 1)))
        var emitted = 0, largest = 0
        for step in 0..<2_000 {
            emitted += stream.accept([Float(step % 7) / 7, 0.5, 0.1, Float(step % 3)]).count / 3
            largest = max(largest, stream.bufferedFrames)
        }
        // 2 000 stacked frames in; all but the last chunks' worth already out.
        #expect(emitted >= 2_000 - 2 * (3 + 1) * 2)
        #expect(largest <= 2 * (3 + 1) + 2)
        emitted += stream.finish().count / 3
        #expect(emitted == 2_000)
    }
}
