package cortado.peft;

import cortado.peft.lora.LoraConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.nn.models.CausalLm;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Target selection as peft's check_target_module_exists, get_pattern_key and _maybe_include_all_linear_layers. */
class TargetMatcherTest {
    private static LoraConfig lora(TargetModules t) { return LoraConfig.of(4, 8, t); }

    private static List<String> targets(CausalLm m, LoraConfig c) {
        return TargetMatcher.resolve(c, m.module(), m.config().modelType()).modules();
    }

    @Test
    void aListEntryMatchesTheNameOrADotSuffix() {
        CausalLm m = TinyModels.llama(1);
        assertThat(targets(m, lora(TargetModules.of("q_proj"))))
                .containsExactly("model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.q_proj");
        // "proj" is no dotted suffix of q_proj: nothing matches, and the error lists what could.
        assertThatThrownBy(() -> targets(m, lora(TargetModules.of("proj"))))
                .isInstanceOf(PeftException.class)
                .hasMessageContaining("matched no module")
                .hasMessageContaining("q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, lm_head");
        assertThat(targets(m, lora(TargetModules.of("model.layers.1.mlp.up_proj"))))
                .containsExactly("model.layers.1.mlp.up_proj");
    }

    @Test
    void aStringIsAFullMatchRegex() {
        CausalLm m = TinyModels.llama(1);
        assertThat(targets(m, lora(TargetModules.regex(".*\\.1\\..*(k|v)_proj"))))
                .containsExactly("model.layers.1.self_attn.k_proj", "model.layers.1.self_attn.v_proj");
        // A regex must match the whole name: "k_proj" alone matches nothing.
        assertThatThrownBy(() -> targets(m, lora(TargetModules.regex("k_proj")))).isInstanceOf(PeftException.class);
    }

    @Test
    void allLinearTakesEveryLinearLayerButTheHead() {
        CausalLm llama = TinyModels.llama(1);
        List<String> t = targets(llama, lora(TargetModules.allLinear()));
        assertThat(t).hasSize(14).doesNotContain("lm_head");
        assertThat(targets(TinyModels.gpt2(1), lora(TargetModules.allLinear())))
                .containsExactly("transformer.h.0.attn.c_attn", "transformer.h.0.attn.c_proj", "transformer.h.0.mlp.c_fc",
                        "transformer.h.0.mlp.c_proj", "transformer.h.1.attn.c_attn", "transformer.h.1.attn.c_proj",
                        "transformer.h.1.mlp.c_fc", "transformer.h.1.mlp.c_proj");
    }

    @Test
    void absentTargetsTakeTheArchitecturesDefault() {
        assertThat(targets(TinyModels.gpt2(1), lora(null)))
                .containsExactly("transformer.h.0.attn.c_attn", "transformer.h.1.attn.c_attn");
        assertThat(targets(TinyModels.llama(1), lora(null))).containsExactly("model.layers.0.self_attn.q_proj",
                "model.layers.0.self_attn.v_proj", "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj");
        assertThatThrownBy(() -> TargetMatcher.defaultTargets(new cortado.peft.lora.LoraTuner(), "t5")).hasMessageContaining("no default");
    }

    @Test
    void excludeModulesAndLayerIndices() {
        CausalLm m = TinyModels.llama(1);
        LoraConfig ex = new LoraConfig(4, 8, TargetModules.of("q_proj", "k_proj"), TargetModules.of("k_proj"), 0,
                Bias.NONE, null, false, false, null, null, null, null, true, null, null);
        assertThat(targets(m, ex)).allMatch(n -> n.endsWith("q_proj")).hasSize(2);
        LoraConfig layer1 = new LoraConfig(4, 8, TargetModules.of("q_proj", "up_proj"), null, 0, Bias.NONE, null,
                false, false, List.of(1), List.of("layers"), null, null, true, null, null);
        assertThat(targets(m, layer1)).containsExactly("model.layers.1.self_attn.q_proj", "model.layers.1.mlp.up_proj");
        // Without layers_pattern the first numbered segment counts.
        assertThat(TargetMatcher.layerIndex("model.layers.7.mlp.experts.3.up_proj", null)).isEqualTo(7);
        assertThat(TargetMatcher.layerIndex("transformer.h.3.attn.c_attn", List.of("layers"))).isNull();
    }

    @Test
    void rankAndAlphaPatternsMatchADottedSuffix() {
        LoraConfig c = new LoraConfig(8, 16, TargetModules.of("q_proj"), null, 0, Bias.NONE, null, false, false,
                null, null, Map.of("layers.1.self_attn.q_proj", 2), Map.of("q_proj", 4.0), true, null, null);
        assertThat(c.rankFor("model.layers.1.self_attn.q_proj")).isEqualTo(2);
        assertThat(c.rankFor("model.layers.0.self_attn.q_proj")).isEqualTo(8);
        assertThat(c.rankFor("model.layers.11.self_attn.q_proj")).as("no partial segment match").isEqualTo(8);
        assertThat(c.scalingFor("model.layers.1.self_attn.q_proj")).isEqualTo(2.0);
        assertThat(c.scalingFor("model.layers.0.self_attn.q_proj")).isEqualTo(0.5);
        assertThat(c.withRslora(true).scalingFor("model.layers.0.self_attn.q_proj")).isEqualTo(4 / Math.sqrt(8));
    }

    @Test
    void theTrainableLineIsPeftsFormat() {
        assertThat(PeftModel.trainableLine(294_912, 124_734_720))
                .isEqualTo("trainable params: 294,912 || all params: 124,734,720 || trainable%: 0.2364");
    }
}
