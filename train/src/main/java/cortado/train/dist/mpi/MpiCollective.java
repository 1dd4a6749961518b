package cortado.train.dist.mpi;

import cortado.train.dist.Collective;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Map;

/**
 * The collectives over MPI_COMM_WORLD, calling the C API of the system's libmpi through FFM (Open MPI's own Java
 * bindings are JNI and on their way out upstream). Initialized with MPI_THREAD_SERIALIZED: any thread may call, one
 * at a time (the trainer calls from its own thread). Errors keep MPI's default handler, MPI_ERRORS_ARE_FATAL, so a
 * rank that dies makes the others' next collective abort the job rather than hang.
 */
public final class MpiCollective implements Collective {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout PTR = ValueLayout.ADDRESS;
    private static final int MPI_THREAD_SERIALIZED = 2;   // the same value in Open MPI's and MPICH's mpi.h
    private static final long MAX_CHUNK = 1L << 30;       // counts are C ints: long buffers go in chunks

    private final MpiAbi abi;
    private final String version;
    private final int rank, size, localRank;
    private final MethodHandle allreduce, reduceScatterBlock, allgather, bcast, barrier, abort, finalize, errorString;
    private boolean closed;

    private MpiCollective(MpiLibrary lib, Map<String, String> env) {
        SymbolLookup sym = lib.lookup();
        Linker linker = Linker.nativeLinker();
        // int MPI_Get_library_version(char *version, int *resultlen);   (callable before MPI_Init)
        MethodHandle getVersion = downcall(linker, sym, "MPI_Get_library_version", FunctionDescriptor.of(INT, PTR, PTR));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(8192), len = a.allocate(INT);   // >= MPICH's MPI_MAX_LIBRARY_VERSION_STRING
            check((int) getVersion.invokeExact(buf, len), "MPI_Get_library_version");
            version = MpiAbi.firstLine(buf.getString(0)).split(",")[0];   // "Open MPI v4.1.4, package: ..."
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("MPI_Get_library_version failed", t);
        }
        abi = MpiAbi.detect(version, sym);
        MemoryLayout h = abi.handle();
        // int MPI_Init_thread(int *argc, char ***argv, int required, int *provided);
        MethodHandle initThread = downcall(linker, sym, "MPI_Init_thread", FunctionDescriptor.of(INT, PTR, PTR, INT, PTR));
        // int MPI_Comm_rank(MPI_Comm comm, int *rank);
        MethodHandle commRank = downcall(linker, sym, "MPI_Comm_rank", FunctionDescriptor.of(INT, h, PTR));
        // int MPI_Comm_size(MPI_Comm comm, int *size);
        MethodHandle commSize = downcall(linker, sym, "MPI_Comm_size", FunctionDescriptor.of(INT, h, PTR));
        // int MPI_Allreduce(const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm);
        allreduce = downcall(linker, sym, "MPI_Allreduce", FunctionDescriptor.of(INT, PTR, PTR, INT, h, h, h));
        // int MPI_Reduce_scatter_block(const void *sendbuf, void *recvbuf, int recvcount, MPI_Datatype datatype,
        //                              MPI_Op op, MPI_Comm comm);
        reduceScatterBlock = downcall(linker, sym, "MPI_Reduce_scatter_block", FunctionDescriptor.of(INT, PTR, PTR, INT, h, h, h));
        // int MPI_Allgather(const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount,
        //                   MPI_Datatype recvtype, MPI_Comm comm);
        allgather = downcall(linker, sym, "MPI_Allgather", FunctionDescriptor.of(INT, PTR, INT, h, PTR, INT, h, h));
        // int MPI_Bcast(void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm);
        bcast = downcall(linker, sym, "MPI_Bcast", FunctionDescriptor.of(INT, PTR, INT, h, INT, h));
        // int MPI_Barrier(MPI_Comm comm);
        barrier = downcall(linker, sym, "MPI_Barrier", FunctionDescriptor.of(INT, h));
        // int MPI_Abort(MPI_Comm comm, int errorcode);
        abort = downcall(linker, sym, "MPI_Abort", FunctionDescriptor.of(INT, h, INT));
        // int MPI_Finalize(void);
        finalize = downcall(linker, sym, "MPI_Finalize", FunctionDescriptor.of(INT));
        // int MPI_Error_string(int errorcode, char *string, int *resultlen);
        errorString = downcall(linker, sym, "MPI_Error_string", FunctionDescriptor.of(INT, INT, PTR, PTR));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment provided = a.allocate(INT), out = a.allocate(INT);
            check((int) initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL, MPI_THREAD_SERIALIZED, provided),
                    "MPI_Init_thread");
            if (provided.get(INT, 0) < MPI_THREAD_SERIALIZED)
                throw new IllegalStateException(version + " provides thread level " + provided.get(INT, 0)
                        + ", below MPI_THREAD_SERIALIZED");
            check((int) commRank.invokeWithArguments(abi.commWorld(), out), "MPI_Comm_rank");
            rank = out.get(INT, 0);
            check((int) commSize.invokeWithArguments(abi.commWorld(), out), "MPI_Comm_size");
            size = out.get(INT, 0);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("MPI initialization failed", t);
        }
        localRank = localRank(env);
    }

    /** Loads libmpi ({@code CORTADO_MPI_LIB} or the usual sonames), initializes MPI and joins MPI_COMM_WORLD. */
    public static MpiCollective open(Map<String, String> env) {
        return new MpiCollective(MpiLibrary.open(env.get("CORTADO_MPI_LIB")), env);
    }

    private static int localRank(Map<String, String> env) {
        for (String k : new String[] {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "PMI_LOCAL_RANK"}) {
            String v = env.get(k);
            if (v != null && v.strip().matches("\\d+")) return Integer.parseInt(v.strip());
        }
        return 0;
    }

    private static MethodHandle downcall(Linker linker, SymbolLookup sym, String name, FunctionDescriptor fd) {
        MemorySegment f = sym.find(name).orElseThrow(() -> new IllegalStateException("libmpi lacks " + name));
        return linker.downcallHandle(f, fd);
    }

    @Override public int rank() { return rank; }

    @Override public int size() { return size; }

    @Override public int localRank() { return localRank; }

    @Override public String name() { return version; }

    @Override
    public synchronized void allReduceSum(MemorySegment data, long count) {
        floats(data, count);
        for (long at = 0; at < count; at += MAX_CHUNK) {
            int n = (int) Math.min(MAX_CHUNK, count - at);
            call(allreduce, "MPI_Allreduce", abi.inPlace(), data.asSlice(at * Float.BYTES), n, abi.floatType(), abi.opSum(),
                    abi.commWorld());
        }
    }

    @Override
    public synchronized void reduceScatterSum(MemorySegment send, MemorySegment recv, long count) {
        floats(send, count * size);
        floats(recv, count);
        call(reduceScatterBlock, "MPI_Reduce_scatter_block", send, recv, intCount(count), abi.floatType(), abi.opSum(),
                abi.commWorld());
    }

    @Override
    public synchronized void allGather(MemorySegment send, MemorySegment recv, long count) {
        floats(send, count);
        floats(recv, count * size);
        call(allgather, "MPI_Allgather", send, intCount(count), abi.floatType(), recv, intCount(count), abi.floatType(),
                abi.commWorld());
    }

    @Override
    public synchronized void broadcast(MemorySegment data, long bytes, int root) {
        if (root < 0 || root >= size) throw new IllegalArgumentException("root " + root + " of " + size + " ranks");
        requireNative(data, bytes);
        for (long at = 0; at < bytes; at += MAX_CHUNK) {
            int n = (int) Math.min(MAX_CHUNK, bytes - at);
            call(bcast, "MPI_Bcast", data.asSlice(at), n, abi.byteType(), root, abi.commWorld());
        }
    }

    @Override public synchronized void barrier() { call(barrier, "MPI_Barrier", abi.commWorld()); }

    @Override
    public void abort(int code) {
        call(abort, "MPI_Abort", abi.commWorld(), code);
        Runtime.getRuntime().halt(code);   // MPI_Abort does not return; should it, leave anyway
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        call(finalize, "MPI_Finalize");
    }

    private void call(MethodHandle f, String name, Object... args) {
        if (closed && f != finalize) throw new IllegalStateException(name + " after MPI_Finalize");
        int rc;
        try {
            rc = (int) f.invokeWithArguments(args);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(name + " failed", t);
        }
        if (rc != 0) throw new IllegalStateException(name + " failed on rank " + rank + ": " + errorText(rc));
    }

    private static void check(int rc, String name) {
        if (rc != 0) throw new IllegalStateException(name + " returned error " + rc);
    }

    private String errorText(int rc) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(1024), len = a.allocate(INT);   // >= MPI_MAX_ERROR_STRING (256, 1024)
            int r = (int) errorString.invokeExact(rc, s, len);
            return r == 0 ? s.getString(0) + " (" + rc + ")" : "error " + rc;
        } catch (Throwable t) {
            return "error " + rc;
        }
    }

    private static int intCount(long count) {
        if (count > Integer.MAX_VALUE) throw new IllegalArgumentException(count + " values exceed one MPI call's int count");
        return (int) count;
    }

    private static void floats(MemorySegment s, long count) {
        if (count < 0 || count * Float.BYTES > s.byteSize())
            throw new IllegalArgumentException(count + " floats in a segment of " + s.byteSize() + " bytes");
        requireNative(s, 0);
    }

    private static void requireNative(MemorySegment s, long bytes) {
        if (!s.isNative()) throw new IllegalArgumentException("MPI buffers must be native memory (Arena-allocated)");
        if (bytes > s.byteSize()) throw new IllegalArgumentException(bytes + " bytes of a " + s.byteSize() + "-byte buffer");
    }
}
