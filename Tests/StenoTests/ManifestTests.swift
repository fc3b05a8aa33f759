import Foundation
import Steno
import Testing

@Suite("Manifests")
struct ManifestTests {
    private func write(_ text: String, _ name: String, in folder: TemporaryFolder) -> String {
        folder.write(Array(text.utf8), to: name)
    }

    private func expectError(_ path: String, line: Int?, _ problem: ManifestError.Problem, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: ManifestError.self, sourceLocation: sourceLocation) { try Manifest.load(path) }
        #expect(error == ManifestError(file: path, line: line, problem: problem), sourceLocation: sourceLocation)
        let place = line.map { "\(path):\($0): " } ?? "\(path): "
        #expect(error?.description.hasPrefix(place) == true, "\(String(describing: error))", sourceLocation: sourceLocation)
    }

    @Test("TSV: relative paths resolve against the manifest's folder; comments, blanks, CRLF and extra columns")
    func tsv() throws {
        let folder = TemporaryFolder()
        let text = "\u{FEFF}# audio\ttranscript\n\na.wav\tHello, World!\r\n/abs/b.flac\tsecond one\t2.5\tspeaker7\n  \nsub/c.wav\t\n"
        let path = write(text, "train.tsv", in: folder)
        let manifest = try Manifest.load(path)
        #expect(manifest.path == path)
        #expect(manifest.entries == [
            ManifestEntry(audioPath: folder.file("a.wav"), transcript: "Hello, World!", line: 3),
            ManifestEntry(audioPath: "/abs/b.flac", transcript: "second one", line: 4),
            ManifestEntry(audioPath: folder.file("sub/c.wav"), transcript: "", line: 6),
        ])
    }

    @Test("A manifest named relative to the current directory gives paths relative to it")
    func relativeManifest() throws {
        let folder = TemporaryFolder()
        _ = write("x.wav\thi\n", "m.tsv", in: folder)
        // The same folder, named relative to the current directory (no chdir: tests run in parallel).
        let depth = FileManager.default.currentDirectoryPath.split(separator: "/").count
        let relative = String(repeating: "../", count: depth) + folder.path.drop { $0 == "/" }
        #expect(!relative.hasPrefix("/"))
        #expect(try Manifest.load(relative + "/m.tsv").entries[0].audioPath == relative + "/x.wav")
    }

    @Test("JSON lines by extension or by a leading brace")
    func jsonLines() throws {
        let folder = TemporaryFolder()
        let text = """
            {"audio_filepath": "a.wav", "text": "hello there", "duration": 1.25}
            # a comment
            {"audio_filepath": "/data/b.wav", "text": "", "duration": null, "lang": "en"}

            {"text": "no duration", "audio_filepath": "c.wav"}
            """
        for name in ["m.json", "m.jsonl", "m.txt"] {
            let manifest = try Manifest.load(write(text, name, in: folder))
            #expect(manifest.entries == [
                ManifestEntry(audioPath: folder.file("a.wav"), transcript: "hello there", duration: 1.25, line: 1),
                ManifestEntry(audioPath: "/data/b.wav", transcript: "", line: 3),
                ManifestEntry(audioPath: folder.file("c.wav"), transcript: "no duration", line: 5),
            ], "\(name)")
        }
    }

    @Test("TSV errors name the file and line")
    func tsvErrors() {
        let folder = TemporaryFolder()
        expectError(write("a.wav\tok\nb.wav no tab\n", "m.tsv", in: folder), line: 2, .missingTab)
        expectError(write("\tno path\n", "m.tsv", in: folder), line: 1, .emptyPath)
        expectError(write("# only comments\n\n", "m.tsv", in: folder), line: nil, .noEntries)
        expectError(write("", "m.tsv", in: folder), line: nil, .noEntries)
        expectError(folder.file("missing.tsv"), line: nil, .unreadable("no such file"))
        expectError(folder.path, line: nil, .unreadable("is a directory"))
    }

    @Test("Invalid UTF-8 is reported with its line and byte")
    func notUTF8() {
        let folder = TemporaryFolder()
        let bytes = Array("a.wav\tfine\nb.wav\tcaf".utf8) + [0xE9] + Array(" au lait\n".utf8)
        let path = folder.write(bytes, to: "latin1.tsv")
        expectError(path, line: 2, .notUTF8(column: 10))
    }

    @Test("JSON line errors name the file and line")
    func jsonErrors() {
        let folder = TemporaryFolder()
        let good = #"{"audio_filepath": "a.wav", "text": "hi"}"#
        expectError(write(good + "\n{\"audio_filepath\": \"a.wav\", \"text\": \n", "m.jsonl", in: folder), line: 2, .badJSON)
        expectError(write("[1, 2]\n", "m.jsonl", in: folder), line: 1, .notAnObject)
        expectError(write(good + "\n" + #"{"text": "hi"}"#, "m.jsonl", in: folder), line: 2, .missingKey("audio_filepath"))
        expectError(write(#"{"audio_filepath": "a.wav"}"#, "m.jsonl", in: folder), line: 1, .missingKey("text"))
        expectError(write(#"{"audio_filepath": 3, "text": "x"}"#, "m.jsonl", in: folder), line: 1, .wrongType(key: "audio_filepath", expected: "a string"))
        expectError(write(#"{"audio_filepath": "a.wav", "text": ["x"]}"#, "m.jsonl", in: folder), line: 1, .wrongType(key: "text", expected: "a string"))
        expectError(write(#"{"audio_filepath": "a.wav", "text": "x", "duration": "long"}"#, "m.jsonl", in: folder), line: 1,
                    .wrongType(key: "duration", expected: "a number of seconds ≥ 0"))
        expectError(write(#"{"audio_filepath": "", "text": "x"}"#, "m.jsonl", in: folder), line: 1, .emptyPath)
    }

    @Test("missingAudio lists entries whose file is absent, in order")
    func missingAudio() throws {
        let folder = TemporaryFolder()
        _ = folder.write([1, 2, 3], to: "here.wav")
        try FileManager.default.createDirectory(atPath: folder.file("dir.wav"), withIntermediateDirectories: true)
        let manifest = try Manifest.load(write("here.wav\ta\ngone.wav\tb\ndir.wav\tc\n", "m.tsv", in: folder))
        #expect(manifest.missingAudio().map(\.line) == [2, 3])
    }
}
