// The only file that knows FFTW. Everything else sees `RealFFT`, which speaks Swift.

import CFFTW
import Synchronization

/// A real-to-complex FFT of one size, over FFTW single precision (`fftwf_plan_dft_r2c_1d`).
///
/// Each instance owns an input buffer of `size` floats and an output buffer of `size / 2 + 1`
/// complex values, both from `fftwf_malloc`, and uses the process-wide plan for its size.
/// Not thread-safe itself (one per extractor); different instances may run on different threads,
/// since `fftwf_execute_dft_r2c` is the one thread-safe FFTW call.
final class RealFFT {
    /// Transform length in samples.
    let size: Int
    private let plan: Plan
    private let input: UnsafeMutablePointer<Float>
    private let output: UnsafeMutablePointer<fftwf_complex>

    /// Creates a transform of `size` samples (`size ≥ 1`); the input starts zeroed.
    init(size: Int) {
        precondition(size >= 1, "FFT size must be positive")
        self.size = size
        (plan, input, output) = FFTW.state.withLock { state in
            let input = FFTW.allocate(Float.self, count: size)
            let output = FFTW.allocate(fftwf_complex.self, count: size / 2 + 1)
            let plan = state.plan(size: size)
            return (plan, input, output)
        }
        input.initialize(repeating: 0, count: size)
    }

    deinit {
        FFTW.state.withLock { _ in
            fftwf_free(input)
            fftwf_free(output)
        }
    }

    /// Gives `body` the `size` input samples to fill; they keep their values between calls.
    @inline(__always)
    func withInput<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: input, count: size))
    }

    /// Transforms the input, then writes the power spectrum `|X[k]|²`, k = 0 ... size/2,
    /// into the first `size / 2 + 1` elements of `power`.
    func powerSpectrum(into power: UnsafeMutableBufferPointer<Float>) {
        precondition(power.count >= size / 2 + 1)
        fftwf_execute_dft_r2c(plan.raw, input, output)
        let bins = size / 2 + 1
        UnsafeMutableRawPointer(output).withMemoryRebound(to: Float.self, capacity: 2 * bins) { complex in
            for k in 0..<bins {
                let re = complex[2 * k], im = complex[2 * k + 1]
                power[k] = re * re + im * im
            }
        }
    }
}

// MARK: - Implementation details

/// An FFTW plan; plans are immutable once made and `fftwf_execute_dft_r2c` may run them concurrently.
private struct Plan: @unchecked Sendable {
    let raw: OpaquePointer
}

/// The process-wide FFTW state: one plan per size, made once and never destroyed.
/// FFTW's planner (and, strictly, its allocator) is not thread-safe, so all of it runs under one lock.
private enum FFTW {
    struct State: ~Copyable {
        var plans: [Int: Plan] = [:]

        /// The r2c plan for `size`, made with `FFTW_ESTIMATE` on `fftwf_malloc` buffers, so every
        /// buffer from ``FFTW/allocate(_:count:)`` has the alignment the plan assumes.
        mutating func plan(size: Int) -> Plan {
            if let plan = plans[size] { return plan }
            let input = FFTW.allocate(Float.self, count: size)
            let output = FFTW.allocate(fftwf_complex.self, count: size / 2 + 1)
            defer {
                fftwf_free(input)
                fftwf_free(output)
            }
            guard let raw = fftwf_plan_dft_r2c_1d(Int32(size), input, output, UInt32(FFTW_ESTIMATE)) else {
                fatalError("FFTW could not plan a real FFT of size \(size)")
            }
            let plan = Plan(raw: raw)
            plans[size] = plan
            return plan
        }
    }

    static let state = Mutex(State())

    /// `count` elements from `fftwf_malloc`; call with the lock held.
    static func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        guard let raw = fftwf_malloc(MemoryLayout<T>.stride * max(count, 1)) else {
            fatalError("fftwf_malloc failed for \(count) elements")
        }
        return raw.bindMemory(to: T.self, capacity: count)
    }
}
