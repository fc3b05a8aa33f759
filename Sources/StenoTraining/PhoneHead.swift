import StenoNN

/// An auxiliary phone-level CTC loss on a lower recurrent layer (multi-task learning, as in Toshniwal
/// et al. 2017, "Multitask learning with low-level auxiliary tasks"): the layer's output also feeds a
/// linear layer over phones, whose CTC loss against the transcript's pronunciation, times `weight`,
/// is added to the character loss. Training only: models written by the trainer do not contain it.
public struct PhoneTargetOptions: Codable, Sendable, Equatable {
    /// The pronunciation dictionary (``PronunciationDictionary``) that gives each transcript's phones.
    public var dictionary: String
    /// The recurrent layer (from 1) whose output the phone head reads.
    public var layer: Int
    /// The phone loss's weight against the character loss.
    public var weight: Double

    public init(dictionary: String, layer: Int = 1, weight: Double = 0.3) {
        self.dictionary = dictionary
        self.layer = layer
        self.weight = weight
    }

    /// What is wrong, if anything (the layer is checked against the network by the trainer).
    public var problem: String? {
        if layer < 1 { return "--phone-layer must be at least 1" }
        if !(weight > 0 && weight <= 10) { return "--phone-weight must be in (0, 10]" }
        return nil
    }
}

/// The phone head: a linear layer from a recurrent layer's output `[T'·B, 2H]` to phone logits
/// `[T'·B, phones + 1]` (class 0 the CTC blank), with its options. Its parameters are named `phones.*`.
public final class PhoneHead {
    public let options: PhoneTargetOptions
    public let linear: Linear<Float>

    /// A head with fresh weights drawn from `seed`, reading `inputSize` values per frame.
    public init(options: PhoneTargetOptions, inputSize: Int, classes: Int, seed: UInt64) {
        self.options = options
        var random = SplitMix64(seed: seed ^ 0x0F0E_5AB1_E5EE_D000)
        linear = Linear(inputSize: inputSize, outputSize: classes, name: "phones", random: &random)
    }

    /// Output classes: the phones and the blank.
    public var classes: Int { linear.outputSize }
    public var parameters: [Parameter<Float>] { linear.parameters }

    /// A head of the same shape (weights to be copied in).
    func replica() -> PhoneHead {
        PhoneHead(options: options, inputSize: linear.inputSize, classes: classes, seed: 0)
    }
}

/// A phone target the network cannot take.
public struct PhoneTargetError: Error, CustomStringConvertible, Sendable, Equatable {
    public var problem: String
    public var description: String { problem }
}
