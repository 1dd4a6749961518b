package cortado.nn.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.NoGrad;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * lastHiddenState and lmHead split forward in two: in every family (GPT-2 with its tied head, Llama with lm_head,
 * Mistral tied with a sliding window, Qwen2 with lm_head) the head of the hidden rows gives forward's logits bit for
 * bit, without a cache, through a cache (prefill then a decode step), and from inputs_embeds; the head is the layer
 * found by name, so a wrapper put in its place is the one lmHead calls.
 */
class LastHiddenStateTest {
    private static final int B = 2, T = 6;

    private static Map<String, Supplier<CausalLm>> families() {
        Map<String, Supplier<CausalLm>> m = new LinkedHashMap<>();
        m.put("gpt2", () -> Presets.create("gpt2-tiny", 3));
        m.put("llama", () -> Presets.create("llama-tiny", 4));
        m.put("mistral", () -> Models.fromConfig(json("mistral", true, Map.of("sliding_window", 4L)), 5));
        m.put("qwen2", () -> Models.fromConfig(json("qwen2", false, Map.of()), 6));
        return m;
    }

    private static Map<String, Object> json(String type, boolean tied, Map<String, Object> extra) {
        Map<String, Object> j = new LinkedHashMap<>(Map.of("model_type", type, "vocab_size", 257L, "hidden_size", 32L,
                "intermediate_size", 64L, "num_hidden_layers", 2L, "num_attention_heads", 4L, "num_key_value_heads", 2L,
                "max_position_embeddings", 64L, "tie_word_embeddings", tied));
        j.putAll(extra);
        return j;
    }

    private static int[] ids(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = r.nextInt(257);
        return a;
    }

    private static float[] headOf(CausalLm m, Tensor hidden) {
        assertThat(hidden.shape()).containsExactly(hidden.size(0), hidden.size(1), 32);
        return m.lmHead(hidden.reshape(hidden.size(0) * hidden.size(1), 32)).toArray();
    }

    @Test
    void headOfTheLastHiddenStateIsForwardsLogitsInEveryFamily() {
        for (var f : families().entrySet()) {
            CausalLm m = f.getValue().get();
            String what = f.getKey();
            assertThat(m.module().children().containsKey("lm_head")).as(what + " has lm_head")
                    .isEqualTo(what.equals("llama") || what.equals("qwen2"));
            int[] ids = ids(B * T, 1), next = ids(B, 2);
            try (NoGrad g = NoGrad.enter()) {
                Tensor h = m.lastHiddenState(ids, B, T);
                assertThat(h.shape()).as(what).containsExactly(B, T, 32);
                assertThat(headOf(m, h)).as(what).containsExactly(m.forward(ids, B, T).toArray());
                assertThat(headOf(m, m.lastHiddenStateFromEmbeds(m.embed(ids), B, T))).as(what + " from embeds")
                        .containsExactly(m.forward(ids, B, T).toArray());

                KvCache viaLogits = m.newCache(B, T + 1), viaHidden = m.newCache(B, T + 1);
                float[] prefill = m.forward(ids, B, T, viaLogits).toArray();
                assertThat(headOf(m, m.lastHiddenState(ids, B, T, viaHidden))).as(what + " prefill").containsExactly(prefill);
                assertThat(viaHidden.length()).as(what + " the cache advanced").isEqualTo(T);
                float[] step = m.forward(next, B, 1, viaLogits).toArray();
                assertThat(headOf(m, m.lastHiddenState(next, B, 1, viaHidden))).as(what + " decode").containsExactly(step);

                KvCache embedsCache = m.newCache(B, T);
                assertThat(headOf(m, m.lastHiddenStateFromEmbeds(m.embed(ids), B, T, embedsCache)))
                        .as(what + " from embeds, cached").containsExactly(prefill);
            }
        }
    }

    @Test
    void lmHeadCallsTheLayerFoundByName() {
        CausalLm m = Presets.create("llama-tiny", 7);
        int[] ids = ids(B * T, 3);
        try (NoGrad g = NoGrad.enter()) {
            Tensor rows = m.lastHiddenState(ids, B, T).reshape(B * T, 32);
            float[] plain = m.lmHead(rows).toArray();
            WrapEveryChildTest.CountingLayer wrapper =
                    new WrapEveryChildTest.CountingLayer(m.module().get("lm_head"), 1.5f);
            m.module().replace("lm_head", wrapper);
            float[] wrapped = m.lmHead(rows).toArray();
            assertThat(wrapper.calls).isEqualTo(1);
            for (int i = 0; i < plain.length; i++) assertThat(wrapped[i]).isEqualTo(1.5f * plain[i]);
        }
    }

    @Test
    void lmHeadRefusesRowsOfTheWrongWidth() {
        CausalLm m = Presets.create("gpt2-tiny", 1);
        assertThatThrownBy(() -> m.lmHead(Tensor.zeros(3, 31)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lm_head takes hidden rows [N, 32], got Tensor[3, 31]");
        assertThatThrownBy(() -> m.lmHead(Tensor.zeros(2, 3, 32))).hasMessageStartingWith("lm_head takes hidden rows");
    }
}
