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
 * on the tiny random GPT-2 and Llama: one prompt, a left-padded batch of four prompts of lengths 9, 3, 6 and 1, and the
 * same batch with a list of end-of-sequence ids so that rows stop on their own. transformers' cached and uncached runs
 * agree (the script checks), and so must ours. Exact equality is the tolerance: an argmax over logits that agree to
 * ~1e-6 (ModelParityTest) only flips on a near-tie, and the goldens were checked to have none that close.
 */
class GenerationParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "llama"})
    @SuppressWarnings("unchecked")
    void greedyEqualsTransformersGenerate(String name) throws Exception {
        CausalLm model = HfCheckpoint.load(Golden.path(name));
        Map<String, Object> doc = Json.parseObject(Files.readString(Golden.path("generation/greedy_" + name + ".json")));
        for (Object c : (List<Object>) doc.get("cases")) {
            Map<String, Object> cs = (Map<String, Object>) c;
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
        }
    }

    private static List<int[]> ints(List<Object> rows) {
        List<int[]> out = new ArrayList<>();
        for (Object r : rows) out.add(((List<?>) r).stream().mapToInt(v -> ((Number) v).intValue()).toArray());
        return out;
    }
}
