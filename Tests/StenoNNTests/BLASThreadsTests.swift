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
