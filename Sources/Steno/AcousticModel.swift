import Foundation
import StenoCTC
import StenoNN

/// Everything about a model except its weights: what goes into a model file's header.
public struct ModelDescription: Codable, Sendable, Equatable {
    /// The output classes (index 0 is the CTC blank).
    public var alphabet: Alphabet
    /// How audio becomes the network's input frames.
    public var features: FeatureOptions
    /// The network's shape.
    public var network: NetworkConfiguration
    /// Global mean and variance of the training features, applied to every input frame.
    public var normalization: NormalizationStatistics?
    /// Where the model came from and how well it did.
    public var provenance: Provenance
    /// How the weights are stored and computed with at inference; `nil` (older files) is float32.
    public var precision: WeightPrecision?

    /// Training data, settings and measured results, for `steno info`.
    public struct Provenance: Codable, Sendable, Equatable {
        /// Manifests trained on.
        public var trainingData: [String] = []
        /// Manifests validated on.
        public var validationData: [String] = []
        /// Epochs and updates run.
        public var epochs = 0, steps = 0
        /// When training finished (ISO 8601).
        public var created = ""
        /// Measured figures, e.g. "valid_cer": 12.3 (percent).
        public var metrics: [String: Double] = [:]
        /// Free text: splits, recipe, licences of the data.
        public var notes = ""
        public init() {}
    }

    public init(alphabet: Alphabet, features: FeatureOptions, network: NetworkConfiguration,
                normalization: NormalizationStatistics? = nil, provenance: Provenance = Provenance()) {
        self.alphabet = alphabet
        self.features = features
        self.network = network
        self.normalization = normalization
        self.provenance = provenance
    }
}

/// An acoustic model: a description plus a network with its weights, ready to score audio.
///
/// Sharing: recognition (``logits(_:)``, ``Recognizer``, ``StreamRecognizer``) only reads the model,
/// so one loaded model may serve many recognizers on many threads. Training writes the weights,
/// gradients and the network's saved activations, and needs the model to itself.
public final class AcousticModel: @unchecked Sendable {
    /// The header: alphabet, features, architecture, normalization, provenance.
    public var description: ModelDescription
    /// The network; its parameters are the model's weights.
    public let network: AcousticNetwork<Float>
    private var frozen: InferenceNetwork?
    private let frozenLock = NSLock()

    /// The network frozen for recognition in the model's precision (built on first use, then
    /// shared by every recognizer of this model). Call ``weightsChanged()`` after changing weights.
    public var inference: InferenceNetwork {
        frozenLock.withLock {
            if let frozen { return frozen }
            let built = InferenceNetwork(network, precision: description.precision ?? .float32)
            frozen = built
            return built
        }
    }

    /// Drops the frozen network, so that recognition uses the network's current weights.
    public func weightsChanged() {
        frozenLock.withLock { frozen = nil }
    }

    /// A model with freshly initialised weights drawn from `seed`.
    public init(_ description: ModelDescription, seed: UInt64) {
        self.description = description
        network = AcousticNetwork(description.network, seed: seed)
    }

    private init(_ description: ModelDescription, network: AcousticNetwork<Float>) {
        self.description = description
        self.network = network
    }

    /// This model with `hiddenSize` units per direction in every recurrent layer, computing the
    /// same outputs (``AcousticNetwork/widened(to:seed:)``; the added units' fresh weights are drawn
    /// from `seed`): a starting point for training a wider model without starting over.
    public func widened(to hiddenSize: Int, seed: UInt64) -> AcousticModel {
        var wider = description
        wider.network.hiddenSize = hiddenSize
        return AcousticModel(wider, network: network.widened(to: hiddenSize, seed: seed))
    }

    /// This model with `extra` more recurrent layers on top, each set up to pass its input through
    /// nearly unchanged (``AcousticNetwork/deepened(by:)``): a starting point for training a deeper
    /// model without starting over. Needs LSTM cells.
    public func deepened(by extra: Int) -> AcousticModel {
        var deeper = description
        deeper.network.layers += extra
        return AcousticModel(deeper, network: network.deepened(by: extra))
    }

    /// Loads a model file, checking that its tensors match its architecture.
    public convenience init(contentsOf path: String) throws {
        let container = try ModelContainer(contentsOf: path)
        try self.init(container: container, name: path)
    }

    /// A model from a decoded container (a model file or a checkpoint).
    public convenience init(container: ModelContainer, name: String) throws {
        let description: ModelDescription
        do {
            description = try container.decodeMetadata(ModelFileHeader.self).model
        } catch {
            throw ModelLoadError(file: name, problem: "the header does not describe a Steno acoustic model (\(error))")
        }
        if let problem = description.network.problem {
            throw ModelLoadError(file: name, problem: "invalid architecture: \(problem)")
        }
        guard description.network.classes == description.alphabet.classCount else {
            throw ModelLoadError(file: name, problem: "the network has \(description.network.classes) outputs but the alphabet \(description.alphabet.classCount) classes")
        }
        guard description.network.inputSize == description.features.dimension else {
            throw ModelLoadError(file: name, problem: "the network takes \(description.network.inputSize) features per frame but the feature options give \(description.features.dimension)")
        }
        self.init(description, seed: 0)
        try loadWeights(from: container, name: name)
    }

    /// Copies weights from `container` into the network; every parameter must be there with its exact shape.
    public func loadWeights(from container: ModelContainer, name: String) throws {
        for parameter in network.parameters {
            guard let tensor = container.tensor(named: parameter.name) else {
                throw ModelLoadError(file: name, problem: "tensor \(parameter.name) is missing")
            }
            guard tensor.shape == parameter.shape else {
                throw ModelLoadError(file: name, problem: "tensor \(parameter.name) has shape \(tensor.shape), the architecture needs \(parameter.shape)")
            }
            guard tensor.values.allSatisfy(\.isFinite) else {
                throw ModelLoadError(file: name, problem: "tensor \(parameter.name) holds NaN or infinite values")
            }
            parameter.values = tensor.values
        }
        weightsChanged()
    }

    /// The weights as named tensors.
    public var weightTensors: [NamedTensor] {
        network.parameters.map { NamedTensor(name: $0.name, shape: $0.shape, values: $0.values) }
    }

    /// Number of weights.
    public var parameterCount: Int { network.parameters.reduce(0) { $0 + $1.count } }

    /// The model file's container: `header` (by default ``ModelFileHeader``) plus the weights, plus
    /// `extraTensors` (a training checkpoint's optimizer state).
    public func container(header: (any Encodable)? = nil, extraTensors: [NamedTensor] = []) throws -> ModelContainer {
        let header: any Encodable = header ?? ModelFileHeader(model: description)
        return try ModelContainer(encoding: header, tensors: weightTensors + extraTensors)
    }

    /// Writes the model to `path` atomically; `float16` halves the size. A model whose precision is
    /// int8 is always written as int8 (its output layer as float32).
    public func write(to path: String, storage: ModelContainer.Storage = .float32) throws {
        if description.precision == .int8 {
            try container().write(to: path, storage: .int8, float32: Set(network.output.parameters.map(\.name)))
        } else {
            try container().write(to: path, storage: storage)
        }
    }

    /// An int8 copy of the model (``WeightPrecision/int8``): its recurrent layers' matrices become
    /// their int8 round trip, and it is written and run in int8.
    public func quantized() -> AcousticModel {
        var header = description
        header.precision = .int8
        let copy = AcousticModel(header, seed: 0)
        let recurrent = Set(network.recurrentLayers.flatMap(\.parameters).map(\.name))
        for (target, source) in zip(copy.network.parameters, network.parameters) {
            target.values = recurrent.contains(source.name) && source.shape.count == 2
                ? QuantizedMatrix.roundTrip(source.values, rows: source.shape[0], columns: source.shape[1]) : source.values
        }
        return copy
    }

    /// The element-wise mean of the weights of `models` (checkpoint averaging: models from one run, or
    /// fine-tuned from one model, often recognize better averaged than any one alone). They must share
    /// alphabet, features, normalization and architecture; `names` (one per model, for errors and the
    /// new model's notes) say which one differs. The result is float32 with the first model's
    /// description, its measured figures dropped.
    public static func averaging(_ models: [AcousticModel], names: [String]) throws(ModelLoadError) -> AcousticModel {
        guard let first = models.first, names.count == models.count else {
            throw ModelLoadError(file: names.first ?? "", problem: "nothing to average")
        }
        for (model, name) in zip(models, names).dropFirst() {
            let (a, b) = (first.description, model.description)
            let difference = a.network != b.network ? "architecture" : a.features != b.features ? "features"
                : a.alphabet != b.alphabet ? "alphabet" : a.normalization != b.normalization ? "feature normalization" : nil
            if let difference { throw ModelLoadError(file: name, problem: "its \(difference) differs from \(names[0])'s; only models of one architecture, trained on the same features, can be averaged") }
        }
        var description = first.description
        description.precision = nil
        description.provenance.metrics = [:]
        description.provenance.notes = "The average of the weights of \(names.joined(separator: ", "))."
        let average = AcousticModel(description, seed: 0)
        for (index, target) in average.network.parameters.enumerated() {
            var sums = [Double](repeating: 0, count: target.values.count)
            for model in models {
                for (i, value) in model.network.parameters[index].values.enumerated() { sums[i] += Double(value) }
            }
            target.values = sums.map { Float($0 / Double(models.count)) }
        }
        return average
    }

    /// Input frames `[frames, inputSize]` after the model's global normalization.
    public func normalized(_ features: FeatureMatrix) -> FeatureMatrix {
        guard let statistics = description.normalization else { return features }
        var copy = features
        copy.normalize(using: statistics)
        return copy
    }

    /// Logits `[outputFrames, classes]` for one utterance's features (already normalized).
    public func logits(_ features: FeatureMatrix) -> (values: [Float], frames: Int) {
        inference.logits(features.values)
    }
}

/// What a model file's metadata holds: the model. (A training checkpoint's header holds the
/// training state too, which StenoTraining reads; here it is ignored.)
public struct ModelFileHeader: Codable, Sendable {
    /// The model's description.
    public var model: ModelDescription

    public init(model: ModelDescription) { self.model = model }
}

/// A model file that is readable but not a usable model.
public struct ModelLoadError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var problem: String
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }
    public var description: String { "\(file): \(problem)" }
}
