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

    /// Reads the files from the module's resources.
    /// - Throws: ``WebAssetError`` when one is missing (a broken installation).
    static func load() throws -> WebAssets {
        var files: [String: Asset] = [:]
        for (name, type) in names {
            guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Web"),
                  let data = try? Data(contentsOf: url) else {
                throw WebAssetError(name: name)
            }
            let asset = Asset(bytes: ByteBuffer(bytes: data), contentType: type)
            files["/" + name] = asset
            if name == "index.html" { files["/"] = asset }
        }
        return WebAssets(files: files)
    }
}

/// A file of the web page is missing from the installation.
public struct WebAssetError: Error, CustomStringConvertible {
    /// The missing file's name.
    public var name: String
    public var description: String {
        "the web page's \(name) is missing from the StenoServer resources (Steno_StenoServer.resources beside the executable); reinstall steno"
    }
}
