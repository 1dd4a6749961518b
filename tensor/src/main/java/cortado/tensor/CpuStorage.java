package cortado.tensor;

import java.lang.foreign.MemorySegment;

/**
 * float32 elements in ordinary Java memory. A heap array because the Vector API's array loads are its fastest path;
 * {@link #segment()} views the same array as a {@link MemorySegment}, which FFM's critical downcalls accept without a
 * copy.
 */
public final class CpuStorage implements Storage {
    private final float[] data;

    public CpuStorage(float[] data) { this.data = data; }

    public CpuStorage(int length) { this(new float[length]); }

    /** The elements themselves; kernels read and write this array directly. */
    public float[] array() { return data; }

    @Override public MemorySegment segment() { return MemorySegment.ofArray(data); }

    @Override public long length() { return data.length; }

    @Override public Backend backend() { return Backends.cpu(); }
}
