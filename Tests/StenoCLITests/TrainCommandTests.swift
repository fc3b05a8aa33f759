import Foundation
import Steno
import Testing

/// The repository's `samples/` folder (espeak-ng recordings with a manifest).
let samplesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("samples").path

@Suite("steno train")
struct TrainCommandTests {
    @Test("Overfitting two recorded utterances reaches CER 0: the whole loop works end to end")
    func overfit() throws {
        let scratch = Scratch()
        let manifest = scratch.file("two.tsv")
        try "\(samplesFolder)/hello.wav\thello world this is steno\n\(samplesFolder)/digits.wav\tOne, two, 3, four, five!\n"
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let model = scratch.file("tiny.steno")
        // A small latency-controlled BiLSTM with a high learning rate and no augmentation learns these two
        // utterances by heart in about 110 epochs (measured: CER 0 from epoch 106 with this seed).
        let result = try steno([
            "train", "--train", manifest, "--valid", manifest, "--output", model,
            "--layers", "2", "--hidden", "64", "--stacking", "4", "--chunk", "4", "--lookahead", "2", "--dropout", "0",
            "--batch-size", "2", "--epochs", "140", "--warmup", "0", "--decay", "1", "--learning-rate", "1e-2",
            "--no-spec-augment", "--no-channel-augmentation", "--patience", "140", "--checkpoint-every", "1000",
        ])
        #expect(result.status == 0, "\(result.stderr.suffix(2_000))")
        #expect(result.stdout.contains("valid CER 0.00%, WER 0.00%"), "\(result.stdout)")
        #expect(FileManager.default.fileExists(atPath: model + ".checkpoint"))

        let info = try steno(["info", model])
        #expect(info.status == 0)
        #expect(info.stdout.contains("architecture: 2 × bidirectional LSTM of 64 units per direction"))
        #expect(info.stdout.contains("valid_cer: 0.000"))
        #expect(info.stdout.contains("trained on: \(manifest)"))
        #expect(info.stdout.contains("noise floor 2.0 (16-bit scale)"), "\(info.stdout)")

        // A resumed run keeps the options it was saved with: repeating them is fine (--hidden 64), other
        // values are refused by name and nothing is written.
        let saved = try Data(contentsOf: URL(fileURLWithPath: model))
        let changed = try steno(["train", "--resume", model + ".checkpoint", "--train", manifest, "--valid", manifest, "--output", model,
                                 "--epochs", "150", "--learning-rate", "0.5", "--seed", "3", "--hidden", "64",
                                 "--noise-snr", "5:30", "--noise-white", "0.5"])
        #expect(changed.status != 0, "\(changed.stderr.suffix(2_000))")
        #expect(changed.stderr.contains("so --learning-rate, --seed, --noise-snr, --noise-white cannot change with --resume"), "\(changed.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: model)) == saved)

        // Fine-tuning starts from the trained weights: one more epoch at a tiny rate keeps CER 0, and
        // keeps the model's noise floor unless --noise-floor is given. The initial model's measured figures
        // and notes describe it, not the fine-tuned model, so they are not carried over.
        try "the tiny model".write(toFile: scratch.file("notes.txt"), atomically: true, encoding: .utf8)
        #expect(try steno(["annotate", model, "--metric", "test_wer_fsdd=1.5", "--notes-file", scratch.file("notes.txt")]).status == 0)
        let tuned = try steno([
            "train", "--init", model, "--train", manifest, "--valid", manifest, "--output", scratch.file("tuned.steno"),
            "--batch-size", "2", "--epochs", "1", "--warmup", "0", "--learning-rate", "1e-6", "--no-spec-augment",
        ])
        #expect(tuned.status == 0, "\(tuned.stderr.suffix(2_000))")
        #expect(tuned.stdout.contains("best epoch 1: valid CER 0.00%"), "\(tuned.stdout)")
        let tunedInfo = try steno(["info", scratch.file("tuned.steno")]).stdout
        #expect(tunedInfo.contains("noise floor 2.0 (16-bit scale)"))
        #expect(tunedInfo.contains("Fine-tuned from \(model).") && tunedInfo.contains("valid_cer: 0.000"), "\(tunedInfo)")
        #expect(!tunedInfo.contains("test_wer_fsdd") && !tunedInfo.contains("the tiny model"), "\(tunedInfo)")
        let refloored = try steno([
            "train", "--init", model, "--noise-floor", "0", "--train", manifest, "--valid", manifest,
            "--output", scratch.file("refloored.steno"), "--batch-size", "2", "--epochs", "1", "--warmup", "0",
            "--learning-rate", "1e-6", "--no-spec-augment", "--no-channel-augmentation",
        ])
        #expect(refloored.status == 0, "\(refloored.stderr.suffix(2_000))")
        #expect(refloored.stderr.contains("was trained with noise floor 2.0; fine-tuning with 0.0"), "\(refloored.stderr)")
        #expect(try steno(["info", scratch.file("refloored.steno")]).stdout.contains("no noise floor"))

        // --widen keeps what the model computes: an epoch at a tiny rate from the widened model keeps CER 0.
        let wide = scratch.file("wide.steno")
        let widened = try steno([
            "train", "--init", model, "--widen", "96", "--train", manifest, "--valid", manifest, "--output", wide,
            "--batch-size", "2", "--epochs", "1", "--warmup", "0", "--learning-rate", "1e-6", "--no-spec-augment",
        ])
        #expect(widened.status == 0, "\(widened.stderr.suffix(2_000))")
        #expect(widened.stderr.contains("widening \(model) from 64 to 96 units per direction"), "\(widened.stderr)")
        #expect(widened.stdout.contains("best epoch 1: valid CER 0.00%"), "\(widened.stdout)")
        #expect(try steno(["info", wide]).stdout.contains("architecture: 2 × bidirectional LSTM of 96 units per direction"))
        let narrower = try steno(["train", "--init", model, "--widen", "32", "--train", manifest, "--valid", manifest, "--output", scratch.file("n.steno")])
        #expect(narrower.status != 0 && narrower.stderr.contains("already has 64 units per direction"), "\(narrower.stderr)")

        // --deepen adds layers that pass their input through (nearly: this model's saturated outputs are
        // where the copy is least exact): an epoch at a tiny rate stays far below a fresh layer's ~100%.
        let deep = scratch.file("deep.steno")
        let deepened = try steno([
            "train", "--init", model, "--deepen", "1", "--train", manifest, "--valid", manifest, "--output", deep,
            "--batch-size", "2", "--epochs", "1", "--warmup", "0", "--learning-rate", "1e-6", "--no-spec-augment",
        ])
        #expect(deepened.status == 0, "\(deepened.stderr.suffix(2_000))")
        #expect(deepened.stderr.contains("deepening \(model) from 2 to 3 layers"), "\(deepened.stderr)")
        let deepCER = deepened.stdout.components(separatedBy: "best epoch 1: valid CER ").dropFirst().first
            .flatMap { Double($0.prefix { $0 != "%" }) }
        #expect(deepCER.map { $0 < 15 } ?? false, "\(deepened.stdout)")
        #expect(try steno(["info", deep]).stdout.contains("architecture: 3 × bidirectional LSTM of 64 units per direction"))
    }

    @Test("Bad manifests and options are reported before training", arguments: [
        (["--batch-size", "0"], "--batch-size"),
        (["--speeds", "0.9,fast"], "--speeds"),
        (["--hidden", "0"], "hidden size"),
        (["--epochs", "-1"], "--epochs"),
        (["--vtlp", "1.2:0.8"], "--vtlp"),
        (["--vtlp", "0.9"], "--vtlp"),
        (["--deepen", "1"], "--deepen needs --init"),
        (["--phone-dictionary", "/nonexistent/p.tsv"], "/nonexistent/p.tsv: cannot be read"),
        (["--phone-dictionary", "/nonexistent/p.tsv", "--phone-weight", "0"], "--phone-weight"),
        (["--phone-dictionary", samplesFolder + "/manifest.tsv", "--phone-layer", "9"], "--phone-layer 9"),
        (["--widen", "512"], "--widen needs --init"),
    ])
    func badOptions(options: [String], mention: String) throws {
        let scratch = Scratch()
        let manifest = scratch.file("m.tsv")
        try "\(samplesFolder)/hello.wav\thello\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        let result = try steno(["train", "--train", manifest, "--valid", manifest, "-o", scratch.file("m.steno")] + options)
        #expect(result.status != 0)
        #expect(result.stderr.contains(mention), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("m.steno")))
    }

    @Test("--phone-dictionary trains a phone head beside the characters and logs its loss")
    func phoneHead() throws {
        let scratch = Scratch()
        let manifest = scratch.file("m.tsv")
        try "\(samplesFolder)/hello.wav\thello world this is steno\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        try "hello\th ə l oʊ\nworld\tw ɜː l d\nthis\tð ɪ s\nis\tɪ z\nsteno\ts t ɛ n oʊ\n".write(toFile: scratch.file("p.tsv"), atomically: true, encoding: .utf8)
        let result = try steno([
            "train", "--train", manifest, "--valid", manifest, "-o", scratch.file("m.steno"), "--layers", "2", "--hidden", "16",
            "--epochs", "2", "--phone-dictionary", scratch.file("p.tsv"), "--phone-layer", "1", "--no-channel-augmentation",
        ])
        #expect(result.status == 0, "\(result.stderr.suffix(2_000))")
        #expect(result.stderr.contains("phone head on layer 1 (weight 0.3): 14 phones, 5 words; 1 of 1 training utterances have a pronunciation"), "\(result.stderr)")
        #expect(result.stderr.contains("; phone loss "), "\(result.stderr)")
        #expect(try ModelContainer(contentsOf: scratch.file("m.steno")).tensor(named: "phones.weight") == nil)
    }

    @Test("--keep-epochs writes every epoch's model with its own validation figures; steno average combines them")
    func keepEpochs() throws {
        let scratch = Scratch()
        let manifest = scratch.file("m.tsv")
        try "\(samplesFolder)/hello.wav\thello world this is steno\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        let folder = scratch.file("epochs")
        let result = try steno([
            "train", "--train", manifest, "--valid", manifest, "-o", scratch.file("m.steno"), "--layers", "1", "--hidden", "16",
            "--epochs", "2", "--no-channel-augmentation", "--learning-rate", "1e-2", "--keep-epochs", folder,
        ])
        #expect(result.status == 0, "\(result.stderr.suffix(2_000))")
        let losses = try [1, 2].map { epoch in
            let model = try AcousticModel(contentsOf: folder + "/epoch-\(epoch).steno")
            #expect(model.description.provenance.epochs == epoch)
            return try #require(model.description.provenance.metrics["valid_loss"])
        }
        // Each card holds its own epoch's figure, as the log printed it.
        for (epoch, loss) in zip([1, 2], losses) { #expect(result.stderr.contains(String(format: "epoch %d: train loss", epoch)) && result.stderr.contains(String(format: "valid loss %.3f", loss)), "\(loss)") }
        #expect(losses[0] != losses[1])
        let average = try steno(["average", folder + "/epoch-1.steno", folder + "/epoch-2.steno", "-o", scratch.file("average.steno")])
        #expect(average.status == 0, "\(average.stderr)")
    }

    @Test("--matrix-precision bfloat16 trains on a CPU with AVX512_BF16 and is refused, by name, elsewhere")
    func bfloat16Option() throws {
        let scratch = Scratch()
        let manifest = scratch.file("m.tsv")
        try "\(samplesFolder)/hello.wav\thello world this is steno\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        let model = scratch.file("m.steno")
        let result = try steno([
            "train", "--train", manifest, "--valid", manifest, "-o", model, "--layers", "2", "--hidden", "16",
            "--epochs", "1", "--no-channel-augmentation", "--matrix-precision", "bfloat16",
        ])
        if MatrixPrecision.bfloat16InHardware {
            #expect(result.status == 0, "\(result.stderr.suffix(2_000))")
            #expect(result.stderr.contains("worker(s), bfloat16 products"), "\(result.stderr)")
            // The run's precision is saved with it: resuming (for one more epoch) keeps it.
            let resumed = try steno(["train", "--resume", model + ".checkpoint", "--train", manifest, "--valid", manifest, "-o", model, "--epochs", "2"])
            #expect(resumed.status == 0 && resumed.stderr.contains("bfloat16 products"), "\(resumed.stderr.suffix(2_000))")
        } else {
            #expect(result.status != 0 && result.stderr.contains("no AVX512_BF16"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: model))
        }
        let bad = try steno(["train", "--train", manifest, "--valid", manifest, "-o", model, "--matrix-precision", "float8"])
        #expect(bad.status != 0 && bad.stderr.contains("--matrix-precision"), "\(bad.stderr)")
    }

    @Test("A manifest line without a transcript column names the file and line")
    func malformedManifest() throws {
        let scratch = Scratch()
        let manifest = scratch.file("broken.tsv")
        try "# comment\n\(samplesFolder)/hello.wav\thello\njust-a-path.wav\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        let result = try steno(["train", "--train", manifest, "--valid", manifest, "-o", scratch.file("m.steno")])
        #expect(result.status != 0)
        #expect(result.stderr.contains("broken.tsv:3"), "\(result.stderr)")
    }

    @Test("Missing audio is reported and counted; with nothing usable, training refuses to start")
    func missingAudio() throws {
        let scratch = Scratch()
        let manifest = scratch.file("missing.tsv")
        try "gone.wav\thello\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        let result = try steno(["train", "--train", manifest, "--valid", manifest, "-o", scratch.file("m.steno")])
        #expect(result.status != 0)
        #expect(result.stderr.contains("gone.wav: no such file"), "\(result.stderr)")
        #expect(result.stderr.contains("no usable training utterances"))
    }
}
