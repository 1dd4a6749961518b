package cortado.train.dist;

import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Floats between a range of a 1-D tensor (on any backend) and a native buffer of a collective. */
final class HostCopy {
    private HostCopy() {}

    /** Elements [from, to) of a 1-D tensor into {@code dst} at float index {@code at}. */
    static void read(Tensor flat, long from, long to, MemorySegment dst, long at) {
        Tensor v = flat.slice(0, (int) from, (int) to);
        v.backend().readHost(v, (a, off, len) -> MemorySegment.copy(a, off, dst, ValueLayout.JAVA_FLOAT, at * Float.BYTES, len));
    }

    /** {@code src}'s floats from index {@code at} into elements [from, to) of a 1-D tensor. */
    static void write(MemorySegment src, long at, Tensor flat, long from, long to) {
        Tensor v = flat.slice(0, (int) from, (int) to);
        v.backend().writeHost(v, (a, off, len) -> MemorySegment.copy(src, ValueLayout.JAVA_FLOAT, at * Float.BYTES, a, off, len));
    }
}
