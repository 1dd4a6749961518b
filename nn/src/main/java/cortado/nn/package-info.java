/**
 * Layers and the module tree. A {@link cortado.nn.Module} holds named {@link cortado.nn.Parameter}s and children, so
 * dotted paths are Hugging Face's parameter names. Every layer computes through the autograd facade
 * {@code cortado.autograd.F} (never a loop over floats), keeps activations as rows {@code [B*T, C]} so each projection
 * is one large matrix multiply, and reads its children at forward time so PEFT can replace them:
 * <ul>
 *   <li>{@link cortado.nn.Linear} (torch's [out, in] weight) and {@link cortado.nn.Conv1D} (GPT-2's [in, out]);</li>
 *   <li>{@link cortado.nn.Embedding}, {@link cortado.nn.LayerNorm}, {@link cortado.nn.RMSNorm};</li>
 *   <li>{@link cortado.nn.CausalSelfAttention} (multi-head or grouped-query, optional RoPE, KV cache) behind the
 *       {@link cortado.nn.SelfAttention} interface blocks call, the feed-forwards
 *       {@link cortado.nn.Mlp} (GELU) and {@link cortado.nn.GatedMlp} (SwiGLU), and the pre-norm
 *       {@link cortado.nn.Block};</li>
 *   <li>{@link cortado.nn.Init}: seeded, thread-count-independent initialisation.</li>
 * </ul>
 * Model families live in {@code cortado.nn.models}, decoding in {@code cortado.nn.generate}.
 */
package cortado.nn;
