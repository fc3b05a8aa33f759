import Foundation
import Testing
@testable import StenoNN

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

    @Test("A generic kernel gets the best one the CPU's flags allow; a specific kernel or a set OPENBLAS_CORETYPE stays")
    func suggestion() {
        let avx512: Set = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]
        let avx2: Set = ["sse3", "avx", "avx2", "fma"]
        #expect(BLASKernel.suggestion(kernel: "Prescott", cpuFlags: avx512, coreTypeSetting: nil) == "SkylakeX")
        #expect(BLASKernel.suggestion(kernel: "Nehalem", cpuFlags: avx2, coreTypeSetting: nil) == "Haswell")
        #expect(BLASKernel.suggestion(kernel: "Prescott", cpuFlags: avx2.subtracting(["fma"]), coreTypeSetting: nil) == nil)
        #expect(BLASKernel.suggestion(kernel: "Prescott", cpuFlags: avx512.subtracting(["avx512bw"]), coreTypeSetting: nil) == "Haswell")
        #expect(BLASKernel.suggestion(kernel: "Haswell", cpuFlags: avx512, coreTypeSetting: nil) == nil)
        #expect(BLASKernel.suggestion(kernel: "Prescott", cpuFlags: avx512, coreTypeSetting: "Prescott") == nil)
        #expect(BLASKernel.suggestion(kernel: "Prescott", cpuFlags: [], coreTypeSetting: nil) == nil)
    }

    @Test("On this machine, any suggestion is one /proc/cpuinfo allows")
    func suggestionHere() throws {
        guard let suggested = BLASKernel.suggestedCoreType else { return }  // nothing suggested: nothing to check
        let flags = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        #expect(flags.contains(suggested == "SkylakeX" ? "avx512f" : "avx2"))
    }
}
