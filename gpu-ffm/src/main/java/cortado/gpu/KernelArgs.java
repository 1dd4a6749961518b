package cortado.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The arguments of one cuLaunchKernel call: each value in its own slot of native memory and the void*[] of their
 * addresses the driver takes. Types must match the kernel's C signature exactly (a pointer or {@code long long} is 8
 * bytes, an {@code int} or {@code float} 4, a struct its C layout).
 */
final class KernelArgs implements AutoCloseable {
    private final Arena arena = Arena.ofConfined();
    private final List<MemorySegment> slots = new ArrayList<>();

    /** A device pointer (0 for a null pointer). */
    KernelArgs pointer(long address) { return add(arena.allocateFrom(ValueLayout.JAVA_LONG, address)); }

    KernelArgs i64(long v) { return add(arena.allocateFrom(ValueLayout.JAVA_LONG, v)); }

    KernelArgs i32(int v) { return add(arena.allocateFrom(ValueLayout.JAVA_INT, v)); }

    KernelArgs f32(float v) { return add(arena.allocateFrom(ValueLayout.JAVA_FLOAT, v)); }

    /** A struct passed by value: its bytes, laid out as in C. */
    KernelArgs struct(MemorySegment bytes) {
        MemorySegment s = arena.allocate(bytes.byteSize(), 8);
        s.copyFrom(bytes);
        return add(s);
    }

    private KernelArgs add(MemorySegment slot) {
        slots.add(slot);
        return this;
    }

    /** The void*[] kernelParams. */
    MemorySegment params() {
        MemorySegment p = arena.allocate(ValueLayout.ADDRESS, Math.max(1, slots.size()));
        for (int i = 0; i < slots.size(); i++) p.setAtIndex(ValueLayout.ADDRESS, i, slots.get(i));
        return p;
    }

    Arena arena() { return arena; }

    @Override public void close() { arena.close(); }
}
