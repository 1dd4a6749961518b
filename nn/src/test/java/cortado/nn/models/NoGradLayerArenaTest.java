package cortado.nn.models;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.NoGrad;
import cortado.tensor.StepArena;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * An evaluation forward (no-grad, inside an arena, no cache) gives each decoder layer an arena of its own
 * ({@code DecoderLayer.stack}): the logits are bit for bit those of a plain forward, and the memory it holds at once
 * is one layer's, so a model eight layers deep needs about what a two-layer one of the same width needs; the same
 * through a {@link StaticKvCache} (a prefill), which copies the keys and values it is given into buffers of its own
 * made outside the arena, and whose decoding then continues from them. The pool
 * after one forward holds every buffer the forward had out at once (a buffer is new only when none was free), so its
 * size measures that peak.
 */
class NoGradLayerArenaTest {
    private static final int B = 4, T = 32;

    private static CausalLm model(String type, int layers) {
        Map<String, Object> j = new LinkedHashMap<>(Map.of("model_type", type, "vocab_size", 257L));
        if (type.equals("gpt2")) {
            j.putAll(Map.of("n_embd", 64L, "n_layer", (long) layers, "n_head", 4L, "n_positions", 64L));
        } else {
            j.putAll(Map.of("hidden_size", 64L, "intermediate_size", 256L, "num_key_value_heads", 2L,
                    "num_hidden_layers", (long) layers, "num_attention_heads", 4L, "max_position_embeddings", 64L));
        }
        CausalLm m = Models.fromConfig(j, 7);
        m.module().eval();   // GPT-2's dropout would draw new masks every forward
        return m;
    }

    private static int[] ids() {
        SplittableRandom r = new SplittableRandom(3);
        int[] a = new int[B * T];
        for (int i = 0; i < a.length; i++) a[i] = r.nextInt(257);
        return a;
    }

    /** Logits of a no-grad forward inside an arena, and the bytes the pool holds after it. */
    private record Pass(float[] logits, long pooledBytes) {}

    private static Pass pass(CausalLm m) { return pass(m, null); }

    private static Pass pass(CausalLm m, KvCache cache) {
        StepArena.drainPool();
        float[] logits;
        try (NoGrad g = NoGrad.enter(); StepArena arena = StepArena.open()) {
            logits = (cache == null ? m.forward(ids(), B, T) : m.forward(ids(), B, T, cache)).toArray();
        }
        long pooled = StepArena.pooledBytes();
        StepArena.drainPool();
        return new Pass(logits, pooled);
    }

    @Test
    void sameLogitsAsAPlainForward() {
        for (String type : new String[] {"gpt2", "llama"}) {
            CausalLm m = model(type, 3);
            float[] plain;
            try (NoGrad g = NoGrad.enter()) {
                plain = m.forward(ids(), B, T).toArray();
            }
            assertThat(pass(m).logits()).as(type).containsExactly(plain);
        }
    }

    @Test
    void aPrefillThroughACopyingCacheKeepsItsKeysAndValues() {
        for (String type : new String[] {"gpt2", "llama"}) {
            CausalLm m = model(type, 3);
            int[] next = {1, 2, 3, 4};
            float[] plainPrefill, plainStep;
            try (NoGrad g = NoGrad.enter()) {
                KvCache c = m.newCache(B, T + 1);
                plainPrefill = m.forward(ids(), B, T, c).toArray();
                plainStep = m.forward(next, B, 1, c).toArray();
            }
            KvCache c = m.newCache(B, T + 1);
            assertThat(c.copiesOnAppend()).isTrue();
            assertThat(pass(m, c).logits()).as(type + " prefill").containsExactly(plainPrefill);
            float[] step;
            try (NoGrad g = NoGrad.enter(); StepArena arena = StepArena.open()) {
                step = m.forward(next, B, 1, c).toArray();   // reads the keys and values of the closed arena's prefill
            }
            assertThat(step).as(type + " decode step after it").containsExactly(plainStep);
            long shallow = pass(model(type, 2), model(type, 2).newCache(B, T)).pooledBytes();
            long deep = pass(model(type, 8), model(type, 8).newCache(B, T)).pooledBytes();
            assertThat((double) deep / shallow).as(type + " prefill: 8 layers' pool over 2 layers'").isLessThan(1.3);
        }
    }

    @Test
    void depthDoesNotMultiplyTheMemoryOfAnEvaluationForward() {
        for (String type : new String[] {"gpt2", "llama"}) {
            long shallow = pass(model(type, 2)).pooledBytes(), deep = pass(model(type, 8)).pooledBytes();
            // Holding every layer's activations would make the deep model's ~3.5x the shallow one's (the logits and
            // embeddings are shared); one layer at a time leaves the two within the pool's rounding.
            assertThat(shallow).as(type + " pooled after a 2-layer forward").isPositive();
            assertThat((double) deep / shallow).as(type + ": 8 layers' pool over 2 layers'").isLessThan(1.3);
        }
    }
}
