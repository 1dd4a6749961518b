package cortado.tensor.offheap;

import cortado.tensor.AttentionMask;
import cortado.tensor.Backend;
import cortado.tensor.Backend.AttentionGrads;
import cortado.tensor.Backend.AttentionResult;
import cortado.tensor.Backend.BiasGeluGrads;
import cortado.tensor.Backend.CrossEntropyResult;
import cortado.tensor.Backend.NormGrads;
import cortado.tensor.Backend.NormResult;
import cortado.tensor.Backends;
import cortado.tensor.QuantizedWeight;
import cortado.tensor.RopeTable;
import cortado.tensor.StepArena;
import cortado.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The off-heap backend's operations that have no segment kernel yet: each copies its off-heap inputs into heap
 * tensors, runs the heap backend's kernel, and copies the results (and, for in-place operations, the updated
 * operands) back. Results are therefore exactly the heap backend's; the price is the copies, and every operand must
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
            Tensor h = s.in(out);
            CPU.matmulInto(h, s.in(a), s.in(b), transA, transB, accumulate);
            s.back(out, h);
        }
    }

    Tensor sum(Tensor a, int dim, boolean keepDim) {
        try (Stage s = new Stage()) { return s.out(CPU.sum(s.in(a), dim, keepDim)); }
    }

    Tensor max(Tensor a, int dim, boolean keepDim) {
        try (Stage s = new Stage()) { return s.out(CPU.max(s.in(a), dim, keepDim)); }
    }

    Tensor sumToShape(Tensor a, int[] shape) {
        try (Stage s = new Stage()) { return s.out(CPU.sumToShape(s.in(a), shape)); }
    }

    Tensor gelu(Tensor x) {
        try (Stage s = new Stage()) { return s.out(CPU.gelu(s.in(x))); }
    }

    Tensor geluBackward(Tensor dy, Tensor x) {
        try (Stage s = new Stage()) { return s.out(CPU.geluBackward(s.in(dy), s.in(x))); }
    }

    Tensor geluErf(Tensor x) {
        try (Stage s = new Stage()) { return s.out(CPU.geluErf(s.in(x))); }
    }

    Tensor geluErfBackward(Tensor dy, Tensor x) {
        try (Stage s = new Stage()) { return s.out(CPU.geluErfBackward(s.in(dy), s.in(x))); }
    }

    Tensor biasGelu(Tensor z, Tensor bias) {
        try (Stage s = new Stage()) { return s.out(CPU.biasGelu(s.in(z), s.in(bias))); }
    }

    BiasGeluGrads biasGeluBackward(Tensor dy, Tensor z, Tensor bias) {
        try (Stage s = new Stage()) {
            BiasGeluGrads g = CPU.biasGeluBackward(s.in(dy), s.in(z), s.in(bias));
            return new BiasGeluGrads(s.out(g.dz()), s.out(g.dbias()));
        }
    }

    Tensor silu(Tensor x) {
        try (Stage s = new Stage()) { return s.out(CPU.silu(s.in(x))); }
    }

    Tensor siluBackward(Tensor dy, Tensor x) {
        try (Stage s = new Stage()) { return s.out(CPU.siluBackward(s.in(dy), s.in(x))); }
    }

    Tensor softmax(Tensor x) {
        try (Stage s = new Stage()) { return s.out(CPU.softmax(s.in(x))); }
    }

    Tensor softmaxBackward(Tensor dy, Tensor y) {
        try (Stage s = new Stage()) { return s.out(CPU.softmaxBackward(s.in(dy), s.in(y))); }
    }

    Tensor logSoftmax(Tensor x) {
        try (Stage s = new Stage()) { return s.out(CPU.logSoftmax(s.in(x))); }
    }

    Tensor logSoftmaxBackward(Tensor dy, Tensor y) {
        try (Stage s = new Stage()) { return s.out(CPU.logSoftmaxBackward(s.in(dy), s.in(y))); }
    }

    NormGrads layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd) {
        try (Stage s = new Stage()) {
            NormGrads g = CPU.layerNormBackward(s.in(dy), s.in(x), s.in(weight), s.in(mean), s.in(rstd));
            return new NormGrads(s.out(g.dx()), s.out(g.dweight()), s.out(g.dbias()));
        }
    }

    NormResult rmsNorm(Tensor x, Tensor weight, float eps) {
        try (Stage s = new Stage()) {
            NormResult r = CPU.rmsNorm(s.in(x), s.in(weight), eps);
            return new NormResult(s.out(r.out()), s.out(r.mean()), s.out(r.rstd()));
        }
    }

    NormGrads rmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd) {
        try (Stage s = new Stage()) {
            NormGrads g = CPU.rmsNormBackward(s.in(dy), s.in(x), s.in(weight), s.in(rstd));
            return new NormGrads(s.out(g.dx()), s.out(g.dweight()), s.out(g.dbias()));
        }
    }

    Tensor embedding(Tensor weight, int[] ids) {
        try (Stage s = new Stage()) { return s.out(CPU.embedding(s.in(weight), ids)); }
    }

    Tensor embeddingBackward(Tensor dy, int[] ids, int vocabSize) {
        try (Stage s = new Stage()) { return s.out(CPU.embeddingBackward(s.in(dy), ids, vocabSize)); }
    }

    void embeddingBackwardInto(Tensor dweight, Tensor dy, int[] ids) {
        try (Stage s = new Stage()) {
            Tensor h = s.in(dweight);
            CPU.embeddingBackwardInto(h, s.in(dy), ids);
            s.back(dweight, h);
        }
    }

    Tensor rope(Tensor x, int[] positions, RopeTable table, boolean inverse) {
        try (Stage s = new Stage()) {
            RopeTable t = table.cos().backend() == home ? new RopeTable(s.in(table.cos()), s.in(table.sin())) : table;
            return s.out(CPU.rope(s.in(x), positions, t, inverse));
        }
    }

    AttentionResult attention(Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale) {
        try (Stage s = new Stage()) {
            AttentionResult r = CPU.attention(s.in(q), s.in(k), s.in(v), mask, scale);
            return new AttentionResult(s.out(r.out()), s.out(r.lse()));
        }
    }

    AttentionGrads attentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                                     AttentionMask mask, float scale) {
        try (Stage s = new Stage()) {
            AttentionGrads g = CPU.attentionBackward(s.in(dout), s.in(q), s.in(k), s.in(v), s.in(out), s.in(lse), mask,
                    scale);
            return new AttentionGrads(s.out(g.dq()), s.out(g.dk()), s.out(g.dv()));
        }
    }

    CrossEntropyResult crossEntropy(Tensor logits, int[] targets, int ignoreIndex) {
        try (Stage s = new Stage()) {
            CrossEntropyResult r = CPU.crossEntropy(s.in(logits), targets, ignoreIndex);
            return new CrossEntropyResult(r.loss(), r.counted(), s.out(r.lse()));
        }
    }

    Tensor crossEntropyBackward(Tensor logits, int[] targets, Tensor lse, int ignoreIndex, float gradScale, int counted) {
        try (Stage s = new Stage()) {
            return s.out(CPU.crossEntropyBackward(s.in(logits), targets, s.in(lse), ignoreIndex, gradScale, counted));
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

    private QuantizedWeight heap(String op, QuantizedWeight w) {
        if (w instanceof Quantized q && q.backend() == home) return q.heap();
        throw new IllegalArgumentException(op + ": the quantized weight lives on " + w.backend().name()
                + ", the operation runs on " + home.name() + "; move it first");
    }

    void adamwInPlace(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, int step, float gradScale) {
        try (Stage s = new Stage()) {
            Tensor hp = s.in(param), hm = s.in(m), hv = s.in(v);
            CPU.adamwInPlace(hp, s.in(grad), hm, hv, lr, beta1, beta2, eps, weightDecay, step, gradScale);
            s.back(param, hp);
            s.back(m, hm);
            s.back(v, hv);
        }
    }
}
