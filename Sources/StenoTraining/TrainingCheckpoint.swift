import Steno

/// A checkpoint's header: the model's description plus where training is. A checkpoint is also
/// a model file (``AcousticModel`` reads its weights and ignores the rest).
public struct TrainingCheckpointHeader: Codable, Sendable {
    /// The model's description.
    public var model: ModelDescription
    /// Present in training checkpoints only (nil in model files).
    public var training: TrainingState?

    public init(model: ModelDescription, training: TrainingState?) {
        self.model = model
        self.training = training
    }

    /// The training state in the file at `path`, or nil when it is a model, not a checkpoint.
    public static func trainingState(in container: ModelContainer) throws -> TrainingState? {
        try container.decodeMetadata(TrainingCheckpointHeader.self).training
    }
}

/// Training checkpoints as files.
public enum TrainingCheckpoint {
    /// The checkpoint at `path` without its optimizer moments: weights (float32) and training
    /// state only (and the phone head's weights, if the run has one), a third of the size. `steno train --resume` continues from it with Adam's moments
    /// started afresh; it is what a repository keeps so a long run can go on from a fresh clone.
    public static func weightsOnly(_ path: String) throws -> ModelContainer {
        let container = try ModelContainer(contentsOf: path)
        let header = try container.decodeMetadata(TrainingCheckpointHeader.self)
        guard header.training != nil else {
            throw ModelLoadError(file: path, problem: "is a model file, not a training checkpoint")
        }
        let model = try AcousticModel(container: container, name: path)
        return try model.container(header: header, extraTensors: container.tensors.filter { $0.name.hasPrefix("phones.") })
    }
}
