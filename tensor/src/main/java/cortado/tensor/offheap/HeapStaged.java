package cortado.tensor.offheap;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.QuantizedWeight;
import cortado.tensor.StepArena;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The off-heap backend's matrix products, quantized and 16-bit products and lookups, and dropout, which have no
 * segment kernel: each copies its
 * off-heap inputs into heap tensors, runs the heap backend's kernel (sgemm's packed panels, the fused 4-bit and int8
 * products), and copies the results (and, for {@code matmulInto}, the updated output) back. Results are therefore
 * exactly the heap backend's; the price is the copies (O(n^2) against the product's O(n^3)), and every operand must
 * fit a heap array (2^31 elements). Inside a {@link StepArena} the heap copies are given back to the pool as soon as
 * the operation is done.
 */
final class HeapStaged {
    private static final Backend CPU = Backends.cpu();
    private final Backend home;

    HeapStaged(Backend home) { this.home = home; }

    /** A quantized weight of the off-heap backend: the heap backend's packed matrix, used by its fused kernels. */
    record Quantized(QuantizedWeight heap, Backend backend) implements QuantizedWeight {
        @Override public int rows() { return heap.rows(); }

        @Override public int cols() { return heap.cols(); }
    }

    /** The heap copies made for one operation, released when it ends. */
    private static final class Stage implements AutoCloseable {
        private final List<Tensor> heapTensors = new ArrayList<>();

        /** A heap copy of off-heap {@code t} (null stays null). */
        Tensor in(Tensor t) {
            if (t == null) return null;
            Tensor h = Tensor.empty(t.shape());
            SegmentKernels.copyInto(h, t);
            heapTensors.add(h);
            return h;
        }

        /** A heap result copied to a new off-heap tensor (null stays null). */
        Tensor out(Tensor h) {
            if (h == null) return null;
            Tensor o = OffHeapBackend.empty(h.shape());
            SegmentKernels.copyInto(o, h);
            heapTensors.add(h);
            return o;
        }

        /** A heap tensor of {@code t}'s shape whose contents the kernel overwrites (nothing is copied in). */
        Tensor scratch(Tensor t) {
            Tensor h = Tensor.empty(t.shape());
            heapTensors.add(h);
            return h;
        }

        /** Writes heap {@code h} back into off-heap {@code dst} (an operand updated in place). */
        void back(Tensor dst, Tensor h) { SegmentKernels.copyInto(dst, h); }

        @Override
        public void close() {
            StepArena arena = StepArena.current();
            if (arena != null) for (Tensor h : heapTensors) arena.release(h.storage());
        }
    }

    Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        try (Stage s = new Stage()) { return s.out(CPU.matmul(s.in(a), s.in(b), transA, transB)); }
    }

    void matmulInto(Tensor out, Tensor a, Tensor b, boolean transA, boolean transB, boolean accumulate) {
        try (Stage s = new Stage()) {
            Tensor h = accumulate ? s.in(out) : s.scratch(out);
            CPU.matmulInto(h, s.in(a), s.in(b), transA, transB, accumulate);
            s.back(out, h);
        }
    }

    Tensor quantizedMatmul(Tensor x, QuantizedWeight w) {
        try (Stage s = new Stage()) { return s.out(CPU.quantizedMatmul(s.in(x), heap("quantizedMatmul", w))); }
    }

    Tensor quantizedMatmulGradInput(Tensor dy, QuantizedWeight w) {
        try (Stage s = new Stage()) {
            return s.out(CPU.quantizedMatmulGradInput(s.in(dy), heap("quantizedMatmulGradInput", w)));
        }
    }

    Tensor quantizedEmbedding(QuantizedWeight w, int[] ids) {
        try (Stage s = new Stage()) { return s.out(CPU.quantizedEmbedding(heap("quantizedEmbedding", w), ids)); }
    }

    void readHost16(QuantizedWeight w, Backend.HostShorts reader) { CPU.readHost16(heap("readHost16", w), reader); }

    Tensor dropout(Tensor x, float p, long key) {
        try (Stage s = new Stage()) { return s.out(CPU.dropout(s.in(x), p, key)); }
    }

    private QuantizedWeight heap(String op, QuantizedWeight w) {
        if (w instanceof Quantized q && q.backend() == home) return q.heap();
        throw new IllegalArgumentException(op + ": the quantized weight lives on " + w.backend().name()
                + ", the operation runs on " + home.name() + "; move it first");
    }
}
