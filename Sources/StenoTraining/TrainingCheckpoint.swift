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
