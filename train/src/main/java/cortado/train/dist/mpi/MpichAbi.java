package cortado.train.dist.mpi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * MPICH's ABI (also Intel MPI's and MVAPICH's): a handle is an int, the predefined ones constants of mpi.h
 * ({@code MPI_COMM_WORLD ((MPI_Comm)0x44000000)}, {@code MPI_FLOAT ((MPI_Datatype)0x4c00040a)},
 * {@code MPI_BYTE ((MPI_Datatype)0x4c00010d)}, {@code MPI_SUM (MPI_Op)(0x58000003)}); MPI_IN_PLACE is
 * {@code (void *) -1}. Not exercised by the tests here, which have Open MPI.
 */
final class MpichAbi {
    private MpichAbi() {}

    static MpiAbi of() {
        return new MpiAbi("MPICH", ValueLayout.JAVA_INT, 0x44000000, 0x4c00040a, 0x4c00010d, 0x58000003,
                MemorySegment.ofAddress(-1L));
    }
}
