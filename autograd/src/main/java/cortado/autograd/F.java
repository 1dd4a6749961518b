package cortado.autograd;

import cortado.tensor.AttentionMask;
import cortado.tensor.QuantizedWeight;
import cortado.tensor.RopeTable;
import cortado.tensor.Tensor;

/**
 * The differentiable operations, as one static facade (the counterpart of {@code torch.nn.functional}). Each call
 * computes through the input's backend and, when grad mode is on ({@link NoGrad} not active) and an input requires
 * grad, records itself on the tape for {@link Autograd#backward}. Each op's forward and backward live side by side in
 * its own file (MatMul, Linear, LayerNormOp, Attention, ...).
 */
public final class F {
    private F() {}

    // ---- matrix products ----

    /** a @ b over the last two dimensions (batched; a 2-D operand is shared by every batch). */
    public static Tensor matmul(Tensor a, Tensor b) { return MatMul.apply(a, b, false, false); }

    /** op(a) @ op(b), op transposing the last two dimensions when asked (no copy is made). */
    public static Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        return MatMul.apply(a, b, transA, transB);
    }

    /** A^-1 over the last two dimensions (a batch of small square matrices; torch.linalg.inv), differentiable. */
    public static Tensor inverse(Tensor a) { return Inverse.apply(a); }

    /** x[..., in] @ weight[out, in]^T + bias[out] (bias may be null): nn.Linear. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) { return Linear.apply(x, weight, bias); }

    /** gelu(x @ weight^T + bias), the bias and GELU fused in one pass (weight [out, in], bias [out] or null). */
    public static Tensor linearGelu(Tensor x, Tensor weight, Tensor bias) {
        return Linear.apply(x, weight, bias, false, true);
    }

    /**
     * x[..., in] @ W^T for a frozen W [out, in] kept by the backend in 16 bits, 4 bits or int8
     * ({@link cortado.tensor.Backend#weight16bit}, {@code quantized4bit}, {@code quantizedInt8}): the kernel converts
     * as it multiplies. Backward gives dL/dx only; the weight has no gradient.
     */
    public static Tensor frozenLinear(Tensor x, QuantizedWeight w) { return FrozenLinear.apply(x, w); }

    /** x[..., in] @ weight[in, out] + bias[out]: GPT-2's Conv1D layout (bias may be null). */
    public static Tensor affine(Tensor x, Tensor weight, Tensor bias) { return Linear.apply(x, weight, bias, true, false); }

    /** gelu(x @ weight + bias) with weight [in, out], the bias and GELU fused in one pass. */
    public static Tensor affineGelu(Tensor x, Tensor weight, Tensor bias) {
        return Linear.apply(x, weight, bias, true, true);
    }

    /**
     * y + (scale * h) @ weight^T for y [..., out], h [..., r], weight [out, r]: a low-rank update added onto a layer's
     * output in one op (LoRA's {@code base(x) + scaling * lora_B(h)}), making one [N, out] tensor instead of three.
     */
    public static Tensor addLinear(Tensor y, Tensor h, Tensor weight, float scale) {
        return AddLinear.apply(y, h, weight, scale, false);
    }

    /** gelu(y + (scale * h) @ weight^T), GELU (tanh form) fused after the sum. */
    public static Tensor addLinearGelu(Tensor y, Tensor h, Tensor weight, float scale) {
        return AddLinear.apply(y, h, weight, scale, true);
    }

    // ---- elementwise (NumPy broadcasting) ----

    public static Tensor add(Tensor a, Tensor b) { return Add.apply(a, b); }

    public static Tensor sub(Tensor a, Tensor b) { return Sub.apply(a, b); }

    public static Tensor mul(Tensor a, Tensor b) { return Mul.apply(a, b); }

    public static Tensor div(Tensor a, Tensor b) { return Div.apply(a, b); }

    /** x * s. */
    public static Tensor scale(Tensor x, float s) { return Scale.apply(x, s); }

    /** x + s. */
    public static Tensor addScalar(Tensor x, float s) { return AddScalar.apply(x, s); }

    /** -x. */
    public static Tensor neg(Tensor x) { return Scale.apply(x, -1f); }

    public static Tensor exp(Tensor x) { return Exp.apply(x); }

    /** Natural logarithm. */
    public static Tensor log(Tensor x) { return Log.apply(x); }

    public static Tensor tanh(Tensor x) { return Tanh.apply(x); }

    public static Tensor sigmoid(Tensor x) { return Sigmoid.apply(x); }

    /** GELU, tanh approximation (GPT-2). */
    public static Tensor gelu(Tensor x) { return Gelu.apply(x); }

    /** Exact GELU with erf (BERT's "gelu"). */
    public static Tensor geluErf(Tensor x) { return GeluErf.apply(x); }

    /** ReLU max(x, 0). */
    public static Tensor relu(Tensor x) { return Relu.apply(x); }

    /** SiLU (swish): x * sigmoid(x). */
    public static Tensor silu(Tensor x) { return Silu.apply(x); }

    /** Softmax over the last dimension. */
    public static Tensor softmax(Tensor x) { return Softmax.apply(x); }

    /** Log-softmax over the last dimension. */
    public static Tensor logSoftmax(Tensor x) { return LogSoftmax.apply(x); }

    // ---- normalization ----

    /** LayerNorm over the last dimension; weight [C], bias [C] or null. */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) {
        return LayerNormOp.apply(x, weight, bias, eps);
    }

    /** RMSNorm over the last dimension; weight [C]. */
    public static Tensor rmsNorm(Tensor x, Tensor weight, float eps) { return RmsNormOp.apply(x, weight, eps); }

    // ---- embeddings, positions, attention ----

    /** Rows of weight [V, C] for each id: [ids.length, C]. */
    public static Tensor embedding(Tensor weight, int[] ids) { return EmbeddingOp.apply(weight, ids); }

    /**
     * {@code torch.fft.ifft2(X).real} [m, n] of the real X that is zero but for {@code X[rows[j], cols[j]] = values[j]}
     * (values [n_values]; FourierFT's spectrum), differentiable w.r.t. values.
     */
    public static Tensor sparseIfft2Real(Tensor values, int[] rows, int[] cols, int m, int n) {
        return SpectrumIfft2.apply(values, rows, cols, m, n);
    }

    /**
     * Rows {@code ids} of a frozen table kept by the backend in 16 bits, 4 bits or int8, decoded to fp32
     * ([ids.length, C]). Nothing is recorded: the table has no gradient and the ids are not differentiable.
     */
    public static Tensor frozenEmbedding(QuantizedWeight table, int[] ids) {
        for (int i = 0; i < ids.length; i++)
            if (ids[i] < 0 || ids[i] >= table.rows())
                throw new IllegalArgumentException("token id " + ids[i] + " at position " + i
                        + " is outside the vocabulary of " + table.rows());
        return table.backend().quantizedEmbedding(table, ids);
    }

    /**
     * Rotary embedding of x [B, H, T, D]: token (b, t) is rotated by row {@code positions[b * T + t]} of {@code table}
     * (positions row-major [B, T]; an unpadded sequence is start .. start+T-1 in every row).
     */
    public static Tensor rope(Tensor x, int[] positions, RopeTable table) { return Rope.apply(x, positions, table); }

    /**
     * Fused attention: q [B, H, T, D], k and v [B, Hkv, S, D] (H a multiple of Hkv). When causal, query t sits at position
     * S - T + t. Returns [B, H, T, D].
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, boolean causal, float scale) {
        return Attention.apply(q, k, v, causal ? AttentionMask.CAUSAL : AttentionMask.BIDIRECTIONAL, scale);
    }

    /**
     * Fused attention with an explicit mask: causal or bidirectional, per-row query offsets, a sliding window, a key
     * padding mask. A query that sees no key gets zeros. Returns [B, H, T, D].
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale) {
        return Attention.apply(q, k, v, mask, scale);
    }

    // ---- memory ----

    /**
     * {@code body(x)} with activation checkpointing: the forward keeps only x, backward recomputes body with grad on.
     * Same gradients as calling {@code body(x)} directly; body must be deterministic (no random state).
     */
    public static Tensor checkpoint(java.util.function.UnaryOperator<Tensor> body, Tensor x) {
        return ActivationCheckpoint.apply(body, x);
    }

    /** As {@link #checkpoint(java.util.function.UnaryOperator, Tensor)} with {@code hooks} run around each pass. */
    public static Tensor checkpoint(java.util.function.UnaryOperator<Tensor> body, Tensor x, CheckpointHooks hooks) {
        return ActivationCheckpoint.apply(body, x, hooks);
    }

    // ---- loss ----

    /** Mean cross-entropy of logits [N, V] against targets [N], rows with target == ignoreIndex skipped. Shape []. */
    public static Tensor crossEntropy(Tensor logits, int[] targets, int ignoreIndex) {
        return CrossEntropy.apply(logits, targets, ignoreIndex);
    }

    /** Rows per chunk of {@link #linearCrossEntropy} by default: chunks of about 2^26 logits (256 MiB). */
    public static int defaultLossChunkRows(int vocabSize) { return Math.max(1, (1 << 26) / Math.max(1, vocabSize)); }

    /**
     * Mean cross-entropy of {@code hidden [N, C] @ weight [V, C]^T + bias [V]} (bias may be null) against targets [N],
     * computed {@code chunkRows} rows at a time so the [N, V] logits never exist at once. Equals
     * {@code crossEntropy(linear(hidden, weight, bias), targets, ignoreIndex)} up to float summation order.
     */
    public static Tensor linearCrossEntropy(Tensor hidden, Tensor weight, Tensor bias, int[] targets, int ignoreIndex,
                                            int chunkRows) {
        return LinearCrossEntropy.apply(hidden, weight, bias, targets, ignoreIndex, chunkRows);
    }

    /** {@link #linearCrossEntropy} with {@link #defaultLossChunkRows} rows per chunk. */
    public static Tensor linearCrossEntropy(Tensor hidden, Tensor weight, Tensor bias, int[] targets, int ignoreIndex) {
        return linearCrossEntropy(hidden, weight, bias, targets, ignoreIndex, defaultLossChunkRows(weight.size(0)));
    }

    /**
     * Per sequence of {@code seq} rows, the sum of log p(target) under {@code hidden [G*seq, C] @ weight [V, C]^T + bias}
     * (bias may be null; rows whose target is ignoreIndex add nothing), {@code chunkRows} rows at a time (whole
     * sequences) so the logits never exist at once: DPO's completion log-probs with the head fused. Shape [G]. Equals
     * summing {@code logSoftmax(linear(hidden, weight, bias))} at the targets, up to float summation order.
     */
    public static Tensor linearLogProbSums(Tensor hidden, Tensor weight, Tensor bias, int[] targets, int ignoreIndex,
                                           int seq, int chunkRows) {
        return LinearLogProbSums.apply(hidden, weight, bias, targets, ignoreIndex, seq, chunkRows);
    }

    // ---- shape ----

    /** Same elements, new shape (one dimension may be -1). */
    public static Tensor reshape(Tensor x, int... shape) { return Reshape.apply(x, shape); }

    public static Tensor transpose(Tensor x, int a, int b) { return Transpose.apply(x, a, b); }

    /** Result dimension i is x's dimension order[i]. */
    public static Tensor permute(Tensor x, int... order) { return Permute.apply(x, order); }

    public static Tensor contiguous(Tensor x) { return Contiguous.apply(x); }

    /** Elements [start, end) along dim (a view). */
    public static Tensor slice(Tensor x, int dim, int start, int end) { return Slice.apply(x, dim, start, end); }

    /** Joins tensors along dim; all other dimensions must agree. */
    public static Tensor concat(int dim, Tensor... xs) { return Concat.apply(dim, xs); }

    /**
     * Inverted dropout: x * m / (1 - p), element i kept (m_i = 1) with probability 1 - p as a pure function of
     * ({@code key}, i), so the mask is reproducible from the key alone (torch.nn.functional.dropout in training mode).
     */
    public static Tensor dropout(Tensor x, float p, long key) { return p == 0f ? x : Dropout.apply(x, p, key); }

    // ---- reductions ----

    /** Sum of all elements, shape []. */
    public static Tensor sum(Tensor x) { return Sum.apply(x); }

    public static Tensor sum(Tensor x, int dim, boolean keepDim) { return SumDim.apply(x, dim, keepDim); }

    /** Mean of all elements, shape []. */
    public static Tensor mean(Tensor x) { return Scale.apply(Sum.apply(x), 1f / x.numel()); }
}
