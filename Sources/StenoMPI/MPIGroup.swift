import CMPI
import Foundation
import StenoTraining

/// The ranks of an MPI job (`mpirun -np K steno train ...`) as a ``TrainingGroup``: sums are
/// `MPI_Allreduce` over `MPI_COMM_WORLD`, so every rank gets the same result.
///
/// Made once per process (MPI can be initialised only once) and finalised when the process
/// ends; the recognition library never links MPI, only the command-line tool does.
public final class MPIGroup: TrainingGroup {
    public let rank: Int
    public let size: Int

    /// Initialises MPI; nil when this process was not started by an MPI launcher (see
    /// ``LaunchEnvironment``), so a plain `steno train` never pays for MPI's start-up.
    public static func joinIfLaunched() throws -> MPIGroup? {
        guard LaunchEnvironment.current != nil else { return nil }
        var provided: Int32 = 0
        guard MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided) == MPI_SUCCESS else {
            throw MPIError(message: "MPI_Init_thread failed")
        }
        atexit { MPI_Finalize() }
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(steno_mpi_comm_world(), &rank)
        MPI_Comm_size(steno_mpi_comm_world(), &size)
        return MPIGroup(rank: Int(rank), size: Int(size))
    }

    private init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    public func sum(_ values: inout [Float]) {
        guard size > 1, !values.isEmpty else { return }
        let count = Int32(values.count)
        let status = values.withUnsafeMutableBufferPointer {
            MPI_Allreduce(steno_mpi_in_place(), $0.baseAddress, count, steno_mpi_float(), steno_mpi_sum(), steno_mpi_comm_world())
        }
        precondition(status == MPI_SUCCESS, "MPI_Allreduce failed on rank \(rank)")
    }

    public func sum(_ values: inout [Double]) {
        guard size > 1, !values.isEmpty else { return }
        let count = Int32(values.count)
        let status = values.withUnsafeMutableBufferPointer {
            MPI_Allreduce(steno_mpi_in_place(), $0.baseAddress, count, steno_mpi_double(), steno_mpi_sum(), steno_mpi_comm_world())
        }
        precondition(status == MPI_SUCCESS, "MPI_Allreduce failed on rank \(rank)")
    }

    /// Waits until every rank gets here.
    public func barrier() {
        MPI_Barrier(steno_mpi_comm_world())
    }
}

/// MPI failed to start.
public struct MPIError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension MPIGroup {
    /// Every rank's `bytes`, in rank order, on rank 0; nil on the other ranks.
    public func gatherToFirst(_ bytes: [UInt8]) -> [[UInt8]]? {
        var count = Int32(bytes.count)
        var counts = [Int32](repeating: 0, count: rank == 0 ? size : 1)
        MPI_Gather(&count, 1, steno_mpi_int(), &counts, 1, steno_mpi_int(), 0, steno_mpi_comm_world())
        var offsets = [Int32](repeating: 0, count: counts.count)
        for i in counts.indices.dropFirst() { offsets[i] = offsets[i - 1] + counts[i - 1] }
        var all = [UInt8](repeating: 0, count: rank == 0 ? Int(counts.reduce(0, +)) : 1)
        var mine = bytes.isEmpty ? [0] : bytes
        MPI_Gatherv(&mine, count, steno_mpi_byte(), &all, &counts, &offsets, steno_mpi_byte(), 0, steno_mpi_comm_world())
        guard rank == 0 else { return nil }
        return counts.indices.map { Array(all[Int(offsets[$0])..<Int(offsets[$0] + counts[$0])]) }
    }
}
