package cortado.gpu;

import cortado.tensor.Backend;
import cortado.tensor.Storage;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

/**
 * float32 elements in CUDA device memory: a block of the device's {@link DeviceMemory}, returned to its cache when
 * this storage is collected. The host cannot touch it: {@link #segment} fails; elements move through
 * {@code Backend.readHost/writeHost}.
 */
public final class CudaStorage implements Storage {
    private static final Cleaner CLEANER = Cleaner.create();

    private final CudaBackend backend;
    private final long pointer, length;

    CudaStorage(CudaBackend backend, long length) {
        if (length < 0) throw new IllegalArgumentException("negative storage length " + length);
        this.backend = backend;
        this.length = length;
        DeviceMemory memory = backend.device().memory();
        long size = DeviceMemory.sizeClass(length * Float.BYTES);
        long p = memory.allocate(length * Float.BYTES);
        this.pointer = p;
        CLEANER.register(this, () -> memory.give(p, size)); // captures no reference to this storage
    }

    /** The device address of element 0. */
    long pointer() { return pointer; }

    /** The device address of {@code t}'s first element (0 for null). */
    static long address(cortado.tensor.Tensor t) {
        if (t == null) return 0;
        return ((CudaStorage) t.storage()).pointer + t.offsetLong() * Float.BYTES;
    }

    @Override
    public MemorySegment segment() {
        throw new IllegalStateException("a CUDA tensor's memory lives on the device; read it with Backend.readHost or"
                + " move it with Tensor.to(Backends.cpu())");
    }

    @Override public long length() { return length; }

    @Override public Backend backend() { return backend; }
}
