package cortado.train.dist.mpi;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;

/**
 * Open MPI's ABI: a handle is a pointer to a predefined object that libmpi exports as a global, so MPI_COMM_WORLD is
 * {@code &ompi_mpi_comm_world}, MPI_FLOAT {@code &ompi_mpi_float}, MPI_SUM {@code &ompi_mpi_op_sum} (mpi.h's
 * {@code OMPI_PREDEFINED_GLOBAL}); MPI_IN_PLACE is {@code (void *) 1}.
 */
final class OpenMpiAbi {
    private OpenMpiAbi() {}

    static MpiAbi of(SymbolLookup lib) {
        return new MpiAbi("Open MPI", ValueLayout.ADDRESS, global(lib, "ompi_mpi_comm_world"), global(lib, "ompi_mpi_float"),
                global(lib, "ompi_mpi_byte"), global(lib, "ompi_mpi_op_sum"), MemorySegment.ofAddress(1));
    }

    private static MemorySegment global(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new IllegalStateException("libmpi does not export " + name
                + ", which Open MPI's mpi.h uses for its predefined handles"));
    }
}
