// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Steno",
    products: [
        .library(name: "Steno", targets: ["Steno"]),
        .executable(name: "steno", targets: ["StenoCLI"]),
        .executable(name: "steno-bench", targets: ["StenoBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Audio in: decode with libsndfile, mix to mono, resample with libsamplerate.
        .target(name: "StenoAudio", dependencies: ["CSndfile", "CSamplerate"]),
        // Frames, windows, FFT (FFTW), mel filterbank, log-mel, MFCC, normalization.
        .target(name: "StenoFeatures", dependencies: ["CFFTW"]),
        // Matrices over BLAS and network layers.
        .target(name: "StenoNN", dependencies: ["COpenBLAS"]),
        // Word language models: ARPA and binary n-gram files, Kneser-Ney estimation.
        .target(name: "StenoLM"),
        // CTC loss and gradient, greedy and prefix beam search.
        .target(name: "StenoCTC", dependencies: ["StenoNN", "StenoLM"]),
        // The library's face; ships the default English model and language model as resources.
        .target(
            name: "Steno",
            dependencies: ["StenoAudio", "StenoFeatures", "StenoNN", "StenoLM", "StenoCTC"],
            resources: [.copy("Resources")]
        ),
        // The command-line tool.
        .executableTarget(
            name: "StenoCLI",
            dependencies: ["Steno", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Throughput benchmarks; run on a release build (`swift run -c release steno-bench`).
        .executableTarget(name: "StenoBench", dependencies: ["Steno"]),

        .testTarget(name: "StenoAudioTests", dependencies: ["StenoAudio"]),
        .testTarget(
            name: "StenoFeaturesTests",
            dependencies: ["StenoFeatures"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "StenoNNTests", dependencies: ["StenoNN"]),
        .testTarget(name: "StenoLMTests", dependencies: ["StenoLM", "StenoNN"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StenoCTCTests", dependencies: ["StenoCTC", "StenoLM"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StenoTests", dependencies: ["Steno"], resources: [.copy("Fixtures")]),
        .testTarget(name: "StenoCLITests", dependencies: ["StenoCLI", "Steno"]),

        // MARK: - Implementation details
        // Module maps over the system C libraries; no stable API of their own.
        .systemLibrary(name: "CSndfile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CSamplerate", pkgConfig: "samplerate", providers: [.apt(["libsamplerate0-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    ]
)
