import Foundation
import Testing
@testable import StenoCTC

/// Seeded uniform numbers for test inputs.
struct TestRandom {
    var state: UInt64
    mutating func next() -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53)
    }
    mutating func logits(_ count: Int, scale: Double = 3) -> [Double] { (0..<count).map { _ in (next() * 2 - 1) * scale } }
}

/// −log Σ over every path of `frames` symbols that collapses to `targets`: the definition, by enumeration.
func bruteForceLoss(logits: [Double], frames: Int, classes: Int, targets: [Int], blank: Int) -> Double {
    var logProbabilities = logits
    for t in 0..<frames {
        let row = Array(logits[t * classes..<(t + 1) * classes])
        let normaliser = log(row.map { exp($0) }.reduce(0, +))
        for k in 0..<classes { logProbabilities[t * classes + k] = row[k] - normaliser }
    }
    var total = 0.0
    var path = [Int](repeating: 0, count: frames)
    let count = Int(pow(Double(classes), Double(frames)))
    for index in 0..<count {
        var rest = index
        for t in 0..<frames { path[t] = rest % classes; rest /= classes }
        var collapsed: [Int] = []
        var previous = -1
        for symbol in path {
            if symbol != previous && symbol != blank { collapsed.append(symbol) }
            previous = symbol
        }
        if collapsed == targets {
            total += exp((0..<frames).reduce(0.0) { $0 + logProbabilities[$1 * classes + path[$1]] })
        }
    }
    return -log(total)
}

func ctc(_ logits: [Double], frames: Int, classes: Int, targets: [Int], blank: Int = 0) throws(CTC.Failure) -> CTC.Result<Double> {
    try logits.withUnsafeBufferPointer { buffer throws(CTC.Failure) in
        try CTC.loss(logits: buffer, frames: frames, classes: classes, targets: targets, blank: blank)
    }
}

@Suite("CTC loss")
struct CTCLossTests {
    @Test("Equals the brute-force sum over all alignments", arguments: [
        ([1], 3), ([1, 2], 4), ([1, 1], 4), ([2, 2, 1], 6), ([], 4), ([1, 2, 1], 5), ([3, 3, 3], 6), ([1, 2, 3, 1], 4),
    ])
    func bruteForce(targets: [Int], frames: Int) throws {
        var random = TestRandom(state: UInt64(targets.count * 31 + frames))
        let classes = 4
        let logits = random.logits(frames * classes)
        let result = try ctc(logits, frames: frames, classes: classes, targets: targets)
        let expected = bruteForceLoss(logits: logits, frames: frames, classes: classes, targets: targets, blank: 0)
        // Both are exact in Double; the log-space recursion differs only by rounding.
        #expect(abs(result.loss - expected) <= 1e-9 * max(1, abs(expected)), "\(result.loss) vs \(expected)")
    }

    @Test("A blank other than 0 gives the same loss as relabelled classes")
    func blankIndex() throws {
        var random = TestRandom(state: 9)
        let logits = random.logits(5 * 3)
        let withBlankLast = try ctc(logits, frames: 5, classes: 3, targets: [0, 1], blank: 2)
        let expected = bruteForceLoss(logits: logits, frames: 5, classes: 3, targets: [0, 1], blank: 2)
        #expect(abs(withBlankLast.loss - expected) < 1e-9)
    }

    @Test("The gradient matches central finite differences", arguments: [[1, 2, 2, 3], [], [4]])
    func gradientCheck(targets: [Int]) throws {
        var random = TestRandom(state: 77)
        let (frames, classes) = (9, 5)
        let logits = random.logits(frames * classes)
        let analytic = try ctc(logits, frames: frames, classes: classes, targets: targets).gradient
        let step = 1e-5
        for index in logits.indices {
            var plus = logits, minus = logits
            plus[index] += step
            minus[index] -= step
            let numeric = (try ctc(plus, frames: frames, classes: classes, targets: targets).loss
                - (try ctc(minus, frames: frames, classes: classes, targets: targets).loss)) / (2 * step)
            // Central differences err by O(step²) ≈ 1e-10 here; relative 1e-6 leaves room for rounding.
            let error = abs(numeric - analytic[index]) / max(1e-3, abs(numeric) + abs(analytic[index]))
            #expect(error <= 1e-6, "logit \(index): numeric \(numeric), analytic \(analytic[index])")
        }
    }

    @Test("Each frame's gradient sums to zero (softmax), and Float matches Double")
    func gradientProperties() throws {
        var random = TestRandom(state: 5)
        let (frames, classes) = (20, 6)
        let logits = random.logits(frames * classes)
        let double = try ctc(logits, frames: frames, classes: classes, targets: [1, 2, 3, 3, 5])
        for t in 0..<frames {
            #expect(abs((0..<classes).reduce(0.0) { $0 + double.gradient[t * classes + $1] }) < 1e-12)
        }
        let floats = logits.map { Float($0) }
        let single = try floats.withUnsafeBufferPointer { try CTC.loss(logits: $0, frames: frames, classes: classes, targets: [1, 2, 3, 3, 5]) }
        #expect(abs(single.loss - double.loss) < 1e-5 * double.loss)
    }

    @Test("Targets too long for the frames are reported, never NaN")
    func tooLong() {
        let logits = [Double](repeating: 0, count: 3 * 4)
        #expect(throws: CTC.Failure.targetsTooLong(frames: 3, framesNeeded: 4)) { try ctc(logits, frames: 3, classes: 4, targets: [1, 2, 3, 1]) }
        // A repeated label needs a blank between its copies: [1, 1] needs 3 frames.
        #expect(throws: CTC.Failure.targetsTooLong(frames: 2, framesNeeded: 3)) { try ctc(Array(logits.prefix(8)), frames: 2, classes: 4, targets: [1, 1]) }
        #expect(throws: CTC.Failure.invalidLabel(0)) { try ctc(logits, frames: 3, classes: 4, targets: [0]) }
        #expect(throws: CTC.Failure.invalidLabel(9)) { try ctc(logits, frames: 3, classes: 4, targets: [9]) }
    }

    @Test("Long utterances with confident frames stay finite")
    func longUtterance() throws {
        let (frames, classes) = (2_000, 29)
        var random = TestRandom(state: 3)
        // Scores of ±30 make per-frame probabilities far below Double's range if multiplied directly.
        let logits = random.logits(frames * classes, scale: 30)
        let targets = (0..<300).map { 1 + $0 % 28 }
        let result = try ctc(logits, frames: frames, classes: classes, targets: targets)
        #expect(result.loss.isFinite && result.loss > 0)
        #expect(result.gradient.allSatisfy { $0.isFinite })
    }
}

/// Cases computed by `tools/make_ctc_fixtures.py` with optax's `ctc_loss` in float64.
struct ReferenceFixture: Decodable {
    struct Case: Decodable {
        var frames: Int, classes: Int, targets: [Int], blank: Int
        var logits: [Double], loss: Double, gradient: [Double]
    }
    var source: String
    var cases: [Case]
}

@Suite("CTC against an independent implementation")
struct CTCReferenceTests {
    @Test("Loss and gradient match optax.ctc_loss")
    func matchesOptax() throws {
        let url = try #require(Bundle.module.url(forResource: "ctc_reference", withExtension: "json", subdirectory: "Fixtures"))
        let fixture = try JSONDecoder().decode(ReferenceFixture.self, from: Data(contentsOf: url))
        #expect(fixture.cases.count == 6)
        for reference in fixture.cases {
            let result = try ctc(reference.logits, frames: reference.frames, classes: reference.classes, targets: reference.targets, blank: reference.blank)
            // optax approximates log(0) by −1e5, which moves nothing at double precision for these sizes.
            #expect(abs(result.loss - reference.loss) <= 1e-9 * max(1, reference.loss), "targets \(reference.targets)")
            let worst = zip(result.gradient, reference.gradient).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-9, "targets \(reference.targets): gradient differs by \(worst)")
        }
    }
}
