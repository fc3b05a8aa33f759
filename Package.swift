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
        // `steno serve` (StenoServer): HTTP and WebSocket server; its tests drive SwiftNIO's WebSocket client.
        // Hummingbird's default traits (swift-configuration support, full Foundation) are not needed.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // Audio in: decode with libsndfile, mix to mono, resample with libsamplerate.
        .target(name: "StenoAudio", dependencies: ["CSndfile", "CSamplerate"]),
        // Frames, windows, FFT (FFTW), mel filterbank, log-mel, MFCC, normalization.
        .target(name: "StenoFeatures", dependencies: ["CFFTW"]),
        // Matrices over BLAS and network layers; fast inference over Steno's own kernels.
        .target(name: "StenoNN", dependencies: ["COpenBLAS", "CStenoKernels"]),
        // Steno's inference kernels in C (AVX2 + FMA, chosen at run time, and portable C).
        .target(name: "CStenoKernels"),
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
        // Training: corpora, waveform augmentation, data-parallel workers, the trainer.
        .target(name: "StenoTraining", dependencies: ["Steno"]),
        // Training over many machines: the ranks of an MPI job as a training group (only the tool links MPI).
        .target(name: "StenoMPI", dependencies: ["StenoTraining", "CMPI"]),
        // The speech server behind `steno serve`: Vosk's WebSocket protocol, POST /transcribe and a web
        // page (Web/ is served as it is). Kept apart so the library does not depend on Hummingbird.
        .target(
            name: "StenoServer",
            dependencies: [
                "Steno",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Web")]
        ),
        // The command-line tool.
        .executableTarget(
            name: "StenoCLI",
            dependencies: ["Steno", "StenoTraining", "StenoMPI", "StenoServer", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Throughput benchmarks; run on a release build (`swift run -c release steno-bench`).
        .executableTarget(name: "StenoBench", dependencies: ["Steno", "StenoTraining"]),

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
        .testTarget(name: "StenoTrainingTests", dependencies: ["StenoTraining"]),
                .testTarget(name: "StenoCLITests", dependencies: ["StenoCLI", "Steno", "StenoTraining"]),
        .testTarget(
            name: "StenoServerTests",
            dependencies: [
                "StenoServer",
                "Steno",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),

        // MARK: - Implementation details
        // Module maps over the system C libraries; no stable API of their own.
        .systemLibrary(name: "CSndfile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CSamplerate", pkgConfig: "samplerate", providers: [.apt(["libsamplerate0-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
    ]
)
