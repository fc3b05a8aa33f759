import Foundation
import Testing
import StenoNN

@Suite("BLASThreads")
struct BLASThreadsTests {
    @Test("set then current round-trips")
    func roundTrip() async {
        // The thread count is process-wide, and other tests run BLAS concurrently, so the
        // change happens in a child process (an exit test) and never touches this one.
        let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
            BLASThreads.set(1)
            let one = BLASThreads.current
            BLASThreads.set(2)
            let two = BLASThreads.current
            BLASThreads.set(1)
            print(one, two, BLASThreads.current, terminator: "")
        }
        #expect(String(decoding: result?.standardOutputContent ?? [], as: UTF8.self) == "1 2 1")
    }
}

@Suite("BLASKernel")
struct BLASKernelTests {
    @Test("The kernel has a name, and a kernel named in OPENBLAS_CORETYPE is never second-guessed")
    func kernel() async {
        #expect(!BLASKernel.name.isEmpty && BLASKernel.name != "unknown")
        // The test runner may itself run with OPENBLAS_CORETYPE set; check the rule in a child process.
        await #expect(processExitsWith: .success) {
            setenv("OPENBLAS_CORETYPE", "Prescott", 1)
            if BLASKernel.suggestedCoreType != nil { exit(1) }
        }
    }

    @Test("When OpenBLAS picked a generic kernel, the suggestion is one the CPU's flags allow")
    func suggestion() throws {
        guard let suggested = BLASKernel.suggestedCoreType else { return }  // the kernel in use is already specific
        let flags = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        #expect(["SkylakeX", "Haswell"].contains(suggested))
        #expect(flags.contains(suggested == "SkylakeX" ? "avx512f" : "avx2"))
    }
}
