package cortado.tensor.offheap;

import cortado.tensor.AttentionMask;
import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.DType;
import cortado.tensor.GgmlType;
import cortado.tensor.OffHeapStorage;
import cortado.tensor.QuantizedWeight;
import cortado.tensor.RopeTable;
import cortado.tensor.Tensor;
import cortado.tensor.offheap.SegmentKernels.Fn;
import cortado.tensor.offheap.SegmentKernels.Op;
import cortado.tensor.offheap.SegmentActivations.Kind;
import java.lang.foreign.MemorySegment;

/**
 * The second CPU backend: tensors live in native memory ({@link OffHeapStorage}, one {@link MemorySegment} per storage,
 * indexed by long, so a tensor may hold more than 2^31 elements). Most operations run on the segments themselves
 * (Vector API {@code fromMemorySegment} loads, long loops, the heap kernels' formulas): memory, creation, host
 * transfers, elementwise and scalar ops, reductions, GELU (tanh and exact) and SiLU, softmax and log-softmax,
 * LayerNorm and RMSNorm, fused bias + GELU, embeddings, RoPE, attention with every mask kind, cross-entropy and AdamW,
 * each with its backward. The matrix products and the quantized products are {@linkplain HeapStaged staged}: inputs
 * are copied into heap tensors, the heap backend's kernel runs (BLIS-shaped sgemm, fused 4-bit and int8 products),
 * and the results are copied back, so they compute exactly what the heap backend computes, at the cost of the copies
 * (O(n^2) against the product's O(n^3)) and with each operand limited to 2^31 elements.
 */
public final class OffHeapBackend implements Backend {
    private final HeapStaged staged = new HeapStaged(this);

    @Override public String name() { return "offheap"; }

    @Override public String toString() { return "off-heap backend"; }

    /** A new contiguous off-heap tensor whose contents a kernel overwrites entirely. */
    static Tensor empty(int... shape) {
        return new Tensor(new OffHeapStorage(Tensor.numelOf(shape), false), shape, Tensor.contiguousStridesLong(shape), 0);
    }

    /** A new zero-filled contiguous off-heap tensor. */
    static Tensor zeroed(int... shape) {
        return new Tensor(new OffHeapStorage(Tensor.numelOf(shape), true), shape, Tensor.contiguousStridesLong(shape), 0);
    }

    /** A contiguous off-heap copy of {@code x}. */
    static Tensor copyOf(Tensor x) {
        Tensor out = empty(x.shape());
        SegmentKernels.copyInto(out, x);
        return out;
    }

    // ---- memory ----
    @Override public Tensor copy(Tensor x) { return copyOf(on("copy", x)); }
    @Override public void copyInto(Tensor dst, Tensor src) { SegmentKernels.copyInto(on("copyInto", dst, src), src); }
    @Override public void fillInPlace(Tensor x, float value) { SegmentKernels.fill(on("fillInPlace", x), value); }

    // ---- creation and host transfers ----
    @Override public Tensor zeros(int... shape) { return zeroed(shape); }

    @Override public Tensor fromArray(float[] data, int... shape) {
        if (Tensor.numelOf(shape) != data.length)
            throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape) + " needs "
                    + Tensor.numelOf(shape) + " elements, got " + data.length);
        Tensor out = empty(shape);
        MemorySegment.copy(data, 0, out.storage().segment(), SegmentKernels.F32, 0, data.length);
        return out;
    }

    @Override public void readHost(Tensor x, HostFloats reader) {
        float[] host = new float[hostLength("readHost", on("readHost", x))];
        SegmentKernels.copyInto(Tensor.of(host, x.shape()), x);
        reader.use(host, 0, host.length);
    }

    @Override public void writeHost(Tensor dst, HostFloats writer) {
        float[] host = new float[hostLength("writeHost", on("writeHost", dst))];
        writer.use(host, 0, host.length);
        SegmentKernels.copyInto(dst, Tensor.of(host, dst.shape()));
    }

    @Override public Tensor transfer(Tensor x) {
        if (x.backend() == this) return x;
        Tensor out = zeros(x.shape());
        x.backend().readHost(x, (src, off, n) ->
                MemorySegment.copy(src, off, out.storage().segment(), SegmentKernels.F32, 0, n));
        return out;
    }

    private static int hostLength(String op, Tensor x) {
        long n = x.numelLong();
        if (n > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException(op + ": " + x + " has " + n + " elements, more than one host array holds;"
                    + " transfer slices of it");
        return (int) n;
    }

    // ---- matrix multiply ----
    @Override public Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        return staged.matmul(on("matmul", a, b), b, transA, transB);
    }
    @Override public void matmulInto(Tensor out, Tensor a, Tensor b, boolean transA, boolean transB, boolean accumulate) {
        staged.matmulInto(on("matmulInto", out, a, b), a, b, transA, transB, accumulate);
    }

    // ---- elementwise ----
    @Override public Tensor add(Tensor a, Tensor b) { return SegmentKernels.binary(Op.ADD, on("add", a, b), b); }
    @Override public Tensor sub(Tensor a, Tensor b) { return SegmentKernels.binary(Op.SUB, on("sub", a, b), b); }
    @Override public Tensor mul(Tensor a, Tensor b) { return SegmentKernels.binary(Op.MUL, on("mul", a, b), b); }
    @Override public Tensor div(Tensor a, Tensor b) { return SegmentKernels.binary(Op.DIV, on("div", a, b), b); }
    @Override public Tensor scale(Tensor a, float s) { return SegmentKernels.affine(on("scale", a), s, 0f); }
    @Override public Tensor addScalar(Tensor a, float s) { return SegmentKernels.affine(on("addScalar", a), 1f, s); }
    @Override public void axpyInPlace(Tensor dst, float alpha, Tensor src) {
        SegmentKernels.axpy(on("axpyInPlace", dst, src), alpha, src);
    }
    @Override public void scaleInPlace(Tensor x, float s) { SegmentKernels.scaleInPlace(on("scaleInPlace", x), s); }
    @Override public void addRowsInPlace(Tensor x, Tensor row) {
        SegmentKernels.addRowsInPlace(on("addRowsInPlace", x, row), row);
    }
    @Override public Tensor exp(Tensor a) { return SegmentKernels.unary(Fn.EXP, on("exp", a)); }
    @Override public Tensor log(Tensor a) { return SegmentKernels.unary(Fn.LOG, on("log", a)); }
    @Override public Tensor tanh(Tensor a) { return SegmentKernels.unary(Fn.TANH, on("tanh", a)); }
    @Override public Tensor sigmoid(Tensor a) { return SegmentKernels.unary(Fn.SIGMOID, on("sigmoid", a)); }

    // ---- reductions ----
    @Override public Tensor sum(Tensor a, int dim, boolean keepDim) {
        return SegmentReductions.reduce(on("sum", a), dim, keepDim, false);
    }
    @Override public double sumAll(Tensor a) { return SegmentReductions.sumAll(on("sumAll", a), false); }
    @Override public double sumOfSquares(Tensor a) { return SegmentReductions.sumAll(on("sumOfSquares", a), true); }
    @Override public Tensor max(Tensor a, int dim, boolean keepDim) {
        return SegmentReductions.reduce(on("max", a), dim, keepDim, true);
    }
    @Override public Tensor sumToShape(Tensor a, int[] shape) {
        return SegmentReductions.sumToShape(on("sumToShape", a), shape);
    }

    // ---- activations ----
    @Override public Tensor gelu(Tensor x) { return SegmentActivations.forward(Kind.GELU, on("gelu", x)); }
    @Override public Tensor geluBackward(Tensor dy, Tensor x) {
        return SegmentActivations.backward(Kind.GELU, on("geluBackward", dy, x), x);
    }
    @Override public Tensor geluErf(Tensor x) { return SegmentActivations.geluErf(on("geluErf", x)); }
    @Override public Tensor geluErfBackward(Tensor dy, Tensor x) {
        return SegmentActivations.geluErfBackward(on("geluErfBackward", dy, x), x);
    }
    @Override public Tensor biasGelu(Tensor z, Tensor bias) {
        return SegmentActivations.biasGelu(on("biasGelu", z, bias), bias);
    }
    @Override public BiasGeluGrads biasGeluBackward(Tensor dy, Tensor z, Tensor bias) {
        return SegmentActivations.biasGeluBackward(on("biasGeluBackward", dy, z, bias), z, bias);
    }
    @Override public Tensor silu(Tensor x) { return SegmentActivations.forward(Kind.SILU, on("silu", x)); }
    @Override public Tensor siluBackward(Tensor dy, Tensor x) {
        return SegmentActivations.backward(Kind.SILU, on("siluBackward", dy, x), x);
    }
    @Override public Tensor softmax(Tensor x) { return SegmentSoftmax.forward(on("softmax", x), false); }
    @Override public Tensor softmaxBackward(Tensor dy, Tensor y) {
        return SegmentSoftmax.backward(on("softmaxBackward", dy, y), y, false);
    }
    @Override public Tensor logSoftmax(Tensor x) { return SegmentSoftmax.forward(on("logSoftmax", x), true); }
    @Override public Tensor logSoftmaxBackward(Tensor dy, Tensor y) {
        return SegmentSoftmax.backward(on("logSoftmaxBackward", dy, y), y, true);
    }

    // ---- normalization ----
    @Override public NormResult layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        return SegmentNorms.forward(on("layerNorm", x, weight, bias), weight, bias, eps);
    }
    @Override public NormGrads layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd) {
        return SegmentNorms.backward(on("layerNormBackward", dy, x, weight, mean, rstd), x, weight, mean, rstd);
    }
    @Override public NormResult rmsNorm(Tensor x, Tensor weight, float eps) {
        return SegmentNorms.rmsForward(on("rmsNorm", x, weight), weight, eps);
    }
    @Override public NormGrads rmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd) {
        return SegmentNorms.backward(on("rmsNormBackward", dy, x, weight, rstd), x, weight, null, rstd, true);
    }

    // ---- embeddings and positions ----
    @Override public Tensor embedding(Tensor weight, int[] ids) {
        return SegmentEmbedding.forward(on("embedding", weight), ids);
    }
    @Override public Tensor embeddingBackward(Tensor dy, int[] ids, int vocabSize) {
        return SegmentEmbedding.backward(on("embeddingBackward", dy), ids, vocabSize);
    }
    @Override public void embeddingBackwardInto(Tensor dweight, Tensor dy, int[] ids) {
        SegmentEmbedding.scatterAdd(on("embeddingBackwardInto", dweight, dy), dy, ids);
    }
    @Override public Tensor rope(Tensor x, int[] positions, RopeTable table, boolean inverse) {
        return SegmentRope.apply(on("rope", x), positions, table, inverse);
    }

    // ---- attention ----
    @Override public AttentionResult attention(Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale) {
        return SegmentAttention.forward(on("attention", q, k, v), k, v, mask, scale);
    }
    @Override public AttentionGrads attentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                                                      AttentionMask mask, float scale) {
        return SegmentAttention.backward(on("attentionBackward", dout, q, k, v, out, lse), q, k, v, out, lse, mask,
                scale);
    }

    // ---- loss ----
    @Override public CrossEntropyResult crossEntropy(Tensor logits, int[] targets, int ignoreIndex) {
        return SegmentCrossEntropy.forward(on("crossEntropy", logits), targets, ignoreIndex);
    }
    @Override public Tensor crossEntropyBackward(Tensor logits, int[] targets, Tensor lse, int ignoreIndex,
                                                 float gradScale, int counted) {
        return SegmentCrossEntropy.backward(on("crossEntropyBackward", logits, lse), targets, lse, ignoreIndex,
                gradScale, counted);
    }

    // ---- quantized weights: the packed codes stay in heap arrays, read by the heap backend's fused kernels ----
    @Override public QuantizedWeight quantized4bit(byte[] packed, float[] absmax, float[] code, int blocksize, int rows,
                                                   int cols) {
        return new HeapStaged.Quantized(Backends.cpu().quantized4bit(packed, absmax, code, blocksize, rows, cols), this);
    }
    @Override public QuantizedWeight quantizedInt8(byte[] codes, float[] scale, int group, int rows, int cols) {
        return new HeapStaged.Quantized(Backends.cpu().quantizedInt8(codes, scale, group, rows, cols), this);
    }
    @Override public QuantizedWeight weight16bit(DType dtype, short[] bits, int rows, int cols) {
        return new HeapStaged.Quantized(Backends.cpu().weight16bit(dtype, bits, rows, cols), this);
    }
    @Override public QuantizedWeight quantizedGgml(GgmlType type, byte[] blocks, int rows, int cols) {
        return new HeapStaged.Quantized(Backends.cpu().quantizedGgml(type, blocks, rows, cols), this);
    }
    @Override public void readHost16(QuantizedWeight w, HostShorts reader) { staged.readHost16(w, reader); }
    @Override public Tensor quantizedEmbedding(QuantizedWeight w, int[] ids) { return staged.quantizedEmbedding(w, ids); }
    @Override public Tensor quantizedMatmul(Tensor x, QuantizedWeight w) {
        return staged.quantizedMatmul(on("quantizedMatmul", x), w);
    }
    @Override public Tensor quantizedMatmulGradInput(Tensor dy, QuantizedWeight w) {
        return staged.quantizedMatmulGradInput(on("quantizedMatmulGradInput", dy), w);
    }

    // ---- dropout ----
    @Override public Tensor dropout(Tensor x, float p, long key) { return staged.dropout(on("dropout", x), p, key); }

    // ---- optimizer ----
    @Override public void adamwInPlace(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                                       float eps, float weightDecay, int step, float gradScale) {
        SegmentAdamW.step(on("adamwInPlace", param, grad, m, v), grad, m, v, lr, beta1, beta2, eps, weightDecay, step,
                gradScale);
    }

    @Override public void adamwRangeInPlace(Tensor param, Tensor grad, long from, int n, java.lang.foreign.MemorySegment m,
                                            long mAt, java.lang.foreign.MemorySegment v, long vAt, float lr, float beta1,
                                            float beta2, float eps, float weightDecay, int step, float gradScale) {
        cortado.tensor.cpu.AdamWRangeKernel.step(on("adamwRangeInPlace", param, grad), grad, from, n, m, mAt, v, vAt, lr, beta1, beta2, eps,
                weightDecay, step, gradScale);
    }

    @Override public void adam8bitInPlace(Tensor param, Tensor grad, long from, int n, java.lang.foreign.MemorySegment state,
                                          long codes2At, long absmax1At, long absmax2At, cortado.tensor.Adam8bit.Maps maps,
                                          cortado.tensor.Adam8bit.Hyper h) {
        cortado.tensor.cpu.quant.Adam8bitKernel.step(on("adam8bitInPlace", param, grad), grad, from, n, state, codes2At, absmax1At,
                absmax2At, maps, h);
    }

    // The optimizer kernels read their tensors' storage segments, so the CPU backend's serve both.

    @Override public void sgdInPlace(Tensor param, Tensor grad, Tensor buf, float lr, float momentum, float dampening,
                                     float weightDecay, boolean nesterov, boolean firstStep, float gradScale) {
        cortado.tensor.cpu.SgdKernel.step(on("sgdInPlace", param, grad, buf), grad, buf, lr, momentum, dampening,
                weightDecay, nesterov, firstStep, gradScale);
    }

    @Override public void lionInPlace(Tensor param, Tensor grad, Tensor m, float lr, float beta1, float beta2,
                                      float weightDecay, float gradScale) {
        cortado.tensor.cpu.LionKernel.step(on("lionInPlace", param, grad, m), grad, m, lr, beta1, beta2, weightDecay,
                gradScale);
    }

    @Override public void lambUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor update, float beta1,
                                     float beta3, float beta2, float eps, float weightDecay, double biasCorrection1,
                                     double biasCorrection2, float gradScale) {
        cortado.tensor.cpu.LambKernel.update(on("lambUpdate", param, grad, m, v, update), grad, m, v, update, beta1,
                beta3, beta2, eps, weightDecay, biasCorrection1, biasCorrection2, gradScale);
    }

    @Override public double adafactorFactoredUpdate(Tensor grad, Tensor row, Tensor col, Tensor update, int matrices,
                                                    int rows, int cols, float gradScale) {
        return cortado.tensor.cpu.AdafactorKernel.factored(on("adafactorFactoredUpdate", grad, row, col, update), row,
                col, update, matrices, rows, cols, gradScale);
    }

    @Override public double adafactorUnfactoredUpdate(Tensor grad, Tensor v, Tensor update, float beta2t, float eps1,
                                                      float gradScale) {
        return cortado.tensor.cpu.AdafactorKernel.unfactored(on("adafactorUnfactoredUpdate", grad, v, update), v,
                update, beta2t, eps1, gradScale);
    }

    /** The first tensor, after checking that every non-null one lives on this backend (the error names both). */
    private Tensor on(String op, Tensor first, Tensor... rest) {
        Backends.requireOn(this, op, first);
        Backends.requireOn(this, op, rest);
        return first;
    }
}
