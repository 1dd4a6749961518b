package cortado.nn.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.Autograd;
import cortado.autograd.NoGrad;
import cortado.nn.Parameter;
import cortado.nn.models.gpt2.Gpt2LmHeadModel;
import cortado.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CausalLmTest {

    private static int[] randomIds(int n, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = r.nextInt(vocab);
        return ids;
    }

    /** Weights scaled up from the 0.02 init so attention is far from uniform and a cache bug cannot hide. */
    private static CausalLm sharpened(String preset) {
        CausalLm m = Presets.create(preset, 5);
        try (NoGrad g = NoGrad.enter()) {
            for (var e : m.module().namedParameters().entrySet())
                if (e.getValue().value().rank() == 2) e.getValue().value().backend().scaleInPlace(e.getValue().value(), 15f);
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void forwardGivesLogitsPerPosition(String preset) {
        CausalLm m = Presets.create(preset, 1);
        Tensor logits = m.forward(randomIds(3 * 7, 257, 1), 3, 7);
        assertThat(logits.shape()).containsExactly(3, 7, 257);
        // Causality: changing the last token leaves every earlier position's logits unchanged.
        int[] ids = randomIds(7, 257, 2);
        float[] a = m.forward(ids, 1, 7).toArray();
        ids[6] = (ids[6] + 1) % 257;
        float[] b = m.forward(ids, 1, 7).toArray();
        for (int i = 0; i < 6 * 257; i++) assertThat(b[i]).isEqualTo(a[i]);
        assertThat(java.util.Arrays.equals(a, b)).isFalse();
    }

    /**
     * Decoding with the KV cache (prefill 5 tokens, then 1, 1 and a chunk of 3) gives the logits of a full forward pass
     * over the whole sequence. Tolerance 1e-4 relative to the largest logit: the two paths sum the same products in a
     * different order (float32).
     */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void kvCacheDecodingMatchesFullRecompute(String preset) {
        CausalLm m = sharpened(preset);
        int b = 2, t = 10, v = 257;
        int[] ids = randomIds(b * t, v, 9);
        float[] full;
        try (NoGrad g = NoGrad.enter()) {
            full = m.forward(ids, b, t).toArray();
        }
        KvCache cache = m.newCache(b, 16);
        int[][] chunks = {{0, 5}, {5, 6}, {6, 7}, {7, 10}};
        double max = 0;
        for (float f : full) max = Math.max(max, Math.abs(f));
        for (int[] ch : chunks) {
            int n = ch[1] - ch[0];
            int[] part = new int[b * n];
            for (int bi = 0; bi < b; bi++) System.arraycopy(ids, bi * t + ch[0], part, bi * n, n);
            float[] got = m.forward(part, b, n, cache).toArray();
            assertThat(cache.length()).isEqualTo(ch[1]);
            for (int bi = 0; bi < b; bi++)
                for (int ti = 0; ti < n; ti++)
                    for (int vi = 0; vi < v; vi++) {
                        float want = full[(bi * t + ch[0] + ti) * v + vi], have = got[(bi * n + ti) * v + vi];
                        assertThat(Math.abs(have - want) / max).as("b %d t %d v %d", bi, ch[0] + ti, vi).isLessThan(1e-4);
                    }
        }
        // nextTokenLogits is the last row of the same computation.
        float[] last = m.nextTokenLogits(java.util.Arrays.copyOf(ids, 4), 1, 4, m.newCache(1, 8)).toArray();
        for (int vi = 0; vi < v; vi++) assertThat(Math.abs(last[vi] - full[3 * v + vi]) / max).isLessThan(1e-4);
        assertThat(max).isGreaterThan(1.0); // the check is not vacuous: logits vary
    }

    @Test
    void gpt2HeadIsTiedToTheTokenEmbedding() {
        Gpt2LmHeadModel m = (Gpt2LmHeadModel) Presets.create("gpt2-tiny", 1);
        assertThat(m.namedParameters()).doesNotContainKey("lm_head.weight");
        Parameter wte = m.namedParameters().get("transformer.wte.weight");
        // Gradient of the loss reaches every row of wte through the head, also rows of tokens absent from the input.
        int[] ids = {1, 2, 3, 4, 5, 6, 7, 8};
        int[] targets = {2, 3, 4, 5, 6, 7, 8, 9};
        Autograd.backward(m.loss(ids, targets, 2, 4));
        Tensor g = wte.value().grad();
        assertThat(g).isNotNull();
        float[] row200 = g.slice(0, 200, 201).toArray();
        double norm = 0;
        for (float f : row200) norm += f * f;
        assertThat(norm).isGreaterThan(0);
        // Changing wte changes the logits of a fixed hidden state: the head reads the same matrix.
        float before = m.forward(ids, 2, 4).toArray()[0];
        try (NoGrad ng = NoGrad.enter()) {
            wte.value().backend().scaleInPlace(wte.value(), 2f);
        }
        assertThat(m.forward(ids, 2, 4).toArray()[0]).isNotEqualTo(before);
    }

    @Test
    void replacedChildIsUsedByTheForwardPass() {
        // PEFT replaces layers by path; the parent must call the replacement, not a reference kept at construction.
        CausalLm m = Presets.create("llama-tiny", 4);
        int[] ids = {3, 1, 4, 1, 5, 9};
        float[] before = m.forward(ids, 1, 6).toArray();
        cortado.nn.Linear zero = new cortado.nn.Linear(64, 32, false); // all-zero weights: the MLP adds nothing
        m.module().replace("model.layers.1.mlp.down_proj", zero);
        float[] after = m.forward(ids, 1, 6).toArray();
        assertThat(java.util.Arrays.equals(before, after)).isFalse();
        m.module().replace("model.layers.1.mlp", new cortado.nn.GatedMlp(32, 64)); // zero down_proj again
        assertThat(m.forward(ids, 1, 6).toArray()).containsExactly(after);
        // The head too: a zero lm_head gives zero logits, in training forward and in cached decoding alike.
        m.module().replace("lm_head", new cortado.nn.Linear(32, m.config().vocabSize(), false));
        assertThat(m.forward(ids, 1, 6).toArray()).containsOnly(0f);
        assertThat(m.nextTokenLogits(ids, 1, 6, m.newCache(1, 8)).toArray()).containsOnly(0f);
    }

    @Test
    void badInputsGiveClearErrors() {
        CausalLm m = Presets.create("gpt2-tiny", 1);
        assertThatThrownBy(() -> m.forward(new int[5], 2, 3)).hasMessageContaining("expected B*T = 2*3");
        assertThatThrownBy(() -> m.forward(new int[] {1, 300}, 1, 2)).hasMessageContaining("id 300 out of range");
        assertThatThrownBy(() -> m.forward(new int[65], 1, 65)).hasMessageContaining("exceed n_positions (64)");
        KvCache cache = m.newCache(1, 4);
        m.forward(new int[3], 1, 3, cache);
        assertThatThrownBy(() -> m.forward(new int[2], 1, 2, cache)).hasMessageContaining("KV cache full");
        assertThatThrownBy(() -> m.newCache(1, 65)).hasMessageContaining("exceeds n_positions");
    }
}
