package cortado.quant.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.autograd.NoGrad;
import cortado.nn.Parameter;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Structured pruning on llama-tiny (4 query heads in 2 key/value groups, 64 neurons, 2 layers) and gpt2-tiny: a unit
 * whose output weights are zero contributes nothing, so removing it must leave the logits exactly as they were, which
 * checks every row and column cut; magnitude ranks such a unit last; calibration ranks a unit whose input is always
 * zero last even when its output weights are large; the written config holds the new counts.
 */
class StructuredPrunerTest {
    @TempDir Path tmp;

    private static final int[] IDS = {5, 70, 33, 12, 250, 9, 61, 100, 7, 3, 44, 19};

    private static float[] logits(CausalLm m) {
        try (NoGrad g = NoGrad.enter()) {
            return m.forward(IDS, 2, 6).toArray();
        }
    }

    /** Zeros columns [from, to) of a [rows, cols] weight. */
    private static void zeroColumns(Parameter p, int from, int to) {
        float[] a = p.value().toArray();
        int cols = p.shape()[1];
        for (int r = 0; r < p.shape()[0]; r++) for (int c = from; c < to; c++) a[r * cols + c] = 0;
        p.set(p.value().backend().fromArray(a, p.shape()));
    }

    /** Zeros rows [from, to) of a [rows, cols] weight. */
    private static void zeroRows(Parameter p, int from, int to) {
        float[] a = p.value().toArray();
        int cols = p.shape()[1];
        for (int i = from * cols; i < to * cols; i++) a[i] = 0;
        p.set(p.value().backend().fromArray(a, p.shape()));
    }

    private static Parameter param(CausalLm m, String name) { return m.module().namedParameters().get(name); }

    @Test
    void removingUnitsWithZeroOutputLeavesTheLlamaLogitsUnchangedAndMagnitudeFindsThem() {
        CausalLm m = Presets.create("llama-tiny", 7);
        StructuredPruner.Shape s = StructuredPruner.shape(m.config().toHfJson());
        assertThat(s).isEqualTo(new StructuredPruner.Shape("llama", 2, 2, 2, 8, 64));
        for (int l = 0; l < 2; l++) {
            String p = "model.layers." + l + ".";
            int group = l; // layer 0 loses group 0, layer 1 group 1: the cut must follow each layer's own choice
            zeroColumns(param(m, p + "self_attn.o_proj.weight"), group * 16, group * 16 + 16);
            zeroColumns(param(m, p + "mlp.down_proj.weight"), 10 + l, 30 + l); // 20 silent neurons
        }
        float[] before = logits(m);
        StructuredPruner.Kept kept = StructuredPruner.choose(m.module(), s, 1, 44, StructuredPruner.Importance.MAGNITUDE, null);
        assertThat(kept.groups()[0]).containsExactly(1);
        assertThat(kept.groups()[1]).containsExactly(0);
        assertThat(kept.neurons()[0]).doesNotContain(10, 20, 29).contains(9, 30);
        assertThat(kept.neurons()[1]).doesNotContain(11, 30).contains(10, 31);
        CausalLm pruned = StructuredPruner.save(m, s, kept, tmp.resolve("pruned"));
        Map<String, Object> config = HfCheckpoint.readConfig(tmp.resolve("pruned"));
        assertThat(config).containsEntry("num_attention_heads", 2L).containsEntry("num_key_value_heads", 1L)
                .containsEntry("head_dim", 8L).containsEntry("intermediate_size", 44L);
        assertThat(param(pruned, "model.layers.0.self_attn.q_proj.weight").shape()).containsExactly(16, 32);
        assertThat(param(pruned, "model.layers.0.self_attn.o_proj.weight").shape()).containsExactly(32, 16);
        assertThat(pruned.module().parameterCount()).isEqualTo(m.module().parameterCount()
                - 2 * (16 * 32 + 2 * 8 * 32 + 32 * 16)      // per layer: q rows, k and v rows, o columns of one group
                - 2 * 3 * 20 * 32);                         // per layer: 20 neurons of gate, up and down
        float[] after = logits(pruned);
        for (int i = 0; i < before.length; i++) assertThat(after[i]).as("logit %d", i).isCloseTo(before[i],
                org.assertj.core.data.Offset.offset(1e-5f * Math.max(1, Math.abs(before[i]))));
    }

    @Test
    void gpt2NeuronsPruneExactlyAndItsHeadsAreRefused() {
        CausalLm m = Presets.create("gpt2-tiny", 3);
        StructuredPruner.Shape s = StructuredPruner.shape(m.config().toHfJson());
        for (int l = 0; l < 2; l++) zeroRows(param(m, "transformer.h." + l + ".mlp.c_proj.weight"), 0, 32);
        float[] before = logits(m);
        StructuredPruner.Kept kept = StructuredPruner.choose(m.module(), s, 1, 96, StructuredPruner.Importance.MAGNITUDE, null);
        assertThat(kept.neurons()[0]).doesNotContain(0, 31).contains(32);
        CausalLm pruned = StructuredPruner.save(m, s, kept, tmp.resolve("gpt2"));
        assertThat(HfCheckpoint.readConfig(tmp.resolve("gpt2"))).containsEntry("n_inner", 96L);
        float[] after = logits(pruned);
        for (int i = 0; i < before.length; i++) assertThat(after[i]).isCloseTo(before[i],
                org.assertj.core.data.Offset.offset(1e-5f * Math.max(1, Math.abs(before[i]))));
        assertThatThrownBy(() -> StructuredPruner.choose(m.module(), s, 0, 96, StructuredPruner.Importance.MAGNITUDE, null))
                .hasMessageContaining("[1, 1]");
    }

    @Test
    void calibrationRanksNeuronsWithSilentInputsLastWhereMagnitudeKeepsThem() {
        CausalLm m = Presets.create("llama-tiny", 11);
        StructuredPruner.Shape s = StructuredPruner.shape(m.config().toHfJson());
        for (int l = 0; l < 2; l++) {
            String p = "model.layers." + l + ".mlp.";
            zeroRows(param(m, p + "up_proj.weight"), 0, 8);       // neurons 0-7 never fire: silu(gate) * 0
            Parameter down = param(m, p + "down_proj.weight");   // ... but their output weights are the largest
            float[] a = down.value().toArray();
            for (int r = 0; r < 32; r++) for (int c = 0; c < 8; c++) a[r * 64 + c] = 5f;
            down.set(down.value().backend().fromArray(a, down.shape()));
        }
        Map<String, double[]> norms = StructuredPruner.recordInputNorms(m.module(), s, model -> logits(m));
        assertThat(norms.get("model.layers.0.mlp.down_proj")[3]).isZero();
        assertThat(norms.get("model.layers.0.mlp.down_proj")[40]).isPositive();
        assertThat(m.module().get("model.layers.0.mlp.down_proj")).as("unwrapped again").isInstanceOf(cortado.nn.Linear.class);
        StructuredPruner.Kept calib = StructuredPruner.choose(m.module(), s, 2, 56, StructuredPruner.Importance.CALIBRATION, norms);
        StructuredPruner.Kept magnitude = StructuredPruner.choose(m.module(), s, 2, 56, StructuredPruner.Importance.MAGNITUDE, null);
        for (int l = 0; l < 2; l++) {
            assertThat(calib.neurons()[l]).doesNotContain(0, 1, 2, 3, 4, 5, 6, 7);
            assertThat(magnitude.neurons()[l]).contains(0, 7);
        }
    }
}
