package cortado.peft;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.nn.models.CausalLm;
import cortado.nn.models.KvCache;
import cortado.peft.prefixtuning.PrefixTuningConfig;
import cortado.peft.prompttuning.PromptTuningConfig;
import cortado.peft.ptuning.PromptEncoderConfig;
import cortado.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * With a prompt-learning adapter, lastHiddenState is the tokens' rows (the virtual tokens' dropped, or their keys and
 * values in front as a prefix), so lmHead of it is forward's logits bit for bit: without a cache, through a cache
 * (the prefill places the prompt, then a decode step), and from inputs_embeds.
 */
class PromptLearningHiddenStateTest {
    private static final int B = 2, T = 5;

    private static Map<String, PeftConfig> configs() {
        Map<String, PeftConfig> c = new LinkedHashMap<>();
        c.put("prompt tuning", PromptTuningConfig.of(3));
        c.put("p-tuning mlp", PromptEncoderConfig.of(3, "MLP", 8));
        c.put("prefix", PrefixTuningConfig.of(3, false, null));
        return c;
    }

    private static float[] headOf(CausalLm lm, Tensor hidden) {
        assertThat(hidden.shape()).containsExactly(B, hidden.size(1), 32);
        return lm.lmHead(F.reshape(hidden, B * hidden.size(1), 32)).contiguous().toArray();
    }

    @Test
    void headOfTheTokensHiddenRowsIsForwardsLogits() {
        Map<String, Supplier<CausalLm>> bases = Map.of("gpt2", () -> TinyModels.gpt2(3), "llama", () -> TinyModels.llama(4));
        for (var base : bases.entrySet())
            for (var c : configs().entrySet()) {
                String what = c.getKey() + " on " + base.getKey();
                CausalLm lm = PeftModel.wrap(base.getValue().get(), c.getValue(), 5).model();
                int[] ids = TinyModels.ids(B * T, 96, 1), next = TinyModels.ids(B, 96, 2);
                try (NoGrad g = NoGrad.enter()) {
                    float[] logits = lm.forward(ids, B, T).contiguous().toArray();
                    assertThat(headOf(lm, lm.lastHiddenState(ids, B, T))).as(what).containsExactly(logits);
                    assertThat(headOf(lm, lm.lastHiddenStateFromEmbeds(lm.embed(ids), B, T))).as(what + " from embeds")
                            .containsExactly(logits);

                    KvCache viaLogits = lm.newCache(B, T + 1), viaHidden = lm.newCache(B, T + 1);
                    float[] prefill = lm.forward(ids, B, T, viaLogits).contiguous().toArray();
                    assertThat(headOf(lm, lm.lastHiddenState(ids, B, T, viaHidden))).as(what + " prefill")
                            .containsExactly(prefill);
                    assertThat(viaHidden.length()).as(what).isEqualTo(viaLogits.length());
                    float[] step = lm.forward(next, B, 1, viaLogits).contiguous().toArray();
                    assertThat(headOf(lm, lm.lastHiddenState(next, B, 1, viaHidden))).as(what + " decode")
                            .containsExactly(step);

                    KvCache embeds = lm.newCache(B, T);
                    assertThat(headOf(lm, lm.lastHiddenStateFromEmbeds(lm.embed(ids), B, T, embeds)))
                            .as(what + " from embeds, cached").containsExactly(prefill);
                }
            }
    }
}
