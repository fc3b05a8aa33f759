import Foundation
import Steno
import StenoTraining
import Testing

@Suite("steno annotate")
struct AnnotateCommandTests {
    @Test("Notes, data and metrics go into the header, shown by info; the weights stay exactly as they were")
    func annotate() throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        try "Trained on tones.\nSplits: none.\n".write(toFile: scratch.file("notes.txt"), atomically: true, encoding: .utf8)
        let result = try steno(["annotate", model, "--notes-file", scratch.file("notes.txt"), "--metric", "test_wer=12.5",
                                "--training-data", "tones", "--output", scratch.file("annotated.steno")])
        #expect(result.status == 0, "\(result.stderr)")
        let before = try AcousticModel(contentsOf: model), after = try AcousticModel(contentsOf: scratch.file("annotated.steno"))
        #expect(after.weightTensors == before.weightTensors)  // float32 in, float32 out: no rounding to float16
        #expect(after.description.provenance.metrics["test_wer"] == 12.5)
        let info = try steno(["info", scratch.file("annotated.steno")])
        #expect(info.stdout.contains("trained on: tones") && info.stdout.contains("test_wer: 12.500"), "\(info.stdout)")
        #expect(info.stdout.contains("notes:\n  Trained on tones.\n  Splits: none."), "\(info.stdout)")
    }

    @Test("Bad input leaves the model untouched", arguments: [
        (["--metric", "wer"], "--metric must look like NAME=VALUE"),
        (["--metric", "wer=abc"], "--metric must look like NAME=VALUE"),
        (["--notes-file", "/nonexistent/notes.txt"], "/nonexistent/notes.txt: cannot be read (no such file)"),
    ])
    func badInput(arguments: [String], message: String) throws {
        let scratch = Scratch()
        let model = try tinyModel(in: scratch)
        let original = try Data(contentsOf: URL(fileURLWithPath: model))
        let result = try steno(["annotate", model] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == original)
    }

    @Test("A training checkpoint is refused: rewriting it would drop the training state")
    func checkpoint() throws {
        let scratch = Scratch()
        let model = try AcousticModel(contentsOf: try tinyModel(in: scratch))
        try model.container(header: TrainingCheckpointHeader(model: model.description, training: TrainingState(options: TrainingOptions()))).write(to: scratch.file("run.checkpoint"))
        let original = try Data(contentsOf: URL(fileURLWithPath: scratch.file("run.checkpoint")))
        let result = try steno(["annotate", scratch.file("run.checkpoint"), "--metric", "x=1"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("is a training checkpoint"), "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.file("run.checkpoint"))) == original)
    }
}
