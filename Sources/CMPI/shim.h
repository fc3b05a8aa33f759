// Shim over Open MPI's header, found with pkg-config (ompi-c). No stable API of its own: only
// StenoMPI imports this module. MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros
// Swift cannot import, so they are returned by the small functions below.
#include <mpi.h>

static inline MPI_Comm steno_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype steno_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype steno_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op steno_mpi_sum(void) { return MPI_SUM; }
static inline void *steno_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Datatype steno_mpi_int(void) { return MPI_INT; }
static inline MPI_Datatype steno_mpi_byte(void) { return MPI_BYTE; }
