package cortado.tensor;

/**
 * Every computation on tensors, as one interface a device implements. {@code CpuBackend} runs the Vector API kernels
 * under {@code cortado.tensor.cpu}; a GPU backend (module gpu-ffm) provides the same operations, and nothing above the
 * tensor module knows which one runs.
 *
 * <p>Conventions: results are new contiguous tensors unless a method ends in {@code InPlace}. Inputs may be
 * non-contiguous views unless stated. Token ids and targets are plain {@code int[]}. Shapes use B (batch), T (query
 * positions), S (key positions), H (query heads), Hkv (key/value heads), D (head size), C (channels), V (vocabulary).
 */
public interface Backend {

    /** A short name: "cpu", "cuda". */
    String name();

    // ---- memory ----

    /** A contiguous copy of {@code x}. */
    Tensor copy(Tensor x);

    /** dst = src elementwise (same shape; dst may be a view). */
    void copyInto(Tensor dst, Tensor src);

    /** Sets every element of {@code x} to {@code value}. */
    void fillInPlace(Tensor x, float value);

    // ---- creation and host transfers ----

    /** A new zero-filled contiguous tensor of {@code shape} on this backend. */
    Tensor zeros(int... shape);

    /**
     * A new contiguous tensor of {@code shape} on this backend holding {@code data} (row-major). The array is handed
     * over: a backend may keep it as the tensor's memory (the CPU backend does), so the caller must not use it after.
     */
    Tensor fromArray(float[] data, int... shape);

    /** A host buffer lent for one call: elements {@code [offset, offset + length)} of {@code array}. */
    @FunctionalInterface
    interface HostFloats { void use(float[] array, int offset, int length); }

    /**
     * Lends {@code reader} the elements of {@code x} in host memory, row-major; how checkpoints are written without
     * a second copy (the CPU backend lends a contiguous tensor's own array). The reader must not keep or modify it.
     */
    void readHost(Tensor x, HostFloats reader);

    /**
     * Lends {@code writer} a host buffer for the elements of {@code dst} (row-major, previous contents unspecified)
     * and stores what it wrote into {@code dst}; how checkpoints load and initialisers fill parameters (the CPU
     * backend lends a contiguous tensor's own array).
     */
    void writeHost(Tensor dst, HostFloats writer);

    /** A new tensor of {@code shape} on this backend with every element {@code value}. */
    default Tensor full(float value, int... shape) {
        Tensor t = zeros(shape);
        fillInPlace(t, value);
        return t;
    }

    /** A new 0-dimensional tensor on this backend holding {@code value}. */
    default Tensor scalar(float value) { return fromArray(new float[] {value}); }

    /** A fresh host copy of the elements of {@code x}, row-major. */
    default float[] toArray(Tensor x) {
        float[] out = new float[x.numel()];
        readHost(x, (a, off, n) -> System.arraycopy(a, off, out, 0, n));
        return out;
    }

    /** The value of a one-element tensor (a loss, a norm), read back to the host. */
    default float item(Tensor x) {
        if (x.numel() != 1) throw new IllegalStateException("item() of a tensor with " + x.numel() + " elements");
        float[] v = new float[1];
        readHost(x, (a, off, n) -> v[0] = a[off]);
        return v[0];
    }

    /** dst (any view) = {@code src[srcOffset ..]} row-major: host data into a tensor. */
    default void copyFromHost(Tensor dst, float[] src, int srcOffset) {
        if (srcOffset < 0 || (long) srcOffset + dst.numel() > src.length)
            throw new IllegalArgumentException(dst + " needs " + dst.numel() + " elements from offset " + srcOffset
                    + " of an array of " + src.length);
        writeHost(dst, (a, off, n) -> System.arraycopy(src, srcOffset, a, off, n));
    }

    /**
     * {@code x} moved to this backend: {@code x} itself when it already lives here, otherwise a new contiguous tensor
     * with the same elements and no autograd history (through host memory; a backend may override with a direct path).
     */
    default Tensor transfer(Tensor x) {
        if (x.backend() == this) return x;
        Tensor out = zeros(x.shape());
        writeHost(out, (dst, dOff, n) ->
                x.backend().readHost(x, (src, sOff, m) -> System.arraycopy(src, sOff, dst, dOff, n)));
        return out;
    }

    // ---- matrix multiply ----

    /**
     * Batched matrix product over the last two dimensions: op(a) @ op(b) where op transposes when asked.
     * a is [..., M, K] ([..., K, M] when transA), b is [..., K, N] ([..., N, K] when transB). Either may be 2-D and
     * is then shared by every batch of the other; otherwise the batch dimensions must be equal. Result [..., M, N].
     */
    Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB);

    /**
     * {@code out = op(a) @ op(b)}, or {@code out += op(a) @ op(b)} when {@code accumulate}, for 2-D operands: out is
     * [M, N] and may be a view (e.g. a block of rows of a larger matrix). Lets a chunked computation sum products
     * into one result without a temporary per chunk (the chunked LM-head loss sums dW over chunks of rows).
     * This default computes the product and then adds or copies it; a backend overrides it to write in place.
     */
    default void matmulInto(Tensor out, Tensor a, Tensor b, boolean transA, boolean transB, boolean accumulate) {
        Tensor product = matmul(a, b, transA, transB);
        if (!out.sameShape(product))
            throw new IllegalArgumentException("matmulInto: product " + product + " does not fit out " + out);
        if (accumulate) axpyInPlace(out, 1f, product);
        else copyInto(out, product);
    }

    // ---- elementwise, with NumPy broadcasting ----

    Tensor add(Tensor a, Tensor b);

    Tensor sub(Tensor a, Tensor b);

    Tensor mul(Tensor a, Tensor b);

    Tensor div(Tensor a, Tensor b);

    /** a * s. */
    Tensor scale(Tensor a, float s);

    /** a + s. */
    Tensor addScalar(Tensor a, float s);

    /** dst += alpha * src (same shape); how gradients accumulate. */
    void axpyInPlace(Tensor dst, float alpha, Tensor src);

    /** x *= s. */
    void scaleInPlace(Tensor x, float s);

    /** x[..., :] += row for every row of a contiguous x [..., C] and row [C]: a product's bias, added in place. */
    void addRowsInPlace(Tensor x, Tensor row);

    Tensor exp(Tensor a);

    Tensor log(Tensor a);

    Tensor tanh(Tensor a);

    Tensor sigmoid(Tensor a);

    // ---- reductions ----

    /** Sum along {@code dim}; the dimension is kept with size 1 when {@code keepDim}. */
    Tensor sum(Tensor a, int dim, boolean keepDim);

    /** Sum of all elements (as a double, for stable norms and losses). */
    double sumAll(Tensor a);

    /** Sum of squares of all elements, in double; the gradient-norm building block. */
    double sumOfSquares(Tensor a);

    /** Max along {@code dim}. */
    Tensor max(Tensor a, int dim, boolean keepDim);

    /** Reduces a broadcast result back to {@code shape} by summing the broadcast dimensions (backward of broadcasting). */
    Tensor sumToShape(Tensor a, int[] shape);

    // ---- activations (forward and backward side by side) ----

    /** GELU, tanh approximation (GPT-2's "gelu_new"). */
    Tensor gelu(Tensor x);

    /** dL/dx given dL/dy and x. */
    Tensor geluBackward(Tensor dy, Tensor x);

    /** Exact GELU 0.5 x (1 + erf(x / sqrt 2)) (BERT's "gelu", PyTorch's default). */
    Tensor geluErf(Tensor x);

    /** dL/dx of {@link #geluErf} given dL/dy and x. */
    Tensor geluErfBackward(Tensor dy, Tensor x);

    /** Fused bias + GELU: gelu(z + bias) for z [..., C] and bias [C] (null: plain GELU); z + bias is never stored. */
    Tensor biasGelu(Tensor z, Tensor bias);

    /** Gradients of {@link #biasGelu}: dz [..., C] and dbias [C] (null without a bias). */
    record BiasGeluGrads(Tensor dz, Tensor dbias) {}

    BiasGeluGrads biasGeluBackward(Tensor dy, Tensor z, Tensor bias);

    /**
     * ReLU {@code max(x, 0)} (torch's {@code nn.ReLU}). This default goes through host memory, which suits the small
     * activations it serves (P-tuning's prompt encoder); a backend may override it with a kernel.
     */
    default Tensor relu(Tensor x) {
        float[] a = toArray(x);
        for (int i = 0; i < a.length; i++) a[i] = a[i] > 0f ? a[i] : 0f;
        return fromArray(a, x.shape());
    }

    /** dL/dx of {@link #relu}: dy where x &gt; 0, else 0 (torch's choice of 0 at x = 0). */
    default Tensor reluBackward(Tensor dy, Tensor x) {
        float[] g = toArray(dy), v = toArray(x);
        for (int i = 0; i < g.length; i++) if (!(v[i] > 0f)) g[i] = 0f;
        return fromArray(g, x.shape());
    }

    /** SiLU x * sigmoid(x). */
    Tensor silu(Tensor x);

    Tensor siluBackward(Tensor dy, Tensor x);

    /** Softmax along the last dimension. */
    Tensor softmax(Tensor x);

    /** dL/dx given dL/dy and y = softmax(x). */
    Tensor softmaxBackward(Tensor dy, Tensor y);

    /** Log-softmax along the last dimension. */
    Tensor logSoftmax(Tensor x);

    /** dL/dx given dL/dy and y = logSoftmax(x). */
    Tensor logSoftmaxBackward(Tensor dy, Tensor y);

    // ---- normalization ----

    /** Forward result of a normalization: the output and the per-row statistics backward needs. */
    record NormResult(Tensor out, Tensor mean, Tensor rstd) {}

    /** Gradients of a normalization: input, weight and bias (bias null for RMSNorm or when absent). */
    record NormGrads(Tensor dx, Tensor dweight, Tensor dbias) {}

    /** LayerNorm over the last dimension C: x [..., C], weight and bias [C] (bias may be null). */
    NormResult layerNorm(Tensor x, Tensor weight, Tensor bias, float eps);

    NormGrads layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd);

    /** RMSNorm over the last dimension: y = x * rstd * weight, rstd = 1/sqrt(mean(x^2) + eps). mean is null. */
    NormResult rmsNorm(Tensor x, Tensor weight, float eps);

    NormGrads rmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd);

    // ---- dropout ----

    /**
     * Inverted dropout: x_i / (1 - p) where element i (row-major) is kept, else 0. Whether i is kept is a pure function
     * of ({@code key}, i), so the same key gives the same mask on every thread count, and the backward is this call on
     * the gradient with the same key. p in [0, 1).
     */
    Tensor dropout(Tensor x, float p, long key);

    // ---- embeddings and positions ----

    /** Rows of {@code weight} [V, C] picked by {@code ids}: result [ids.length, C]. */
    Tensor embedding(Tensor weight, int[] ids);

    /** dL/dweight [V, C]: rows of {@code dy} [ids.length, C] scatter-added by id. */
    Tensor embeddingBackward(Tensor dy, int[] ids, int vocabSize);

    /** dweight[ids[i]] += dy[i] for every row: the same gradient added into an existing contiguous [V, C] tensor. */
    void embeddingBackwardInto(Tensor dweight, Tensor dy, int[] ids);

    /**
     * Rotary position embedding (Llama, rotate-half form) applied to x [B, H, T, D]: for i < D/2 the pair
     * (x[i], x[i + D/2]) of the token at batch row b, step t is rotated by the angle of position
     * {@code positions[b * T + t]}, whose cos and sin are row {@code positions[b * T + t]} of {@code table} (each
     * [P, D/2]). {@code positions} is row-major [B, T] (length B*T), every entry in {@code 0 .. P-1}; the usual
     * unpadded sequence is {@code start .. start+T-1} in every row. Backward is the same rotation with -sin: pass
     * {@code inverse=true}.
     */
    Tensor rope(Tensor x, int[] positions, RopeTable table, boolean inverse);

    // ---- attention ----

    /** Attention output and the row log-sum-exp that backward recomputes probabilities from. */
    record AttentionResult(Tensor out, Tensor lse) {}

    record AttentionGrads(Tensor dq, Tensor dk, Tensor dv) {}

    /**
     * Fused scaled-dot-product attention, tiled with an online softmax so memory grows linearly with T (FlashAttention).
     * q [B, H, T, D], k and v [B, Hkv, S, D] with H a multiple of Hkv (grouped-query attention); {@code mask} says which
     * keys each query sees (causal or bidirectional, per-row query offsets, sliding window, key padding). A query that
     * sees no key gets output 0 and lse -inf. Returns out [B, H, T, D], lse [B, H, T].
     */
    AttentionResult attention(Tensor q, Tensor k, Tensor v, AttentionMask mask, float scale);

    /** Gradients of {@link #attention} for the same mask; rows that saw no key get zero gradients. */
    AttentionGrads attentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                                     AttentionMask mask, float scale);

    /**
     * Attention over keys and values stored in blocks (PagedAttention, Kwon et al. 2023, as vLLM stores its KV cache):
     * q {@code [B, H, T, D]}; {@code keyBlocks} and {@code valueBlocks} {@code [N, Hkv, bs, D]}, N blocks of bs
     * positions; row b holds {@code keyLengths[b]} keys, key j in slot {@code j % bs} of block
     * {@code blockTables[b][j / bs]}. {@code mask} is over S = max keyLengths keys, as for {@link #attention}, and may
     * let row b see only its own keys. The result equals {@link #attention} on those keys gathered into
     * {@code [B, Hkv, S, D]}; this default does exactly that gather, a backend with a fused kernel reads the blocks in
     * place. Inference only (no backward).
     */
    default AttentionResult pagedAttention(Tensor q, Tensor keyBlocks, Tensor valueBlocks, int[][] blockTables,
                                           int[] keyLengths, AttentionMask mask, float scale) {
        int s = checkPagedShapes(q, keyBlocks, valueBlocks, blockTables, keyLengths);
        int b = q.size(0), hkv = keyBlocks.size(1), bs = keyBlocks.size(2), d = keyBlocks.size(3);
        Tensor k = zeros(b, hkv, s, d), v = zeros(b, hkv, s, d);
        for (int r = 0; r < b; r++)
            for (int j0 = 0; j0 < keyLengths[r]; j0 += bs) {
                int n = Math.min(bs, keyLengths[r] - j0), blk = blockTables[r][j0 / bs];
                copyInto(k.slice(0, r, r + 1).slice(2, j0, j0 + n), keyBlocks.slice(0, blk, blk + 1).slice(2, 0, n));
                copyInto(v.slice(0, r, r + 1).slice(2, j0, j0 + n), valueBlocks.slice(0, blk, blk + 1).slice(2, 0, n));
            }
        return attention(q, k, v, mask, scale);
    }

    /**
     * The checks every backend's {@link #pagedAttention} shares; returns S, the longest row's key count.
     */
    static int checkPagedShapes(Tensor q, Tensor keyBlocks, Tensor valueBlocks, int[][] blockTables, int[] keyLengths) {
        if (q.rank() != 4 || keyBlocks.rank() != 4 || !keyBlocks.sameShape(valueBlocks))
            throw new IllegalArgumentException("paged attention needs q [B,H,T,D] and key and value blocks [N,Hkv,bs,D];"
                    + " got " + java.util.Arrays.toString(q.shape()) + ", " + java.util.Arrays.toString(keyBlocks.shape())
                    + ", " + java.util.Arrays.toString(valueBlocks.shape()));
        int b = q.size(0), n = keyBlocks.size(0), bs = keyBlocks.size(2);
        if (q.size(3) != keyBlocks.size(3) || q.size(1) % keyBlocks.size(1) != 0)
            throw new IllegalArgumentException("paged attention q " + java.util.Arrays.toString(q.shape()) + " and blocks "
                    + java.util.Arrays.toString(keyBlocks.shape()) + ": head sizes differ or Hkv does not divide H");
        if (blockTables.length != b || keyLengths.length != b)
            throw new IllegalArgumentException("paged attention: " + blockTables.length + " block tables and "
                    + keyLengths.length + " key lengths for a batch of " + b);
        int s = 0;
        for (int r = 0; r < b; r++) {
            int need = (keyLengths[r] + bs - 1) / bs;
            if (keyLengths[r] < 0 || blockTables[r].length < need)
                throw new IllegalArgumentException("paged attention row " + r + ": " + keyLengths[r] + " keys need " + need
                        + " blocks of " + bs + ", its table has " + blockTables[r].length);
            for (int i = 0; i < need; i++)
                if (blockTables[r][i] < 0 || blockTables[r][i] >= n)
                    throw new IllegalArgumentException("paged attention row " + r + ": block " + blockTables[r][i]
                            + " outside [0, " + n + ")");
            s = Math.max(s, keyLengths[r]);
        }
        return s;
    }

    /** Plain causal (query t at position S - T + t, so a KV cache works) or bidirectional attention. */
    default AttentionResult attention(Tensor q, Tensor k, Tensor v, boolean causal, float scale) {
        return attention(q, k, v, causal ? AttentionMask.CAUSAL : AttentionMask.BIDIRECTIONAL, scale);
    }

    default AttentionGrads attentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                                             boolean causal, float scale) {
        return attentionBackward(dout, q, k, v, out, lse, causal ? AttentionMask.CAUSAL : AttentionMask.BIDIRECTIONAL,
                scale);
    }

    /**
     * The shape checks every backend's attention shares: q {@code [B, H, T, D]}, k and v {@code [B, Hkv, S, D]} of
     * one shape, H a multiple of Hkv (grouped-query attention).
     */
    static void checkAttentionShapes(Tensor q, Tensor k, Tensor v) {
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4)
            throw new IllegalArgumentException("attention needs q [B,H,T,D] and k, v [B,Hkv,S,D]; got "
                    + java.util.Arrays.toString(q.shape()) + ", " + java.util.Arrays.toString(k.shape()) + ", "
                    + java.util.Arrays.toString(v.shape()));
        if (!k.sameShape(v)) throw new IllegalArgumentException("attention k " + java.util.Arrays.toString(k.shape())
                + " and v " + java.util.Arrays.toString(v.shape()) + " differ");
        if (q.size(0) != k.size(0) || q.size(3) != k.size(3))
            throw new IllegalArgumentException("attention q " + java.util.Arrays.toString(q.shape()) + " and k "
                    + java.util.Arrays.toString(k.shape()) + " differ in batch or head size");
        if (k.size(1) == 0 || q.size(1) % k.size(1) != 0)
            throw new IllegalArgumentException("attention query heads " + q.size(1) + " are not a multiple of kv heads "
                    + k.size(1));
    }

    // ---- loss ----

    /** Mean loss over counted rows and the per-row log-sum-exp that backward uses. */
    record CrossEntropyResult(float loss, int counted, Tensor lse) {}

    /**
     * The argument checks every backend's cross-entropy shares: logits {@code [N, V]}, N targets, each in
     * {@code [0, V)} or {@code ignoreIndex}. Returns V.
     */
    static int checkCrossEntropy(Tensor logits, int[] targets, int ignoreIndex) {
        if (logits.rank() != 2)
            throw new IllegalArgumentException("cross-entropy logits must be [N, V], got "
                    + java.util.Arrays.toString(logits.shape()));
        int n = logits.size(0), v = logits.size(1);
        if (targets.length != n)
            throw new IllegalArgumentException("cross-entropy has " + n + " rows of logits but " + targets.length + " targets");
        for (int i = 0; i < n; i++)
            if (targets[i] != ignoreIndex && (targets[i] < 0 || targets[i] >= v))
                throw new IllegalArgumentException("target " + targets[i] + " at row " + i + " is outside [0, " + v + ")");
        return v;
    }

    /**
     * Fused softmax cross-entropy: logits [N, V], targets [N]; rows whose target equals {@code ignoreIndex} do not count.
     * Loss is the mean over counted rows.
     */
    CrossEntropyResult crossEntropy(Tensor logits, int[] targets, int ignoreIndex);

    /** dL/dlogits [N, V] = (softmax - onehot) * gradScale / counted for counted rows, 0 for ignored rows. */
    Tensor crossEntropyBackward(Tensor logits, int[] targets, Tensor lse, int ignoreIndex, float gradScale, int counted);

    /**
     * {@link #crossEntropyBackward} written over {@code logits} (which the caller no longer needs): the LM head's
     * [chunk, V] gradient then takes no buffer of its own. This default computes it and copies it back; a backend
     * overrides it to write in place.
     */
    default void crossEntropyBackwardInPlace(Tensor logits, int[] targets, Tensor lse, int ignoreIndex, float gradScale,
                                             int counted) {
        copyInto(logits, crossEntropyBackward(logits, targets, lse, ignoreIndex, gradScale, counted));
    }

    // ---- quantized weights ----

    /**
     * A frozen 4-bit weight W [rows, cols] in bitsandbytes' layout: flattened element f is
     * {@code code[nibble(f)] * absmax[f / blocksize]}, two nibbles per byte with the first element in the high nibble;
     * {@code code} is the 16-entry book (NF4 or FP4), {@code absmax} one fp32 per block (de-nested if double-quantized).
     * The arrays are handed over (a backend may keep them; the CPU backend does).
     */
    QuantizedWeight quantized4bit(byte[] packed, float[] absmax, float[] code, int blocksize, int rows, int cols);

    /** A frozen int8 weight W [rows, cols]: {@code W[f] = codes[f] * scale[f / group]} (row-wise when group = cols). */
    QuantizedWeight quantizedInt8(byte[] codes, float[] scale, int group, int rows, int cols);

    /** y [..., rows] = x [..., cols] @ W^T: the forward pass of a quantized Linear. */
    Tensor quantizedMatmul(Tensor x, QuantizedWeight w);

    /** dL/dx [..., cols] = dy [..., rows] @ W: its input gradient (W is frozen, there is no dL/dW). */
    Tensor quantizedMatmulGradInput(Tensor dy, QuantizedWeight w);

    /**
     * A frozen weight W [rows, cols] kept in 16 bits, {@code dtype} BF16 or F16 (row-major bits, two bytes per weight,
     * never widened to an fp32 copy): the products ({@link #quantizedMatmul}, {@link #quantizedMatmulGradInput}) and
     * {@link #quantizedEmbedding} convert inside their kernels. How bf16/f16 checkpoints run inference and how frozen
     * bases stay 16-bit. The array is handed over (the CPU backend keeps it).
     */
    QuantizedWeight weight16bit(DType dtype, short[] bits, int rows, int cols);

    /**
     * A frozen weight W [rows, cols] in one of ggml's block formats ({@link GgmlType#Q8_0}, Q4_0, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K), its
     * bytes row-major as a GGUF file stores them; the products and {@link #quantizedEmbedding} decode block by block
     * inside their kernels. The array is handed over. A backend without such kernels refuses (the default).
     */
    default QuantizedWeight quantizedGgml(GgmlType type, byte[] blocks, int rows, int cols) {
        throw new UnsupportedOperationException(name() + " backend has no kernels for ggml's " + type + " blocks");
    }

    /** A host buffer of 16-bit values lent for one call: {@code [offset, offset + length)} of {@code array}. */
    @FunctionalInterface
    interface HostShorts { void use(short[] array, int offset, int length); }

    /**
     * Lends {@code reader} the bits of a weight made by {@link #weight16bit}, row-major and unchanged, so a model
     * loaded in bf16 is saved in bf16 byte for byte. The reader must not keep or modify them.
     */
    void readHost16(QuantizedWeight w, HostShorts reader);

    /**
     * Rows {@code ids} of a frozen weight [rows, cols] (16-bit, 4-bit or int8), decoded to fp32: result
     * [ids.length, cols]. The lookup of an embedding table stored in one of those formats.
     */
    Tensor quantizedEmbedding(QuantizedWeight w, int[] ids);

    // ---- optimizer ----

    /**
     * One fused AdamW update (Loshchilov & Hutter; PyTorch's torch.optim.AdamW): decoupled decay
     * p -= lr*wd*p, then m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2, p -= lr * mhat / (sqrt(vhat) + eps),
     * with bias corrections 1-b1^step and 1-b2^step. All four tensors contiguous and of one shape.
     */
    default void adamwInPlace(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                              float eps, float weightDecay, int step) {
        adamwInPlace(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step, 1f);
    }

    /** The same update reading the gradient as grad * gradScale: a global-norm clip folded into the update's pass. */
    void adamwInPlace(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, int step, float gradScale);

    /**
     * AdamW on elements [from, from+n) of {@code param} and {@code grad} whose moments lie in host memory, m's element i
     * at byte {@code mAt + 4i} of {@code m} and v's at {@code vAt + 4i} of {@code v}: the update of a paged optimizer,
     * whose state pages live off the device.
     */
    void adamwRangeInPlace(Tensor param, Tensor grad, long from, int n, java.lang.foreign.MemorySegment m, long mAt,
                           java.lang.foreign.MemorySegment v, long vAt, float lr, float beta1, float beta2, float eps,
                           float weightDecay, int step, float gradScale);

    /**
     * 8-bit blockwise Adam(W) on elements [from, from+n) with the state of that range in host memory ({@code state}:
     * codes1 at byte 0, codes2 at {@code codes2At}, absmax1 at {@code absmax1At}, absmax2 at {@code absmax2At}).
     */
    void adam8bitInPlace(Tensor param, Tensor grad, long from, int n, java.lang.foreign.MemorySegment state, long codes2At,
                         long absmax1At, long absmax2At, Adam8bit.Maps maps, Adam8bit.Hyper h);

    /**
     * One step of torch.optim.SGD: g = grad*gradScale + wd*p; momentum buffer b = g on the first step, else
     * b = momentum*b + (1-dampening)*g; p -= lr * (Nesterov ? g + momentum*b : b). {@code buf} is null when momentum
     * is 0 (then p -= lr*g).
     */
    void sgdInPlace(Tensor param, Tensor grad, Tensor buf, float lr, float momentum, float dampening, float weightDecay,
                    boolean nesterov, boolean firstStep, float gradScale);

    /** One Lion step (timm.optim.Lion): p *= 1-lr*wd; p -= lr*sign(b1*m + (1-b1)*g); m = b2*m + (1-b2)*g. */
    void lionInPlace(Tensor param, Tensor grad, Tensor m, float lr, float beta1, float beta2, float weightDecay,
                     float gradScale);

    /**
     * The per-element half of a LAMB step (timm.optim.Lamb): m = b1*m + beta3*g, v = b2*v + (1-b2)*g^2, and
     * update = (m/bc1) / (sqrt(v)/sqrt(bc2) + eps) + wd*p written into {@code update}; the trust ratio and the
     * parameter update follow from the norms of p and update.
     */
    void lambUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor update, float beta1, float beta3, float beta2,
                    float eps, float weightDecay, double biasCorrection1, double biasCorrection2, float gradScale);

    /**
     * Adafactor's factored direction (transformers' _approx_sq_grad times the gradient) for a gradient of
     * {@code matrices} x {@code rows} x {@code cols}, from the already updated row [matrices*rows] and column
     * [matrices*cols] moments: update = rsqrt(row/mean(row)) * rsqrt(col) * grad*gradScale. Returns sum(update^2).
     */
    double adafactorFactoredUpdate(Tensor grad, Tensor row, Tensor col, Tensor update, int matrices, int rows, int cols,
                                   float gradScale);

    /**
     * Adafactor's unfactored direction: v = beta2t*v + (1-beta2t)*(g^2 + eps1), update = rsqrt(v)*g. Returns
     * sum(update^2).
     */
    double adafactorUnfactoredUpdate(Tensor grad, Tensor v, Tensor update, float beta2t, float eps1, float gradScale);
}
