import Foundation

/// This process's place in a job started by a parallel launcher (Open MPI's `mpirun`, MPICH's or
/// Intel's `mpiexec`, Slurm's `srun`), read from the environment the launcher sets, so that
/// sharded jobs need no MPI library at all.
public struct LaunchEnvironment: Sendable, Equatable {
    /// This process's index, 0 ..< ``size``.
    public var rank: Int
    /// Processes in the job.
    public var size: Int

    public init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    /// The launcher's rank and size in `environment`, or nil outside a parallel job (or a job of one).
    public static func from(_ environment: [String: String]) -> LaunchEnvironment? {
        let pairs = [("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"), ("PMI_RANK", "PMI_SIZE"), ("PMIX_RANK", "PMIX_SIZE"),
                     ("SLURM_PROCID", "SLURM_NTASKS")]
        for (rankKey, sizeKey) in pairs {
            guard let rank = environment[rankKey].flatMap(Int.init), let size = environment[sizeKey].flatMap(Int.init) else { continue }
            guard size > 1, (0..<size).contains(rank) else { return nil }
            return LaunchEnvironment(rank: rank, size: size)
        }
        return nil
    }

    /// This process's launch environment.
    public static var current: LaunchEnvironment? { from(ProcessInfo.processInfo.environment) }
}
