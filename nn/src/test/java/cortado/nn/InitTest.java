package cortado.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.nn.models.gpt2.Gpt2Config;
import cortado.nn.models.gpt2.Gpt2LmHeadModel;
import cortado.nn.models.llama.LlamaForCausalLm;
import cortado.nn.models.Presets;
import cortado.tensor.Parallel;
import cortado.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InitTest {

    private static double mean(float[] x) {
        double s = 0;
        for (float v : x) s += v;
        return s / x.length;
    }

    private static double std(float[] x) {
        double m = mean(x), s = 0;
        for (float v : x) s += (v - m) * (v - m);
        return Math.sqrt(s / x.length);
    }

    @Test
    void gpt2FollowsHuggingFaceInitialisation() {
        // 4 layers of width 128: c_proj weights hold 16k-65k samples, so the std estimate is within ~1%.
        Gpt2Config c = Gpt2Config.of(257, 256, 128, 4, 4, 256);
        Map<String, Parameter> p = new Gpt2LmHeadModel(c, 7).namedParameters();
        float residual = (float) (0.02 / Math.sqrt(2 * 4));
        assertThat(std(p.get("transformer.wte.weight").value().toArray())).isCloseTo(0.02, within(0.0006));
        assertThat(std(p.get("transformer.wpe.weight").value().toArray())).isCloseTo(0.02, within(0.0006));
        assertThat(std(p.get("transformer.h.1.attn.c_attn.weight").value().toArray())).isCloseTo(0.02, within(0.0004));
        assertThat(std(p.get("transformer.h.1.mlp.c_fc.weight").value().toArray())).isCloseTo(0.02, within(0.0004));
        assertThat(std(p.get("transformer.h.2.attn.c_proj.weight").value().toArray())).isCloseTo(residual, within(0.0003));
        assertThat(std(p.get("transformer.h.2.mlp.c_proj.weight").value().toArray())).isCloseTo(residual, within(0.0002));
        assertThat(mean(p.get("transformer.h.2.mlp.c_fc.weight").value().toArray())).isCloseTo(0, within(0.0003));
        assertThat(p.get("transformer.h.0.attn.c_attn.bias").value().toArray()).containsOnly(0f);
        assertThat(p.get("transformer.h.0.ln_1.weight").value().toArray()).containsOnly(1f);
        assertThat(p.get("transformer.h.0.ln_2.bias").value().toArray()).containsOnly(0f);
        assertThat(p.get("transformer.ln_f.weight").value().toArray()).containsOnly(1f);
    }

    @Test
    void llamaNormsStartAtOneAndProjectionsAtInitializerRange() {
        Map<String, Parameter> p = Presets.create("llama-tiny", 3).module().namedParameters();
        assertThat(p.get("model.norm.weight").value().toArray()).containsOnly(1f);
        assertThat(p.get("model.layers.1.post_attention_layernorm.weight").value().toArray()).containsOnly(1f);
        assertThat(std(p.get("model.embed_tokens.weight").value().toArray())).isCloseTo(0.02, within(0.001));
        assertThat(std(p.get("lm_head.weight").value().toArray())).isCloseTo(0.02, within(0.001));
    }

    @Test
    void sameSeedSameWeightsAcrossThreadCounts() {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            Tensor a = Tensor.zeros(300_000);
            Init.normal(a, 1f, 42, 5);
            Parallel.setThreads(2);
            Tensor b = Tensor.zeros(300_000);
            Init.normal(b, 1f, 42, 5);
            assertThat(Arrays.equals(b.toArray(), a.toArray())).isTrue();
            Tensor other = Tensor.zeros(300_000);
            Init.normal(other, 1f, 43, 5);
            assertThat(Arrays.equals(other.toArray(), a.toArray())).isFalse();
            assertThat(std(a.toArray())).isCloseTo(1.0, within(0.005));
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Test
    void modelsAreReproducibleFromTheirSeed() {
        var a = new LlamaForCausalLm((cortado.nn.models.llama.LlamaConfig) Presets.config("llama-tiny"), 11);
        var b = Presets.create("llama-tiny", 11);
        var c = Presets.create("llama-tiny", 12);
        String name = "model.layers.1.mlp.up_proj.weight";
        assertThat(b.module().namedParameters().get(name).value().toArray())
                .containsExactly(a.namedParameters().get(name).value().toArray());
        assertThat(c.module().namedParameters().get(name).value().toArray())
                .isNotEqualTo(a.namedParameters().get(name).value().toArray());
    }
}
