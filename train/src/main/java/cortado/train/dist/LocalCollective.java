package cortado.train.dist;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** One process: every collective is the identity (a sum over one rank), and nothing is loaded. */
public final class LocalCollective implements Collective {
    public static final LocalCollective INSTANCE = new LocalCollective();

    private LocalCollective() {}

    @Override public int rank() { return 0; }

    @Override public int size() { return 1; }

    @Override public int localRank() { return 0; }

    @Override public String name() { return "local"; }

    @Override public void allReduceSum(MemorySegment data, long count) { checkFloats(data, count); }

    @Override
    public void reduceScatterSum(MemorySegment send, MemorySegment recv, long count) {
        checkFloats(send, count);
        checkFloats(recv, count);
        MemorySegment.copy(send, 0, recv, 0, count * Float.BYTES);
    }

    @Override
    public void allGather(MemorySegment send, MemorySegment recv, long count) {
        reduceScatterSum(send, recv, count);   // one block: a copy either way
    }

    @Override
    public void broadcast(MemorySegment data, long bytes, int root) {
        if (root != 0) throw new IllegalArgumentException("root " + root + " of a single process");
        if (bytes > data.byteSize()) throw new IllegalArgumentException(bytes + " bytes of a " + data.byteSize() + "-byte buffer");
    }

    @Override public void barrier() {}

    @Override public void abort(int code) { Runtime.getRuntime().exit(code); }

    @Override public void close() {}

    static void checkFloats(MemorySegment s, long count) {
        if (count < 0 || count * Float.BYTES > s.byteSize())
            throw new IllegalArgumentException(count + " floats in a segment of " + s.byteSize() + " bytes");
        if (s.byteSize() > 0 && s.maxByteAlignment() < ValueLayout.JAVA_FLOAT.byteAlignment())
            throw new IllegalArgumentException("a float buffer must be 4-byte aligned");
    }
}
