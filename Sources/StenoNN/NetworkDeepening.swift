extension AcousticNetwork {
    /// How a pass-through LSTM layer is set up (``deepened(by:)``): its gates' biases and the weight
    /// of the one input a unit copies. With input and output gates at σ(4) ≈ 0.98, the forget gate
    /// at σ(−4) ≈ 0.02 and no recurrent weights, a unit computes h ≈ 0.98·tanh(0.98·tanh(1.2·x)) of
    /// the input x it copies: within 0.03 (root mean square) of x for |x| ≤ 0.6, compressing larger
    /// values (0.66 for x = 1). Chosen by a least-squares fit of that curve to the identity.
    static var passThroughGateBias: Scalar { 4 }
    static var passThroughInputWeight: Scalar { 1.2 }

    /// The same network with `extra` more bidirectional LSTM layers between its last recurrent layer
    /// and its output layer, each set up to pass its input through nearly unchanged: a way to train a
    /// deeper model from a trained one instead of from scratch (as Net2Net's deeper networks, which
    /// are exact only for activations where f(f(x)) = f(x); an LSTM is only close to it).
    ///
    /// The old layers and the output layer keep their weights. In an added layer, forward unit j
    /// copies input j (the forward half of the layer below) and backward unit j copies input H + j
    /// (the backward half), through the candidate gate alone; every other weight is zero, so the
    /// logits start close to the old network's (see ``passThroughGateBias``) and training then
    /// grows the added layers' weights. Needs LSTM cells, and with H units per direction the layer
    /// below gives 2H inputs, so the copy lines up.
    /// - Precondition: `extra` ≥ 1 and the cell is an LSTM.
    public func deepened(by extra: Int) -> AcousticNetwork<Scalar> {
        precondition(extra >= 1, "AcousticNetwork.deepened: add at least one layer")
        precondition(configuration.cell == .lstm, "AcousticNetwork.deepened: pass-through layers need LSTM cells")
        var deeper = configuration
        deeper.layers += extra
        let network = AcousticNetwork<Scalar>(deeper, seed: 0)
        network.dropoutRandom = dropoutRandom
        for (source, target) in zip(recurrentLayers, network.recurrentLayers) {
            for (from, to) in zip(source.parameters, target.parameters) { to.values = from.values }
        }
        let H = configuration.hiddenSize
        for layer in network.recurrentLayers[configuration.layers...] {
            Self.makePassThrough(layer.forwardDirection, firstColumn: 0)
            Self.makePassThrough(layer.backwardDirection, firstColumn: H)
        }
        network.output.weight.values = output.weight.values
        network.output.bias.values = output.bias.values
        return network
    }

    /// Sets `layer` (LSTM, gates i, f, g, o in blocks of H rows) so that unit j copies input
    /// `firstColumn + j`.
    private static func makePassThrough(_ layer: RecurrentLayer<Scalar>, firstColumn: Int) {
        let H = layer.hiddenSize, inputs = layer.inputSize
        layer.wInput.values = Array(repeating: 0, count: layer.wInput.values.count)
        layer.wHidden.values = Array(repeating: 0, count: layer.wHidden.values.count)
        layer.bHidden.values = Array(repeating: 0, count: layer.bHidden.values.count)
        let bias = passThroughGateBias
        layer.bInput.values = Array(repeating: bias, count: H) + Array(repeating: -bias, count: H)
            + Array(repeating: 0, count: H) + Array(repeating: bias, count: H)
        for unit in 0..<H { layer.wInput.values[(2 * H + unit) * inputs + firstColumn + unit] = passThroughInputWeight }
    }
}
