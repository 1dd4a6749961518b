package cortado.train.dist.mpi;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;

/**
 * What differs between MPI implementations at the binary level: the C type of a handle (MPI_Comm, MPI_Datatype,
 * MPI_Op) and the values of the predefined ones. The MPI standard fixes the function signatures but not these, so
 * each implementation has a profile, chosen from {@code MPI_Get_library_version}'s string ({@link #detect}).
 *
 * @param family     the implementation ("Open MPI", "MPICH")
 * @param handle     the layout of a handle argument: a pointer (Open MPI) or an int (MPICH)
 * @param commWorld  MPI_COMM_WORLD, as the value passed for a handle (a MemorySegment or an Integer)
 * @param floatType  MPI_FLOAT
 * @param byteType   MPI_BYTE
 * @param opSum      MPI_SUM
 * @param inPlace    MPI_IN_PLACE, a pointer value
 */
record MpiAbi(String family, MemoryLayout handle, Object commWorld, Object floatType, Object byteType, Object opSum,
              MemorySegment inPlace) {
    /** The profile for the library whose MPI_Get_library_version string is {@code version}. */
    static MpiAbi detect(String version, SymbolLookup lib) {
        if (version.startsWith("Open MPI")) return OpenMpiAbi.of(lib);
        if (version.startsWith("MPICH") || version.startsWith("Intel(R) MPI")) return MpichAbi.of();
        throw new IllegalStateException("unsupported MPI library: '" + firstLine(version)
                + "' (known: Open MPI, MPICH, Intel MPI)");
    }

    static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
