extension AcousticNetwork {
    /// The same network with `hiddenSize` units per direction in every recurrent layer, computing
    /// exactly what this one computes: a way to give a trained model more capacity without starting
    /// over (a function-preserving widening, as in Net2Net).
    ///
    /// The old units keep their weights. The added units get fresh weights (drawn from `seed`, as a
    /// new network's would be) for everything they read, but every weight from an added unit to an
    /// old unit, to the next layer and to the logits is zero, so at first they change no output;
    /// training then grows those weights from zero. Holds for every cell kind: an old unit's gates
    /// read only old units.
    /// - Precondition: `hiddenSize` ≥ the current hidden size.
    public func widened(to hiddenSize: Int, seed: UInt64) -> AcousticNetwork<Scalar> {
        let old = configuration.hiddenSize
        precondition(hiddenSize >= old, "AcousticNetwork.widened: \(hiddenSize) units is narrower than \(old)")
        var wider = configuration
        wider.hiddenSize = hiddenSize
        let network = AcousticNetwork<Scalar>(wider, seed: seed)
        network.dropoutRandom = dropoutRandom
        let gates = configuration.cell.gateCount
        // Where an old column lands: input features and a direction's own units keep their place; a
        // recurrent layer's output columns [forward H | backward H] move to [forward N | backward N].
        let sameColumn = { (column: Int) in column }
        let hiddenColumn = { (column: Int) in column < old ? column : column - old + hiddenSize }
        for (index, (source, target)) in zip(recurrentLayers, network.recurrentLayers).enumerated() {
            for (from, to) in [(source.forwardDirection, target.forwardDirection), (source.backwardDirection, target.backwardDirection)] {
                let inputColumn = index == 0 ? sameColumn : hiddenColumn
                Self.embed(from.wInput, into: to.wInput, oldRows: old, newRows: hiddenSize, blocks: gates, column: inputColumn)
                Self.embed(from.wHidden, into: to.wHidden, oldRows: old, newRows: hiddenSize, blocks: gates, column: sameColumn)
                Self.embed(from.bInput, into: to.bInput, oldRows: old, newRows: hiddenSize, blocks: gates, column: sameColumn)
                Self.embed(from.bHidden, into: to.bHidden, oldRows: old, newRows: hiddenSize, blocks: gates, column: sameColumn)
            }
        }
        // The logits read [forward | backward] of the last layer: one block of rows, all kept.
        Self.embed(output.weight, into: network.output.weight, oldRows: configuration.classes, newRows: configuration.classes, blocks: 1, column: hiddenColumn)
        network.output.bias.values = output.bias.values
        return network
    }

    /// Copies `source` (rows in `blocks` blocks of `oldRows`, then columns) into `target` (blocks of
    /// `newRows`): old row r of block g goes to row g·newRows + r, old column c to `column(c)`. The
    /// target's other columns of old rows become zero (an added unit does not feed an old one); its
    /// added rows keep their fresh values. A vector (a bias) is one column.
    private static func embed(_ source: Parameter<Scalar>, into target: Parameter<Scalar>, oldRows: Int, newRows: Int, blocks: Int,
                              column: (Int) -> Int) {
        let oldColumns = source.shape.count > 1 ? source.shape[1] : 1
        let newColumns = target.shape.count > 1 ? target.shape[1] : 1
        precondition(source.shape[0] == blocks * oldRows && target.shape[0] == blocks * newRows, "AcousticNetwork.widened: \(source.name) has an unexpected shape")
        for block in 0..<blocks {
            for row in 0..<oldRows {
                let from = (block * oldRows + row) * oldColumns, to = (block * newRows + row) * newColumns
                for k in 0..<newColumns { target.values[to + k] = 0 }
                for k in 0..<oldColumns { target.values[to + column(k)] = source.values[from + k] }
            }
        }
    }
}
