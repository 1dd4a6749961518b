package cortado.train.dist;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The collective operations data-parallel training needs, over the processes ("ranks") of one job. Buffers are
 * native memory segments of fp32 values (bytes for {@link #broadcast}); every rank must call the same operations in
 * the same order with the same counts, as MPI requires. {@link LocalCollective} is the single-process case (no
 * library loaded); the MPI one ({@code cortado.train.dist.mpi}) is found at run time by {@link Collectives}.
 */
public interface Collective extends AutoCloseable {
    /** This process's index in [0, size). */
    int rank();

    /** The number of processes in the job. */
    int size();

    /** The rank among the processes on this host (for choosing a device); 0 for a single process. */
    int localRank();

    /** What runs the collectives ("local", "Open MPI v4.1.4 ..."). */
    String name();

    /** In place: {@code data[i] = sum over ranks of data[i]} for i in [0, count). */
    void allReduceSum(MemorySegment data, long count);

    /** {@code value} summed over the ranks (a loss, a count, a square norm), in fp32 as {@link #allReduceSum} adds. */
    default double sum(double value) {
        MemorySegment s = Arena.ofAuto().allocate(ValueLayout.JAVA_FLOAT);   // any thread may read it (thread ranks)
        s.set(ValueLayout.JAVA_FLOAT, 0, (float) value);
        allReduceSum(s, 1);
        return s.get(ValueLayout.JAVA_FLOAT, 0);
    }

    /**
     * {@code send} holds size x count values; {@code recv} gets this rank's block of their sum over ranks:
     * {@code recv[i] = sum over ranks r' of send_r'[rank * count + i]} (MPI_Reduce_scatter_block).
     */
    void reduceScatterSum(MemorySegment send, MemorySegment recv, long count);

    /** {@code recv} (size x count values) gets every rank's {@code send} (count values), rank r's at r x count. */
    void allGather(MemorySegment send, MemorySegment recv, long count);

    /** The first {@code bytes} bytes of {@code data} on every rank become those of rank {@code root}. */
    void broadcast(MemorySegment data, long bytes, int root);

    /** Returns when every rank has called it. */
    void barrier();

    /**
     * Ends every process of the job with {@code code} (MPI_Abort), so that one rank's failure does not leave the
     * others waiting in a collective; never returns.
     */
    void abort(int code);

    /** Leaves the job (MPI_Finalize); idempotent. */
    @Override
    void close();
}
