package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.nn.Parameter;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.io.Safetensors;
import cortado.nn.models.CausalLm;
import cortado.nn.models.KvCache;
import cortado.nn.models.llama.LlamaForCausalLm;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Llama family against transformers 5.18 (golden files from tools/golden/make_family_golden.py: float32, eager
 * attention, tiny random configs): llama with every rope_scaling type (linear, dynamic, llama3, yarn), biases, explicit
 * head_dim and a tied head; mistral and qwen2, with sliding windows shorter than the sequence too (6 of 16: mistral on
 * every layer, qwen2 from max_window_layers on); qwen2 (q/k/v biases); qwen3 (q_norm/k_norm); and a long sequence.
 *
 * <p>Tolerances. Inverse frequencies: within 1 ulp of transformers' buffer (Cortado mirrors every float32 operation,
 * but torch's vectorised pow is SLEEF's 1-ulp powf, Java's a correctly rounded double pow; it agrees bit for bit on
 * these cases, the ulp is headroom). Tensors: max |Δ| / max |ref| <= 1e-4 AND, per element,
 * |Δ| <= 2e-5 * max|ref| + 1e-4 * |ref|. Both sides compute in float32 and differ only in summation order (blocked
 * SIMD GEMM, fused attention here; ATen's kernels there), which moves a value by a few ulps of the largest terms that
 * were summed into it: the first term bounds that for small values, the second lets large values carry their own
 * rounding. Measured errors are near 1e-6 relative; a wrong frequency, scale, bias or norm shows up at 1e-2 and above.
 * (The check is {@link Golden#compare}.)
 */
class FamilyParityTest {
    /** The loaded model, moved to the backend under test (a subclass runs the same cases on another backend). */
    CausalLm onBackend(CausalLm model) { return model; }

    @ParameterizedTest
    @ValueSource(strings = {"llama_linear", "llama_dynamic", "llama_llama3", "llama_yarn", "llama_yarn_options",
            "llama_biases", "mistral", "mistral_window", "qwen2", "qwen2_window", "qwen3"})
    void logitsLossAndGradientsMatchTransformers(String name) {
        CausalLm model = onBackend(HfCheckpoint.load(Golden.path("families/" + name)));
        Map<String, Tensor> golden = Safetensors.load(Golden.path("families/" + name + "_golden.safetensors"));
        int[] shape = golden.get("input_ids").shape();
        int b = shape[0], t = shape[1];
        int[] ids = Golden.ints(golden.get("input_ids"));
        int vocab = model.config().vocabSize();

        Tensor logits = model.forward(ids, b, t);
        Tensor loss = F.crossEntropy(F.reshape(logits, b * t, vocab), shiftedLabels(ids, b, t), CausalLm.IGNORE_INDEX);
        Map<String, Double> errors = new TreeMap<>();
        errors.put("logits", compare(name + " logits", logits, golden.get("logits")));
        errors.put("loss", compare(name + " loss", loss, golden.get("loss")));
        checkFrequencies(name, (LlamaForCausalLm) model, golden.get("inv_freq"), golden.get("attention_scaling"));

        boolean grads = golden.keySet().stream().anyMatch(k -> k.startsWith("grad."));
        if (grads) {
            Autograd.backward(loss);
            Map<String, Parameter> params = model.module().namedParameters();
            assertThat(params).hasSize((int) golden.keySet().stream().filter(k -> k.startsWith("grad.")).count());
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                Tensor expected = golden.get("grad." + e.getKey());
                assertThat(expected).as("golden gradient for " + e.getKey()).isNotNull();
                errors.put("grad." + e.getKey(), compare(name + " grad." + e.getKey(), e.getValue().value().grad(),
                        expected));
            }
        }
        System.out.printf("%s parity: logits %.2e, loss %.2e, worst of %d tensors %.2e%n", name, errors.get("logits"),
                errors.get("loss"), errors.size(), errors.values().stream().mapToDouble(d -> d).max().orElseThrow());
    }

    /**
     * Dynamic NTK past max_position_embeddings (16) with a KV cache: a 12-token prefill, then one token at a time to 24.
     * transformers recomputes inv_freq at every step past 16 and keeps the keys already cached as they were rotated;
     * Cortado must give the same per-step logits (which differ from one uncached pass over the 24 tokens).
     */
    @Test
    void dynamicScalingDecodesWithACacheAsTransformersGenerates() {
        String name = "llama_dynamic";
        Map<String, Tensor> golden = Safetensors.load(Golden.path("families/" + name + "_golden.safetensors"));
        LlamaForCausalLm model = (LlamaForCausalLm) onBackend(HfCheckpoint.load(Golden.path("families/" + name)));
        int[] shape = golden.get("input_ids").shape();
        int b = shape[0], t = shape[1], prefill = 12, vocab = model.config().vocabSize();
        int[] ids = Golden.ints(golden.get("input_ids"));
        assertThat(golden.get("original_inv_freq").toArray())
                .as("the case needs growth: the original frequencies differ from the grown ones")
                .isNotEqualTo(golden.get("cached_inv_freq").toArray());
        checkFrequencies(name + " original", model, golden.get("original_inv_freq"), golden.get("attention_scaling"));

        KvCache cache = model.newCache(b, t);
        float[] all = new float[b * t * vocab];
        Tensor first = model.forward(columns(ids, b, t, 0, prefill), b, prefill, cache);
        place(all, first, b, t, 0, prefill, vocab);
        for (int s = prefill; s < t; s++) place(all, model.forward(columns(ids, b, t, s, s + 1), b, 1, cache), b, t, s, 1, vocab);
        compare(name + " cached logits", Tensor.of(all, b, t, vocab), golden.get("cached_logits"));
        checkFrequencies(name + " after decoding", model, golden.get("cached_inv_freq"), golden.get("attention_scaling"));
        // dynamic_frequency_update's reset: a pass shorter than max_position_embeddings after a longer one restores the
        // original frequencies.
        model.forward(columns(ids, b, t, 0, 8), b, 8);
        checkFrequencies(name + " after a short pass", model, golden.get("original_inv_freq"),
                golden.get("attention_scaling"));
        // The uncached logits past position 16 differ from the cached ones: the test above is not the same comparison.
        assertThat(Golden.relativeToMax(golden.get("cached_logits"), golden.get("logits"))).isGreaterThan(1e-3);
    }

    /**
     * T = 256 over 4 rows: several attention key tiles and query blocks per head, and GEMMs above sgemm's threading
     * threshold (the MLP and head: 1024 x 64 x 128 = 2^23 multiply-adds), run on two threads. Logits are kept at every
     * 32nd position and the last two (to keep the file small); the loss covers all of them.
     */
    @Test
    void longSequenceOnTwoThreadsMatchesTransformers() {
        int before = Parallel.threads();
        Parallel.setThreads(2);
        try {
            CausalLm model = onBackend(HfCheckpoint.load(Golden.path("families/llama_long")));
            Map<String, Tensor> golden = Safetensors.load(Golden.path("families/llama_long_golden.safetensors"));
            int[] shape = golden.get("input_ids").shape();
            int b = shape[0], t = shape[1], vocab = model.config().vocabSize();
            assertThat(t).isGreaterThanOrEqualTo(256);
            int[] ids = Golden.ints(golden.get("input_ids"));
            Tensor logits = model.forward(ids, b, t);
            Tensor loss = F.crossEntropy(F.reshape(logits, b * t, vocab), shiftedLabels(ids, b, t), CausalLm.IGNORE_INDEX);
            int[] positions = Golden.ints(golden.get("logit_positions"));
            float[] picked = new float[b * positions.length * vocab];
            for (int r = 0; r < b; r++)
                for (int p = 0; p < positions.length; p++)
                    System.arraycopy(logits.slice(0, r, r + 1).slice(1, positions[p], positions[p] + 1).contiguous()
                            .toArray(), 0, picked, (r * positions.length + p) * vocab, vocab);
            double e = compare("long logits", Tensor.of(picked, b, positions.length, vocab), golden.get("logits"));
            double l = compare("long loss", loss, golden.get("loss"));
            System.out.printf("llama_long parity (T=%d, 2 threads): logits %.2e, loss %.2e%n", t, e, l);
        } finally {
            Parallel.setThreads(before);
        }
    }

    static int[] shiftedLabels(int[] ids, int b, int t) {
        int[] labels = new int[b * t];
        for (int r = 0; r < b; r++)
            for (int s = 0; s < t; s++) labels[r * t + s] = s + 1 < t ? ids[r * t + s + 1] : CausalLm.IGNORE_INDEX;
        return labels;
    }

    private static int[] columns(int[] ids, int b, int t, int from, int to) {
        int[] out = new int[b * (to - from)];
        for (int r = 0; r < b; r++) System.arraycopy(ids, r * t + from, out, r * (to - from), to - from);
        return out;
    }

    private static void place(float[] all, Tensor logits, int b, int t, int from, int n, int vocab) {
        float[] x = logits.contiguous().toArray();
        for (int r = 0; r < b; r++) System.arraycopy(x, r * n * vocab, all, (r * t + from) * vocab, n * vocab);
    }

    private static void checkFrequencies(String name, LlamaForCausalLm model, Tensor invFreq, Tensor scaling) {
        float[] mine = model.model().rotary().inverseFrequencies(), ref = invFreq.toArray();
        assertThat(mine).as(name + " inv_freq").hasSize(ref.length);
        for (int i = 0; i < ref.length; i++)
            assertThat(Math.abs(mine[i] - ref[i])).as(name + " inv_freq[" + i + "]: " + mine[i] + " vs " + ref[i])
                    .isLessThanOrEqualTo(Math.ulp(ref[i]));
        assertThat(model.model().rotary().attentionScaling()).as(name + " attention scaling").isEqualTo(scaling.item());
    }

    static double compare(String what, Tensor actual, Tensor expected) { return Golden.compare(what, actual, expected); }
}
