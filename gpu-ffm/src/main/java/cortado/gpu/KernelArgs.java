package cortado.gpu;

import cortado.gpu.kernels.KernelSignature.Kind;
import cortado.tensor.Tensor;
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
    private final List<Kind> kinds = new ArrayList<>();
    private final List<Tensor> keep = new ArrayList<>();

    /** A device pointer (0 for a null pointer). */
    KernelArgs pointer(long address) { return add(Kind.POINTER, arena.allocateFrom(ValueLayout.JAVA_LONG, address)); }

    /**
     * A pointer to a CUDA tensor's first element (null: a null pointer). The tensor is kept reachable until these
     * arguments are closed, after the launch: a storage collected earlier would hand its block to the next allocation.
     */
    KernelArgs tensor(Tensor t) {
        if (t != null) keep.add(t);
        return pointer(CudaStorage.address(t));
    }

    KernelArgs i64(long v) { return add(Kind.I64, arena.allocateFrom(ValueLayout.JAVA_LONG, v)); }

    KernelArgs i32(int v) { return add(Kind.I32, arena.allocateFrom(ValueLayout.JAVA_INT, v)); }

    KernelArgs f32(float v) { return add(Kind.F32, arena.allocateFrom(ValueLayout.JAVA_FLOAT, v)); }

    /** elementwise.cu's Geometry struct, passed by value: its bytes, laid out as in C. */
    KernelArgs geometry(MemorySegment bytes) {
        if (bytes.byteSize() != Elementwise.GEOMETRY_BYTES)
            throw new IllegalArgumentException("a Geometry is " + Elementwise.GEOMETRY_BYTES + " bytes, got " + bytes.byteSize());
        MemorySegment s = arena.allocate(bytes.byteSize(), 8);
        s.copyFrom(bytes);
        return add(Kind.GEOMETRY, s);
    }

    private KernelArgs add(Kind kind, MemorySegment slot) {
        kinds.add(kind);
        slots.add(slot);
        return this;
    }

    /** The kinds of the arguments given so far, in order. */
    List<Kind> kinds() { return List.copyOf(kinds); }

    /** The void*[] kernelParams. */
    MemorySegment params() {
        MemorySegment p = arena.allocate(ValueLayout.ADDRESS, Math.max(1, slots.size()));
        for (int i = 0; i < slots.size(); i++) p.setAtIndex(ValueLayout.ADDRESS, i, slots.get(i));
        return p;
    }

    Arena arena() { return arena; }

    @Override public void close() {
        arena.close();
        java.lang.ref.Reference.reachabilityFence(keep);
    }
}
