package cortado.quant.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PrunerTest {
    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void layerScopeHitsTheTargetInEveryLayerAndKeepsTheLargest(String preset) {
        CausalLm m = Presets.create(preset, 3);
        Map<String, Parameter> before = copy(m.module());
        List<Pruner.LayerReport> rep = Pruner.magnitude(m.module(), 0.3, Pruner.Scope.LAYER, List.of("lm_head"));
        assertThat(rep).isNotEmpty().noneMatch(r -> r.name().contains("lm_head") || r.name().contains("wte")
                || r.name().contains("embed"));
        for (Pruner.LayerReport r : rep) {
            assertThat(r.zeros()).as(r.name()).isEqualTo((long) Math.floor(0.3 * r.numel()));
            float[] old = before.get(r.name()).value().toArray();
            float[] now = m.module().namedParameters().get(r.name()).value().toArray();
            float maxPruned = 0, minKept = Float.MAX_VALUE;
            for (int i = 0; i < old.length; i++) {
                if (now[i] == 0f) maxPruned = Math.max(maxPruned, Math.abs(old[i]));
                else { minKept = Math.min(minKept, Math.abs(old[i])); assertThat(now[i]).isEqualTo(old[i]); }
            }
            assertThat(maxPruned).isLessThanOrEqualTo(minKept);
        }
        // Untouched: norms and embeddings.
        String emb = preset.startsWith("gpt2") ? "transformer.wte.weight" : "model.embed_tokens.weight";
        assertThat(m.module().namedParameters().get(emb).value().toArray()).containsExactly(before.get(emb).value().toArray());
    }

    @Test
    void globalScopeHitsTheTargetOverAllLayers() {
        CausalLm m = Presets.create("gpt2-tiny", 4);
        List<Pruner.LayerReport> rep = Pruner.magnitude(m.module(), 0.5, Pruner.Scope.GLOBAL, List.of());
        long n = 0, z = 0;
        for (Pruner.LayerReport r : rep) { n += r.numel(); z += r.zeros(); }
        assertThat(z).isEqualTo((long) Math.floor(0.5 * n));
        assertThatThrownBy(() -> Pruner.magnitude(m.module(), 1.0, Pruner.Scope.GLOBAL, List.of()))
                .hasMessageContaining("sparsity");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2-tiny", "llama-tiny"})
    void twoFourZeroesTwoOfEveryFourInputs(String preset) {
        CausalLm m = Presets.create(preset, 5);
        Map<String, Parameter> before = copy(m.module());
        List<Pruner.LayerReport> rep = Pruner.twoFour(m.module(), List.of("lm_head"));
        for (Pruner.LayerReport r : rep) {
            assertThat(r.sparsity()).as(r.name()).isEqualTo(0.5);
            Parameter p = m.module().namedParameters().get(r.name());
            int[] s = p.shape();
            boolean conv = preset.startsWith("gpt2"); // GPT-2's projections are Conv1D [in, out]
            int rows = conv ? s[1] : s[0], in = conv ? s[0] : s[1];
            float[] w = p.value().toArray(), old = before.get(r.name()).value().toArray();
            for (int row = 0; row < rows; row++)
                for (int g = 0; g < in; g += 4) {
                    int zeros = 0;
                    float maxZeroed = 0, minKept = Float.MAX_VALUE;
                    for (int j = 0; j < 4; j++) {
                        int i = conv ? (g + j) * s[1] + row : row * in + g + j;
                        if (w[i] == 0f) { zeros++; maxZeroed = Math.max(maxZeroed, Math.abs(old[i])); }
                        else minKept = Math.min(minKept, Math.abs(old[i]));
                    }
                    assertThat(zeros).isEqualTo(2);
                    assertThat(maxZeroed).isLessThanOrEqualTo(minKept);
                }
        }
    }

    static Map<String, Parameter> copy(Module m) {
        Map<String, Parameter> out = new java.util.LinkedHashMap<>();
        m.namedParameters().forEach((k, v) -> out.put(k, new Parameter(cortado.tensor.Tensor.of(v.value().toArray(), v.shape()))));
        return out;
    }
}
