import Testing
@testable import StenoNN

@Suite("Streaming network")
struct StreamingNetworkTests {
    @Test("Frames fed in any pieces give the logits of one offline pass",
          arguments: [(Int?.some(2), 1, 3, RecurrentCellKind.lstm), (3, 0, 1, .gru), (1, 2, 2, .lstm), (nil, 0, 2, .rnn), (4, 4, 3, .lstm)])
    func equalsOffline(chunk: Int?, lookahead: Int, stacking: Int, cell: RecurrentCellKind) {
        var numbers = TestNumbers(state: 31)
        let configuration = NetworkConfiguration(inputSize: 3, classes: 5, stacking: stacking, cell: cell, layers: 3, hiddenSize: 4,
                                                 chunk: chunk, lookahead: lookahead, dropout: 0.2)
        let network = AcousticNetwork<Double>(configuration, seed: 32)
        for frames in [1, 2, 7, 23, 40] {
            let input = numbers.array(frames * 3)
            let offline = network.forward(SequenceBatch(values: input, lengths: [frames], steps: frames, width: 3), training: false).logits
            let stream = StreamingNetwork(network: network)
            var streamed: [Double] = []
            var start = 0
            var pieces = SplitMix64(seed: UInt64(frames))
            while start < frames {
                let size = min(frames - start, 1 + pieces.below(6))
                streamed += stream.accept(Array(input[start * 3..<(start + size) * 3]))
                start += size
            }
            streamed += stream.finish()
            #expect(streamed.count == offline.count, "\(frames) frames")
            // Products over fewer rows may add in another order; the difference is rounding only.
            let worst = zip(streamed, offline).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-12, "\(frames) frames: \(worst)")
        }
    }

    @Test("Latency control bounds what a stream holds and emits output before the end")
    func boundedAndEarly() {
        let configuration = NetworkConfiguration(inputSize: 2, classes: 3, stacking: 2, layers: 2, hiddenSize: 3, chunk: 3, lookahead: 1)
        let network = AcousticNetwork<Float>(configuration, seed: 1)
        let stream = StreamingNetwork(network: network)
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
