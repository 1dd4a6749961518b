package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.nn.generate.Completion;
import cortado.nn.generate.FinishReason;
import cortado.nn.generate.Generator;
import cortado.nn.generate.Sampler;
import cortado.nn.generate.StoppingCriteria;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Greedy generation token for token against transformers' {@code generate} (tools/golden/make_generation_golden.py)
 * on the tiny random GPT-2 and Llama and on the Llama family (families/: mistral with sliding_window 6, shorter than
 * the 9 + 20 tokens generated, so the window decides; qwen2's q/k/v biases; qwen3's q_norm/k_norm; rope_scaling
 * linear, dynamic, llama3, yarn): one prompt, a left-padded batch of four prompts of lengths 9, 3, 6 and 1, and the
 * same batch with a list of end-of-sequence ids so that rows stop on their own. Each case runs twice here, through
 * {@link Generator} (KV cache) and uncached (every step a fresh pass over the whole left-padded sequences), and both
 * must equal transformers' cached and uncached runs, which the script checks agree.
 *
 * <p>Dynamic NTK scaling past max_position_embeddings (llama_dynamic: 16 positions, up to 29 reached) is the one case
 * where they must not agree: transformers' cached decoding rotates each new key with the frequencies of its own step
 * and keeps the older keys, its uncached pass re-rotates all positions with the current length's; Cortado's cached path
 * must match the first and its uncached path the second. Its rotary state persists between calls (as transformers'
 * does), so every case starts from a freshly loaded model, as the script's.
 *
 * <p>Exact equality is the tolerance: an argmax over logits that agree to ~1e-6 (ModelParityTest, FamilyParityTest)
 * only flips on a near-tie, and the goldens were checked to have none closer than 1e-4.
 */
class GenerationParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama", "families/mistral_window", "families/qwen2", "families/qwen3",
        "families/llama_linear", "families/llama_dynamic", "families/llama_llama3", "families/llama_yarn"})
    @SuppressWarnings("unchecked")
    void greedyEqualsTransformersGenerate(String dir) throws Exception {
        String name = dir.substring(dir.lastIndexOf('/') + 1);
        Map<String, Object> doc = Json.parseObject(Files.readString(Golden.path("generation/greedy_" + name + ".json")));
        for (Object c : (List<Object>) doc.get("cases")) {
            Map<String, Object> cs = (Map<String, Object>) c;
            CausalLm model = HfCheckpoint.load(Golden.path(dir));
            List<int[]> prompts = ints((List<Object>) cs.get("prompts"));
            List<int[]> expected = ints((List<Object>) cs.get("completions"));
            Object eos = cs.get("eos_token_id");
            Set<Integer> eosIds = new HashSet<>();
            if (eos instanceof Collection<?> list) for (Object e : list) eosIds.add(((Number) e).intValue());
            else eosIds.add(((Number) eos).intValue());
            int maxNew = ((Number) cs.get("max_new_tokens")).intValue();
            List<Sampler> samplers = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) samplers.add(Sampler.greedy());
            List<Completion> got = new Generator(model).generate(prompts, samplers,
                    new StoppingCriteria(maxNew, eosIds, List.of()), null, null);
            for (int b = 0; b < prompts.size(); b++) {
                int[] want = expected.get(b);
                assertThat(got.get(b).tokens()).as(name + " " + cs.get("name") + " row " + b).containsExactly(want);
                boolean stopped = want.length > 0 && eosIds.contains(want[want.length - 1]);
                assertThat(got.get(b).finishReason()).as(name + " " + cs.get("name") + " row " + b)
                        .isEqualTo(stopped ? FinishReason.STOP : FinishReason.LENGTH);
            }
            List<int[]> expectedUncached = cs.containsKey("uncached_completions")
                    ? ints((List<Object>) cs.get("uncached_completions")) : expected;
            List<int[]> uncached = uncachedGreedy(HfCheckpoint.load(Golden.path(dir)), prompts, maxNew, eosIds);
            for (int b = 0; b < prompts.size(); b++)
                assertThat(uncached.get(b)).as(name + " " + cs.get("name") + " uncached row " + b)
                        .containsExactly(expectedUncached.get(b));
        }
    }

    /**
     * Greedy decoding without a KV cache, as transformers' {@code use_cache=False}: every step runs the whole of each
     * row's tokens so far, left-padded to the longest, through an empty cache (so nothing is reused) and takes the
     * argmax of the last position.
     */
    private static List<int[]> uncachedGreedy(CausalLm model, List<int[]> prompts, int maxNew, Set<Integer> eos) {
        int batch = prompts.size(), vocab = model.config().vocabSize();
        List<List<Integer>> rows = new ArrayList<>();
        for (int[] p : prompts) rows.add(new ArrayList<>(java.util.Arrays.stream(p).boxed().toList()));
        List<int[]> out = new ArrayList<>();
        boolean[] done = new boolean[batch];
        List<List<Integer>> generated = new ArrayList<>();
        for (int b = 0; b < batch; b++) generated.add(new ArrayList<>());
        for (int step = 0; step < maxNew; step++) {
            int seq = rows.stream().mapToInt(List::size).max().orElseThrow();
            int[] ids = new int[batch * seq], pads = new int[batch];
            for (int b = 0; b < batch; b++) {
                pads[b] = seq - rows.get(b).size();
                for (int t = 0; t < rows.get(b).size(); t++) ids[b * seq + pads[b] + t] = rows.get(b).get(t);
            }
            var cache = model.newCache(batch, seq);
            cache.pad(pads);
            float[] logits = model.nextTokenLogits(ids, batch, seq, cache).toArray();
            for (int b = 0; b < batch; b++) {
                if (done[b]) continue;
                int best = 0;
                for (int v = 1; v < vocab; v++) if (logits[b * vocab + v] > logits[b * vocab + best]) best = v;
                rows.get(b).add(best);
                generated.get(b).add(best);
                done[b] = eos.contains(best);
            }
        }
        for (List<Integer> g : generated) out.add(g.stream().mapToInt(Integer::intValue).toArray());
        return out;
    }

    private static List<int[]> ints(List<Object> rows) {
        List<int[]> out = new ArrayList<>();
        for (Object r : rows) out.add(((List<?>) r).stream().mapToInt(v -> ((Number) v).intValue()).toArray());
        return out;
    }
}
