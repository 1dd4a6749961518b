package cortado.nn.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.autograd.GradCheck;
import cortado.autograd.NoGrad;
import cortado.nn.models.gpt2.Gpt2Config;
import cortado.nn.models.gpt2.Gpt2LmHeadModel;
import cortado.nn.models.llama.LlamaConfig;
import cortado.nn.models.llama.LlamaForCausalLm;
import cortado.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The KV-cache path records autograd through a {@link DynamicKvCache}: a sequence run in two chunks through the cache
 * gives the gradients of one full forward (the second chunk's loss reaches the first chunk's keys and values), trainable
 * virtual keys and values put in front of the cache (prefix tuning) pass a gradient check, and the cache computes what
 * the decoding cache computes.
 */
class KvCacheGradTest {
    private static final int B = 2, T = 10, FIRST = 6;

    private static List<CausalLm> models() {
        return List.of(new Gpt2LmHeadModel(Gpt2Config.of(40, 16, 16, 2, 2, 0), 3),
                new LlamaForCausalLm(new LlamaConfig(40, 16, 32, 2, 4, 2, 4, 1e-6f, 10000f, 16, false, 0.02f, 0,
                        List.of(0)), 4));
    }

    private static int[] columns(int[] rows, int from, int to) {
        int[] out = new int[B * (to - from)];
        for (int b = 0; b < B; b++) System.arraycopy(rows, b * T + from, out, b * (to - from), to - from);
        return out;
    }

    private static Map<String, float[]> grads(CausalLm m) {
        Map<String, float[]> g = new LinkedHashMap<>();
        m.module().namedParameters().forEach((name, p) -> {
            g.put(name, p.value().grad().toArray());
            p.value().setGrad(null);
        });
        return g;
    }

    @Test
    void twoChunksThroughTheCacheGiveTheFullSequencesGradients() {
        SplittableRandom r = new SplittableRandom(9);
        int[] ids = new int[B * T], targets = new int[B * T];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.nextInt(40);
            targets[i] = r.nextInt(40);
        }
        int[] secondTargets = columns(targets, FIRST, T);
        for (CausalLm m : models()) {
            // Full forward, loss on the last T - FIRST positions only.
            int[] masked = targets.clone();
            for (int b = 0; b < B; b++) Arrays.fill(masked, b * T, b * T + FIRST, CausalLm.IGNORE_INDEX);
            Tensor full = F.crossEntropy(F.reshape(m.forward(ids, B, T), B * T, 40), masked, CausalLm.IGNORE_INDEX);
            Autograd.backward(full);
            Map<String, float[]> expected = grads(m);

            KvCache cache = m.newDifferentiableCache(B, T);
            m.forward(columns(ids, 0, FIRST), B, FIRST, cache);   // its graph stays alive in the cache
            Tensor logits = m.forward(columns(ids, FIRST, T), B, T - FIRST, cache);
            Tensor chunked = F.crossEntropy(F.reshape(logits, B * (T - FIRST), 40), secondTargets,
                    CausalLm.IGNORE_INDEX);
            assertThat(chunked.item()).isCloseTo(full.item(), within(1e-5f));
            Autograd.backward(chunked);
            Map<String, float[]> actual = grads(m);
            expected.forEach((name, e) -> {
                float[] a = actual.get(name);
                double scale = 0;
                for (float v : e) scale = Math.max(scale, Math.abs(v));
                assertThat(scale).as(name + " gets a gradient").isPositive();
                for (int i = 0; i < e.length; i++)
                    assertThat((double) a[i]).as("%s[%d]", name, i).isCloseTo(e[i], within(1e-5 * scale + 1e-7));
            });
        }
    }

    @Test
    void prefixKeysAndValuesGetTheRightGradient() {
        for (CausalLm m : models()) {
            int layers = m.module().namedModules().keySet().stream().filter(p -> p.matches(".*\\.(h|layers)\\.\\d+"))
                    .mapToInt(p -> 1).sum();
            int kvHeads = m instanceof LlamaForCausalLm l ? l.config().numKeyValueHeads() : 2;
            int headDim = m instanceof LlamaForCausalLm l ? l.config().headDim() : 8;
            SplittableRandom r = new SplittableRandom(5);
            Tensor[] prefix = new Tensor[2 * layers];   // keys of every layer, then values
            for (int i = 0; i < prefix.length; i++) {
                float[] a = new float[kvHeads * 2 * headDim];
                for (int j = 0; j < a.length; j++) a[j] = (float) (r.nextDouble() * 2 - 1);
                prefix[i] = Tensor.of(a, 1, kvHeads, 2, headDim).requiresGrad(true);
            }
            int[] ids = {3, 7, 11};
            GradCheck.Result res = GradCheck.check(in -> {
                DynamicKvCache cache = (DynamicKvCache) m.newDifferentiableCache(1, 8);
                cache.prefix(Arrays.copyOfRange(in, 0, layers), Arrays.copyOfRange(in, layers, 2 * layers));
                return m.forward(ids, 1, 3, cache);
            }, prefix);
            System.out.println("gradcheck prefix keys/values " + m.config().modelType() + ": " + res);
            res.assertPassed();
        }
    }

    @Test
    void decodesAsTheStaticCacheDoes() {
        for (CausalLm m : models()) {
            int[] prompt = {1, 2, 3, 4, 5, 6, 7, 8};
            KvCache fixed = m.newCache(2, 8), dynamic = m.newDifferentiableCache(2, 8);
            float[] a, b;
            try (NoGrad g = NoGrad.enter()) {
                a = m.nextTokenLogits(Arrays.copyOf(prompt, 6), 2, 3, fixed).toArray();
                b = m.nextTokenLogits(Arrays.copyOf(prompt, 6), 2, 3, dynamic).toArray();
                assertThat(b).containsExactly(a);
                a = m.forward(new int[] {9, 10}, 2, 1, fixed).toArray();
                b = m.forward(new int[] {9, 10}, 2, 1, dynamic).toArray();
                assertThat(b).containsExactly(a);
            }
        }
    }
}
