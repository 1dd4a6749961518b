package cortado.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The memory behind one or more tensors. Where it lives picks the {@link Backend} that computes on it, so no flag
 * travels down the call chain. A GPU backend adds its own implementation.
 */
public interface Storage {
    /** The bytes, for I/O and for handing to native code. */
    MemorySegment segment();

    /** Number of float32 elements. */
    long length();

    /** The backend that computes on this storage. */
    Backend backend();
}
