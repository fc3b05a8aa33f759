// swift-tools-version: 5.4
// libFuzzer targets for Steno's parsers of untrusted bytes. A package of its own, so the
// library and `swift test` at the repository root never build or depend on it.
// Build and run them with `tools/fuzz.sh` (see README.md here).
//
// Tools version 5.4: from 5.5 on, SwiftPM renames an executable's entry point to <Target>_main and
// links `main` to it; these executables have no entry point of their own, libFuzzer provides `main`.
import PackageDescription

let package = Package(
    name: "StenoFuzz",
    dependencies: [.package(name: "Steno", path: "..")],
    targets: [
        // What the targets share: `show`, which prints what an input gave when FUZZ_SHOW is set.
        .target(name: "FuzzSupport"),
        // Model files: ModelContainer(data:name:).
        .executableTarget(name: "FuzzModel", dependencies: ["FuzzSupport", .product(name: "Steno", package: "Steno")]),
        // ARPA language models: NGramLanguageModel(arpa:name:), then a few scores.
        .executableTarget(name: "FuzzARPA", dependencies: ["FuzzSupport", .product(name: "Steno", package: "Steno")]),
        // Binary language models: NGramLanguageModel(arpa:name:) on `steno lm compile` output, then scores.
        .executableTarget(name: "FuzzBinaryLM", dependencies: ["FuzzSupport", .product(name: "Steno", package: "Steno")]),
        // Manifests (TSV and JSON lines): Manifest.load on a temporary file.
        .executableTarget(name: "FuzzManifest", dependencies: ["FuzzSupport", .product(name: "Steno", package: "Steno")]),
        // Live PCM/WAV streams: PCMStreamDecoder, whole and in pieces, which must agree.
        .executableTarget(name: "FuzzPCM", dependencies: ["FuzzSupport", .product(name: "Steno", package: "Steno")]),
        // Audio files of any format libsndfile reads: AudioDecoder.decode from memory, to 16 kHz mono.
        .executableTarget(name: "FuzzAudioFile", dependencies: ["FuzzSupport", .product(name: "Steno", package: "Steno")]),
    ]
)
