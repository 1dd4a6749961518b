package cortado.tensor.cpu;

import cortado.tensor.AttentionMask;
import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.DType;
import cortado.tensor.GgmlType;
import cortado.tensor.QuantizedWeight;
import cortado.tensor.RopeTable;
import cortado.tensor.Tensor;
import cortado.tensor.cpu.quant.GgmlMatrix;
import cortado.tensor.cpu.quant.HalfMatrix;
import cortado.tensor.cpu.quant.Packed4bit;
import cortado.tensor.cpu.quant.PackedInt8;
import cortado.tensor.cpu.quant.QuantMatmul;
import cortado.tensor.cpu.quant.QuantizedMatrix;

/**
 * The CPU backend: every {@link Backend} operation, each delegated to the kernel class that holds its forward and
 * backward (Vector API SIMD, spread over {@link cortado.tensor.Parallel}'s threads). Matrix products go to
 * {@link Sgemm} through {@link Matmul}, which maps strided views onto GEMM arguments.
 */
public final class CpuBackend implements Backend {
    @Override public String name() { return "cpu"; }

    // ---- memory ----
    @Override public Tensor copy(Tensor x) { return Elementwise.copy(x); }
    @Override public void copyInto(Tensor dst, Tensor src) { Elementwise.copyInto(dst, src); }
    @Override public void fillInPlace(Tensor x, float value) { Elementwise.fill(x, value); }

    // ---- creation and host transfers: host memory is this backend's memory ----
    @Override public Tensor zeros(int... shape) { return Tensor.zeros(shape); }
    @Override public Tensor fromArray(float[] data, int... shape) { return Tensor.of(data, shape); }
    @Override public void readHost(Tensor x, HostFloats reader) {
        Tensor c = on("readHost", x).contiguous();
        reader.use(c.data(), c.offset(), c.numel());
    }
    @Override public void writeHost(Tensor dst, HostFloats writer) {
        if (on("writeHost", dst).isContiguous()) { writer.use(dst.data(), dst.offset(), dst.numel()); return; }
        Tensor staged = Tensor.zeros(dst.shape());
        writer.use(staged.data(), 0, staged.numel());
        Elementwise.copyInto(dst, staged);
    }

    // ---- matrix multiply ----
    @Override public Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        return Matmul.matmul(a, b, transA, transB);
    }

    @Override
    public void matmulInto(Tensor out, Tensor a, Tensor b, boolean transA, boolean transB, boolean accumulate) {
        Matmul.matmulInto(out, a, b, transA, transB, accumulate);
    }

    // ---- elementwise ----
    @Override public Tensor add(Tensor a, Tensor b) { return Elementwise.binary(Elementwise.Op.ADD, a, b); }
    @Override public Tensor sub(Tensor a, Tensor b) { return Elementwise.binary(Elementwise.Op.SUB, a, b); }
    @Override public Tensor mul(Tensor a, Tensor b) { return Elementwise.binary(Elementwise.Op.MUL, a, b); }
    @Override public Tensor div(Tensor a, Tensor b) { return Elementwise.binary(Elementwise.Op.DIV, a, b); }
    @Override public Tensor scale(Tensor a, float s) { return Elementwise.affine(a, s, 0f); }
    @Override public Tensor addScalar(Tensor a, float s) { return Elementwise.affine(a, 1f, s); }
    @Override public void axpyInPlace(Tensor dst, float alpha, Tensor src) { Elementwise.axpy(dst, alpha, src); }
    @Override public void scaleInPlace(Tensor x, float s) { Elementwise.scaleInPlace(x, s); }
    @Override public void addRowsInPlace(Tensor x, Tensor row) { Elementwise.addRowsInPlace(x, row); }
    @Override public Tensor exp(Tensor a) { return Elementwise.unary(Elementwise.Fn.EXP, a); }
    @Override public Tensor log(Tensor a) { return Elementwise.unary(Elementwise.Fn.LOG, a); }
    @Override public Tensor tanh(Tensor a) { return Elementwise.unary(Elementwise.Fn.TANH, a); }
    @Override public Tensor sigmoid(Tensor a) { return Elementwise.unary(Elementwise.Fn.SIGMOID, a); }

    // ---- reductions ----
    @Override public Tensor sum(Tensor a, int dim, boolean keepDim) { return Reductions.sum(a, dim, keepDim); }
    @Override public double sumAll(Tensor a) { return Reductions.sumAll(a); }
    @Override public double sumOfSquares(Tensor a) { return Reductions.sumOfSquares(a); }
    @Override public Tensor max(Tensor a, int dim, boolean keepDim) { return Reductions.max(a, dim, keepDim); }
    @Override public Tensor sumToShape(Tensor a, int[] shape) { return Reductions.sumToShape(a, shape); }

    // ---- activations ----
    @Override public Tensor gelu(Tensor x) { return Activations.gelu(x); }
    @Override public Tensor geluBackward(Tensor dy, Tensor x) { return Activations.geluBackward(dy, x); }
    @Override public Tensor geluErf(Tensor x) { return GeluErfKernel.forward(x); }
    @Override public Tensor geluErfBackward(Tensor dy, Tensor x) { return GeluErfKernel.backward(dy, x); }
    @Override public Tensor biasGelu(Tensor z, Tensor bias) { return BiasGeluKernel.forward(z, bias); }
    @Override public BiasGeluGrads biasGeluBackward(Tensor dy, Tensor z, Tensor bias) {
        return BiasGeluKernel.backward(dy, z, bias);
    }
    @Override public Tensor silu(Tensor x) { return Activations.silu(x); }
    @Override public Tensor siluBackward(Tensor dy, Tensor x) { return Activations.siluBackward(dy, x); }
    @Override public Tensor softmax(Tensor x) { return Softmax.softmax(x); }
    @Override public Tensor softmaxBackward(Tensor dy, Tensor y) { return Softmax.softmaxBackward(dy, y); }
    @Override public Tensor logSoftmax(Tensor x) { return Softmax.logSoftmax(x); }
    @Override public Tensor logSoftmaxBackward(Tensor dy, Tensor y) { return Softmax.logSoftmaxBackward(dy, y); }

    // ---- normalization ----
    @Override public NormResult layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        return LayerNormKernel.forward(x, weight, bias, eps);
    }
    @Override public NormGrads layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd) {
        return LayerNormKernel.backward(dy, x, weight, mean, rstd);
    }
    @Override public NormResult rmsNorm(Tensor x, Tensor weight, float eps) { return RmsNormKernel.forward(x, weight, eps); }
    @Override public NormGrads rmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd) {
        return RmsNormKernel.backward(dy, x, weight, rstd);
    }

    // ---- dropout ----
    @Override public Tensor dropout(Tensor x, float p, long key) { return DropoutKernel.forward(x, p, key); }

    // ---- embeddings and positions ----
    @Override public Tensor embedding(Tensor weight, int[] ids) { return EmbeddingKernel.forward(weight, ids); }
    @Override public Tensor embeddingBackward(Tensor dy, int[] ids, int vocabSize) {
        return EmbeddingKernel.backward(dy, ids, vocabSize);
    }
    @Override public void embeddingBackwardInto(Tensor dweight, Tensor dy, int[] ids) {
        EmbeddingKernel.scatterAdd(dweight, dy, ids);
    }
    @Override public Tensor rope(Tensor x, int[] positions, RopeTable table, boolean inverse) {
        return RopeKernel.apply(x, positions, table, inverse);
    }

    // ---- attention ----
    @Override public AttentionResult attention(Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale) {
        return AttentionKernel.forward(q, k, v, mask, scale);
    }
    @Override public AttentionResult pagedAttention(Tensor q, Tensor keyBlocks, Tensor valueBlocks, int[][] blockTables,
                                                    int[] keyLengths, AttentionMask mask, float scale) {
        int s = Backend.checkPagedShapes(q, keyBlocks, valueBlocks, blockTables, keyLengths);
        return AttentionKernel.forward(q, new PagedKeyValues(keyBlocks, valueBlocks, blockTables, keyLengths),
                keyBlocks.size(1), s, mask, scale);
    }
    @Override public AttentionGrads attentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                                                      AttentionMask mask, float scale) {
        return AttentionKernel.backward(dout, q, k, v, out, lse, mask, scale);
    }

    // ---- loss ----
    @Override public CrossEntropyResult crossEntropy(Tensor logits, int[] targets, int ignoreIndex) {
        return CrossEntropyKernel.forward(logits, targets, ignoreIndex);
    }
    @Override public Tensor crossEntropyBackward(Tensor logits, int[] targets, Tensor lse, int ignoreIndex,
                                                 float gradScale, int counted) {
        return CrossEntropyKernel.backward(logits, targets, lse, ignoreIndex, gradScale, counted);
    }
    @Override public void crossEntropyBackwardInPlace(Tensor logits, int[] targets, Tensor lse, int ignoreIndex,
                                                      float gradScale, int counted) {
        CrossEntropyKernel.backwardInPlace(logits, targets, lse, ignoreIndex, gradScale, counted);
    }

    // ---- quantized weights ----
    @Override public QuantizedWeight quantized4bit(byte[] packed, float[] absmax, float[] code, int blocksize, int rows,
                                                   int cols) {
        return new Packed4bit(packed, absmax, code, blocksize, rows, cols);
    }
    @Override public QuantizedWeight quantizedInt8(byte[] codes, float[] scale, int group, int rows, int cols) {
        return new PackedInt8(codes, scale, group, rows, cols);
    }
    @Override public Tensor quantizedMatmul(Tensor x, QuantizedWeight w) {
        QuantizedMatrix m = matrix("quantizedMatmul", w);
        Tensor xc = checkFeatures("quantizedMatmul", on("quantizedMatmul", x), m.cols()).contiguous();
        int rows = xc.numel() / Math.max(1, m.cols());
        int[] shape = x.shape();
        shape[shape.length - 1] = m.rows();
        // Every element is written, so a pooled step buffer (not a fresh array each call) needs no zero fill.
        Tensor y = Tensor.empty(shape);
        QuantMatmul.matmul(m, xc.data(), xc.offset(), rows, y.data(), y.offset());
        return y;
    }
    @Override public Tensor quantizedMatmulGradInput(Tensor dy, QuantizedWeight w) {
        QuantizedMatrix m = matrix("quantizedMatmulGradInput", w);
        Tensor gc = checkFeatures("quantizedMatmulGradInput", on("quantizedMatmulGradInput", dy), m.rows()).contiguous();
        int rows = gc.numel() / Math.max(1, m.rows());
        int[] shape = dy.shape();
        shape[shape.length - 1] = m.cols();
        Tensor dx = Tensor.empty(shape);
        QuantMatmul.matmulGradInput(m, gc.data(), gc.offset(), rows, dx.data(), dx.offset());
        return dx;
    }

    @Override public QuantizedWeight weight16bit(DType dtype, short[] bits, int rows, int cols) {
        return HalfMatrix.of(dtype, bits, rows, cols);
    }
    @Override public QuantizedWeight quantizedGgml(GgmlType type, byte[] blocks, int rows, int cols) {
        return GgmlMatrix.of(type, blocks, rows, cols);
    }
    @Override public void readHost16(QuantizedWeight w, HostShorts reader) {
        if (!(matrix("readHost16", w) instanceof HalfMatrix h))
            throw new IllegalArgumentException("readHost16: " + w.getClass().getSimpleName() + " is not a 16-bit weight");
        reader.use(h.bits(), 0, h.bits().length);
    }
    @Override public Tensor quantizedEmbedding(QuantizedWeight w, int[] ids) {
        QuantizedMatrix m = matrix("quantizedEmbedding", w);
        int c = m.cols();
        for (int id : ids)
            if (id < 0 || id >= m.rows())
                throw new IllegalArgumentException("id " + id + " out of range for an embedding of " + m.rows() + " rows");
        float[] y = new float[ids.length * c];
        Chunks.range(ids.length, Math.max(1, 8192 / Math.max(1, c)), (from, to) -> {
            for (int i = from; i < to; i++) m.decode(ids[i], ids[i] + 1, 0, c, y, i * c, c);
        });
        return Tensor.of(y, ids.length, c);
    }

    // ---- optimizer ----
    @Override public void adamwInPlace(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                                       float eps, float weightDecay, int step, float gradScale) {
        AdamWKernel.step(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step, gradScale);
    }

    @Override public void adamwRangeInPlace(Tensor param, Tensor grad, long from, int n, java.lang.foreign.MemorySegment m,
                                            long mAt, java.lang.foreign.MemorySegment v, long vAt, float lr, float beta1,
                                            float beta2, float eps, float weightDecay, int step, float gradScale) {
        cortado.tensor.cpu.AdamWRangeKernel.step(param, grad, from, n, m, mAt, v, vAt, lr, beta1, beta2, eps,
                weightDecay, step, gradScale);
    }

    @Override public void adam8bitInPlace(Tensor param, Tensor grad, long from, int n, java.lang.foreign.MemorySegment state,
                                          long codes2At, long absmax1At, long absmax2At, cortado.tensor.Adam8bit.Maps maps,
                                          cortado.tensor.Adam8bit.Hyper h) {
        cortado.tensor.cpu.quant.Adam8bitKernel.step(param, grad, from, n, state, codes2At, absmax1At,
                absmax2At, maps, h);
    }

    @Override public void sgdInPlace(Tensor param, Tensor grad, Tensor buf, float lr, float momentum, float dampening,
                                     float weightDecay, boolean nesterov, boolean firstStep, float gradScale) {
        Backends.requireOn(this, "sgdInPlace", param, grad, buf);
        SgdKernel.step(param, grad, buf, lr, momentum, dampening, weightDecay, nesterov, firstStep, gradScale);
    }

    @Override public void lionInPlace(Tensor param, Tensor grad, Tensor m, float lr, float beta1, float beta2,
                                      float weightDecay, float gradScale) {
        Backends.requireOn(this, "lionInPlace", param, grad, m);
        LionKernel.step(param, grad, m, lr, beta1, beta2, weightDecay, gradScale);
    }

    @Override public void lambUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor update, float beta1,
                                     float beta3, float beta2, float eps, float weightDecay, double biasCorrection1,
                                     double biasCorrection2, float gradScale) {
        Backends.requireOn(this, "lambUpdate", param, grad, m, v, update);
        LambKernel.update(param, grad, m, v, update, beta1, beta3, beta2, eps, weightDecay, biasCorrection1,
                biasCorrection2, gradScale);
    }

    @Override public double adafactorFactoredUpdate(Tensor grad, Tensor row, Tensor col, Tensor update, int matrices,
                                                    int rows, int cols, float gradScale) {
        Backends.requireOn(this, "adafactorFactoredUpdate", grad, row, col, update);
        return AdafactorKernel.factored(grad, row, col, update, matrices, rows, cols, gradScale);
    }

    @Override public double adafactorUnfactoredUpdate(Tensor grad, Tensor v, Tensor update, float beta2t, float eps1,
                                                      float gradScale) {
        Backends.requireOn(this, "adafactorUnfactoredUpdate", grad, v, update);
        return AdafactorKernel.unfactored(grad, v, update, beta2t, eps1, gradScale);
    }

    // ---- checks ----
    // A kernel given a tensor of another backend fails in Tensor.data(), naming both backends.

    /** {@code x} itself, after checking that it lives on this backend. */
    private Tensor on(String op, Tensor x) {
        Backends.requireOn(this, op, x);
        return x;
    }

    private QuantizedMatrix matrix(String op, QuantizedWeight w) {
        if (w instanceof QuantizedMatrix m && w.backend() == this) return m;
        throw new IllegalArgumentException(op + ": the quantized weight lives on " + w.backend().name()
                + ", the operation runs on " + name() + "; move it first");
    }

    private static Tensor checkFeatures(String op, Tensor x, int features) {
        if (x.rank() < 1 || x.size(-1) != features)
            throw new IllegalArgumentException(op + ": input " + x + " does not end in " + features + " features");
        return x;
    }
}
