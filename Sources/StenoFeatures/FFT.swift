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

/// Linear convolution by FFT (overlap-add over FFTW real transforms), for long kernels such as
/// room impulse responses, where direct convolution would cost `signal × kernel` products.
public enum FFTConvolution {
    /// `signal * kernel`: `signal.count + kernel.count - 1` samples (empty if either is empty).
    /// Thread-safe: plans come from the process-wide cache, buffers are the call's own.
    public static func convolve(_ signal: [Float], with kernel: [Float]) -> [Float] {
        guard !signal.isEmpty, !kernel.isEmpty else { return [] }
        var size = 1
        while size < 2 * kernel.count { size <<= 1 }
        size = max(size, 1024)
        let block = size - kernel.count + 1
        let bins = size / 2 + 1
        let (forward, inverse, real, spectrum, kernelSpectrum) = FFTW.state.withLock { state in
            (state.plan(size: size), state.inversePlan(size: size), FFTW.allocate(Float.self, count: size),
             FFTW.allocate(fftwf_complex.self, count: bins), FFTW.allocate(fftwf_complex.self, count: bins))
        }
        defer {
            FFTW.state.withLock { _ in
                fftwf_free(real)
                fftwf_free(spectrum)
                fftwf_free(kernelSpectrum)
            }
        }
        real.initialize(repeating: 0, count: size)
        kernel.withUnsafeBufferPointer { real.update(from: $0.baseAddress!, count: kernel.count) }
        fftwf_execute_dft_r2c(forward.raw, real, kernelSpectrum)
        var output = [Float](repeating: 0, count: signal.count + kernel.count - 1)
        let scale = 1 / Float(size)
        signal.withUnsafeBufferPointer { signal in
            output.withUnsafeMutableBufferPointer { output in
                var start = 0
                while start < signal.count {
                    let count = min(block, signal.count - start)
                    real.update(from: signal.baseAddress! + start, count: count)
                    (real + count).update(repeating: 0, count: size - count)
                    fftwf_execute_dft_r2c(forward.raw, real, spectrum)
                    UnsafeMutableRawPointer(spectrum).withMemoryRebound(to: Float.self, capacity: 2 * bins) { x in
                        UnsafeMutableRawPointer(kernelSpectrum).withMemoryRebound(to: Float.self, capacity: 2 * bins) { h in
                            for k in 0..<bins {
                                let re = x[2 * k] * h[2 * k] - x[2 * k + 1] * h[2 * k + 1]
                                let im = x[2 * k] * h[2 * k + 1] + x[2 * k + 1] * h[2 * k]
                                x[2 * k] = re * scale
                                x[2 * k + 1] = im * scale
                            }
                        }
                    }
                    fftwf_execute_dft_c2r(inverse.raw, spectrum, real)
                    let produced = min(size, output.count - start)
                    for i in 0..<produced { output[start + i] += real[i] }
                    start += block
                }
            }
        }
        return output
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
        var inversePlans: [Int: Plan] = [:]

        /// The c2r plan for `size` (it overwrites its complex input when run).
        mutating func inversePlan(size: Int) -> Plan {
            if let plan = inversePlans[size] { return plan }
            let input = FFTW.allocate(fftwf_complex.self, count: size / 2 + 1)
            let output = FFTW.allocate(Float.self, count: size)
            defer {
                fftwf_free(input)
                fftwf_free(output)
            }
            guard let raw = fftwf_plan_dft_c2r_1d(Int32(size), input, output, UInt32(FFTW_ESTIMATE)) else {
                fatalError("FFTW could not plan an inverse real FFT of size \(size)")
            }
            let plan = Plan(raw: raw)
            inversePlans[size] = plan
            return plan
        }

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
