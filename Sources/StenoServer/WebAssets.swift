import Foundation
import Hummingbird
import NIOCore

/// The web page's files (the package's `Web/` folder), read once at start-up and served from memory.
struct WebAssets: Sendable {
    /// One file and its content type.
    struct Asset: Sendable {
        var bytes: ByteBuffer
        var contentType: String

        func response() -> Response {
            Response(status: .ok, headers: [.contentType: contentType, .cacheControl: "no-cache"], body: .init(byteBuffer: bytes))
        }
    }

    /// URL path (`/`, `/app.js`, …) to file.
    var files: [String: Asset]

    /// Files served and their content types; `index.html` is also served at `/`.
    static let names: [String: String] = [
        "index.html": "text/html; charset=utf-8",
        "app.js": "text/javascript; charset=utf-8",
        "pcm-worklet.js": "text/javascript; charset=utf-8",
    ]

    /// The folders searched for the files, in order: the resource bundle SwiftPM puts beside any
    /// executable linking this module (`Steno_StenoServer.resources/Web`), then the package's sources.
    /// Unlike `Bundle.module`, a missing bundle is an error to report, never a crash.
    static var folders: [String] {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let beside = executable.deletingLastPathComponent().appendingPathComponent("Steno_StenoServer.resources/Web").path
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Web").path
        return beside == source ? [beside] : [beside, source]
    }

    /// Reads the files.
    /// - Throws: ``WebAssetError`` when one is missing (the resource folder was not copied with the executable).
    static func load() throws -> WebAssets {
        var files: [String: Asset] = [:]
        for (name, type) in names {
            guard let data = folders.lazy.compactMap({ FileManager.default.contents(atPath: $0 + "/" + name) }).first else {
                throw WebAssetError(name: name, searched: folders)
            }
            let asset = Asset(bytes: ByteBuffer(bytes: data), contentType: type)
            files["/" + name] = asset
            if name == "index.html" { files["/"] = asset }
        }
        return WebAssets(files: files)
    }
}

/// A file of the web page is missing: the resource folder was not copied with the executable.
public struct WebAssetError: Error, CustomStringConvertible {
    /// The missing file's name.
    public var name: String
    /// The folders searched.
    public var searched: [String]
    public var description: String {
        "the web page's \(name) was not found (looked in \(searched.joined(separator: " and "))); "
            + "copy the Steno_StenoServer.resources folder beside the executable"
    }
}
