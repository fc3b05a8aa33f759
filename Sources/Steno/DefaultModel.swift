import Foundation

/// The English acoustic model and word language model that ship inside the package (the `Steno`
/// target's resources, `Resources/default.steno` and `Resources/default.arpa`), so recognition works
/// with no files of one's own.
///
/// The files are looked for, in order:
/// 1. in the resource bundle beside the running executable (`Steno_Steno.resources`, where SwiftPM
///    puts it when it builds any executable that links Steno, so a built binary runs from its build
///    folder or wherever the folder is copied with it);
/// 2. in the package's source folder, at the path this file was compiled from.
///
/// Unlike `Bundle.module`, a missing bundle is an error to report (``DefaultModelError``), never a crash.
///
/// ```swift
/// var options = RecognizerOptions(beamWidth: 16)
/// options.languageModel = try DefaultModel.loadLanguageModel()
/// let recognizer = Recognizer(model: try DefaultModel.load(), options: options)
/// ```
public enum DefaultModel {
    /// The acoustic model's file name among the resources.
    public static let modelFileName = "default.steno"
    /// The language model's file name among the resources.
    public static let languageModelFileName = "default.arpa"

    /// The bundled acoustic model's path, or nil when it cannot be found.
    public static var modelPath: String? { locate(modelFileName) }

    /// The bundled language model's path, or nil when it cannot be found.
    public static var languageModelPath: String? { locate(languageModelFileName) }

    /// Loads the bundled acoustic model.
    /// - Throws: ``DefaultModelError`` when it is not found; ``ModelLoadError`` when it is damaged.
    public static func load() throws -> AcousticModel {
        try AcousticModel(contentsOf: requireModelPath())
    }

    /// The bundled acoustic model's path.
    /// - Throws: ``DefaultModelError`` when it is not found.
    public static func requireModelPath() throws(DefaultModelError) -> String {
        guard let path = modelPath else { throw DefaultModelError(file: modelFileName, searched: folders) }
        return path
    }

    /// Loads the bundled language model.
    /// - Throws: ``DefaultModelError`` when it is not found; `LanguageModelError` when it is damaged.
    public static func loadLanguageModel() throws -> NGramLanguageModel {
        guard let path = languageModelPath else { throw DefaultModelError(file: languageModelFileName, searched: folders) }
        return try NGramLanguageModel(contentsOf: path)
    }

    /// The folders searched, in order.
    public static var folders: [String] {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let beside = executable.deletingLastPathComponent().appendingPathComponent("Steno_Steno.resources/Resources").path
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources").path
        return beside == source ? [beside] : [beside, source]
    }

    private static func locate(_ name: String) -> String? {
        folders.map { $0 + "/" + name }.first { FileManager.default.isReadableFile(atPath: $0) }
    }
}

/// The bundled model could not be found: the resource bundle was not copied with the executable.
public struct DefaultModelError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The resource looked for.
    public var file: String
    /// The folders searched.
    public var searched: [String]

    /// The resource `file` was not in any of the `searched` folders.
    public init(file: String, searched: [String]) {
        self.file = file
        self.searched = searched
    }

    public var description: String {
        "the bundled model file \(file) was not found (looked in \(searched.joined(separator: " and "))); "
            + "copy the Steno_Steno.resources folder beside the executable, or pass --model FILE"
    }
}
