import Foundation
import Steno
import Testing

@Suite("steno average")
struct AverageCommandTests {
    /// A small model with weights drawn from `seed`.
    func tinyModel(seed: UInt64, hidden: Int = 8) -> AcousticModel {
        let network = NetworkConfiguration(inputSize: 13, classes: Alphabet.english.classCount, stacking: 1, cell: .lstm, layers: 2, hiddenSize: hidden,
                                           chunk: nil, lookahead: 0, dropout: 0)
        return AcousticModel(ModelDescription(alphabet: .english, features: .mfcc(), network: network), seed: seed)
    }

    @Test("The averaged model's weights are the element-wise mean; unlike models, one model or overwriting an input are refused")
    func average() throws {
        let scratch = Scratch()
        let models = [tinyModel(seed: 1), tinyModel(seed: 2), tinyModel(seed: 3)]
        let paths = models.indices.map { scratch.file("m\($0).steno") }
        models[0].description.provenance.metrics["valid_cer"] = 12   // the first model's figures are not the average's
        for (model, path) in zip(models, paths) { try model.write(to: path) }
        let output = scratch.file("average.steno")
        let result = try steno(["average"] + paths + ["--output", output])
        #expect(result.status == 0 && result.stdout.contains("the average of 3 models"), "\(result.stderr)")
        let average = try AcousticModel(contentsOf: output)
        for (index, parameter) in average.network.parameters.enumerated() {
            let sources = models.map { $0.network.parameters[index].values }
            let worst = parameter.values.indices.map { i in abs(parameter.values[i] - (sources[0][i] + sources[1][i] + sources[2][i]) / 3) }.max() ?? 0
            #expect(worst < 1e-6, "\(parameter.name): off by \(worst)")
        }
        #expect(average.description.provenance.metrics.isEmpty)
        #expect(try steno(["info", output]).stdout.contains("The average of the weights of \(paths.joined(separator: ", "))."))

        try tinyModel(seed: 4, hidden: 12).write(to: scratch.file("wide.steno"))
        let unlike = try steno(["average", paths[0], scratch.file("wide.steno"), "--output", scratch.file("x.steno")])
        #expect(unlike.status != 0 && unlike.stderr.contains("\(scratch.file("wide.steno")): its architecture differs from \(paths[0])'s"), "\(unlike.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("x.steno")))
        let one = try steno(["average", paths[0], "--output", scratch.file("x.steno")])
        #expect(one.status != 0 && one.stderr.contains("at least two models"), "\(one.stderr)")
        let before = try Data(contentsOf: URL(fileURLWithPath: paths[1]))
        let over = try steno(["average", paths[0], paths[1], "--output", paths[1]])
        #expect(over.status != 0 && over.stderr.contains("must not be one of the models"), "\(over.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: paths[1])) == before)
        let missing = try steno(["average", paths[0], scratch.file("nothing.steno"), "--output", scratch.file("x.steno")])
        #expect(missing.status != 0 && missing.stderr.contains("nothing.steno"), "\(missing.stderr)")
    }
}
