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

    // ---- matrix multiply ----

    /**
     * Batched matrix product over the last two dimensions: op(a) @ op(b) where op transposes when asked.
     * a is [..., M, K] ([..., K, M] when transA), b is [..., K, N] ([..., N, K] when transB). Either may be 2-D and
     * is then shared by every batch of the other; otherwise the batch dimensions must be equal. Result [..., M, N].
     */
    Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB);

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

    /** Fused bias + GELU: gelu(z + bias) for z [..., C] and bias [C] (null: plain GELU); z + bias is never stored. */
    Tensor biasGelu(Tensor z, Tensor bias);

    /** Gradients of {@link #biasGelu}: dz [..., C] and dbias [C] (null without a bias). */
    record BiasGeluGrads(Tensor dz, Tensor dbias) {}

    BiasGeluGrads biasGeluBackward(Tensor dy, Tensor z, Tensor bias);

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

    // ---- embeddings and positions ----

    /** Rows of {@code weight} [V, C] picked by {@code ids}: result [ids.length, C]. */
    Tensor embedding(Tensor weight, int[] ids);

    /** dL/dweight [V, C]: rows of {@code dy} [ids.length, C] scatter-added by id. */
    Tensor embeddingBackward(Tensor dy, int[] ids, int vocabSize);

    /** dweight[ids[i]] += dy[i] for every row: the same gradient added into an existing contiguous [V, C] tensor. */
    void embeddingBackwardInto(Tensor dweight, Tensor dy, int[] ids);

    /**
     * Rotary position embedding (Llama, rotate-half form) applied to x [B, H, T, D] for positions
     * {@code startPos .. startPos+T-1}, frequencies theta^(-2i/D). Backward is the same rotation with -sin:
     * pass {@code inverse=true}.
     */
    Tensor rope(Tensor x, int startPos, float theta, boolean inverse);

    // ---- attention ----

    /** Attention output and the row log-sum-exp that backward recomputes probabilities from. */
    record AttentionResult(Tensor out, Tensor lse) {}

    record AttentionGrads(Tensor dq, Tensor dk, Tensor dv) {}

    /**
     * Fused scaled-dot-product attention, tiled with an online softmax so memory grows linearly with T (FlashAttention).
     * q [B, H, T, D], k and v [B, Hkv, S, D] with H a multiple of Hkv (grouped-query attention). When causal, query t
     * sits at position S - T + t and sees keys 0..S-T+t (so a KV cache works). Returns out [B, H, T, D], lse [B, H, T].
     */
    AttentionResult attention(Tensor q, Tensor k, Tensor v, boolean causal, float scale);

    AttentionGrads attentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                                     boolean causal, float scale);

    // ---- loss ----

    /** Mean loss over counted rows and the per-row log-sum-exp that backward uses. */
    record CrossEntropyResult(float loss, int counted, Tensor lse) {}

    /**
     * Fused softmax cross-entropy: logits [N, V], targets [N]; rows whose target equals {@code ignoreIndex} do not count.
     * Loss is the mean over counted rows.
     */
    CrossEntropyResult crossEntropy(Tensor logits, int[] targets, int ignoreIndex);

    /** dL/dlogits [N, V] = (softmax - onehot) * gradScale / counted for counted rows, 0 for ignored rows. */
    Tensor crossEntropyBackward(Tensor logits, int[] targets, Tensor lse, int ignoreIndex, float gradScale, int counted);

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
}
