import Foundation
import Steno
import Testing

@Suite("Text files")
struct TextFileTests {
    @Test("Lines come without LF or CR LF, without a byte order mark, and a final line end adds no line")
    func lines() throws {
        let folder = TemporaryFolder()
        let path = folder.write(Array("\u{FEFF}first\r\nsecond\n\n  third, café\n".utf8), to: "a.txt")
        #expect(try TextFile.lines(of: path) == ["first", "second", "", "  third, café"])
        let unterminated = folder.write(Array("one\ntwo".utf8), to: "b.txt")
        #expect(try TextFile.lines(of: unterminated) == ["one", "two"])
        #expect(try TextFile.lines(of: folder.write([], to: "empty.txt")) == [])
        // Only a leading mark is dropped; a CR inside a line stays.
        let inside = folder.write(Array("a\u{FEFF}b\rc\n".utf8), to: "c.txt")
        #expect(try TextFile.lines(of: inside) == ["a\u{FEFF}b\rc"])
    }

    @Test("Bytes that are not UTF-8 are reported with their line and byte column")
    func notUTF8() {
        let folder = TemporaryFolder()
        let path = folder.write(Array("fine\nstill fine\nna".utf8) + [0xEF, 0xF6] + Array("ve\n".utf8), to: "latin.txt")
        let error = #expect(throws: TextFileError.self) { try TextFile.lines(of: path) }
        #expect(error == TextFileError(file: path, line: 3, problem: .notUTF8(column: 3)))
        #expect(error?.description == "\(path):3: not UTF-8 (invalid bytes at byte 3 of the line; re-save the file as UTF-8)")
    }

    @Test("A missing file, a folder and an unreadable file are named with the reason")
    func unreadable() throws {
        let folder = TemporaryFolder()
        #expect(throws: TextFileError(file: folder.file("gone.txt"), line: nil, problem: .unreadable("no such file"))) {
            try TextFile.lines(of: folder.file("gone.txt"))
        }
        let error = #expect(throws: TextFileError.self) { try TextFile.lines(of: folder.path) }
        #expect(error?.description == "\(folder.path): cannot be read (is a directory)")
        if geteuid() != 0 {  // root reads every file
            let locked = folder.write(Array("secret\n".utf8), to: "locked.txt")
            chmod(locked, 0)
            defer { chmod(locked, 0o644) }
            #expect(throws: TextFileError(file: locked, line: nil, problem: .unreadable("Permission denied"))) { try TextFile.lines(of: locked) }
        }
    }
}
