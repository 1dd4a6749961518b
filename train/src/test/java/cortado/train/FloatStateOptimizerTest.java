package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.nn.Parameter;
import cortado.nn.io.CheckpointException;
import cortado.nn.io.Safetensors;
import cortado.nn.io.SafetensorsFile;
import cortado.tensor.Tensor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state files of SGD, LAMB, Lion and Adafactor, parameter groups, and the optimizers' argument checks. */
class FloatStateOptimizerTest {
    @TempDir Path dir;

    static Map<String, Parameter> params() {
        Map<String, Parameter> p = new LinkedHashMap<>();
        p.put("h.0.mlp.c_fc.weight", new Parameter(Tensor.of(new float[] {1, -2, 3, 0.5f, 0.25f, -1}, 2, 3)));
        p.put("h.0.mlp.c_fc.bias", new Parameter(Tensor.of(new float[] {0.1f, 0.2f, -0.3f}, 3)));
        return p;
    }

    static void grads(Map<String, Parameter> p) {
        p.get("h.0.mlp.c_fc.weight").value().setGrad(Tensor.of(new float[] {0.5f, -1, 2, 0.1f, -0.2f, 0.3f}, 2, 3));
        p.get("h.0.mlp.c_fc.bias").value().setGrad(Tensor.of(new float[] {1, -1, 0.5f}, 3));
    }

    /** The tensors of a state file, name to shape. */
    Map<String, List<Integer>> stateOf(OptimizerKind kind) {
        Map<String, Parameter> p = params();
        Optimizer opt = kind.create(p, 0.1f, 0, dir);
        grads(p);
        opt.step(0.01f, 1f);
        Path f = dir.resolve(kind.cliName() + ".safetensors");
        opt.saveState(f);
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        try (SafetensorsFile sf = Safetensors.read(f)) {
            assertThat(sf.metadata()).containsEntry("optimizer", kind.cliName()).containsEntry("step", "1");
            for (String n : sf.names()) out.put(n, Arrays.stream(sf.shape(n)).boxed().toList());
        }
        return out;
    }

    @Test
    void stateFilesUseTheReferencesStateNames() {
        String w = "h.0.mlp.c_fc.weight", b = "h.0.mlp.c_fc.bias";
        assertThat(stateOf(OptimizerKind.SGD)).containsOnlyKeys("momentum_buffer." + w, "momentum_buffer." + b);
        assertThat(stateOf(OptimizerKind.LION)).containsOnlyKeys("exp_avg." + w, "exp_avg." + b);
        assertThat(stateOf(OptimizerKind.LAMB)).containsOnlyKeys("exp_avg." + w, "exp_avg." + b, "exp_avg_sq." + w,
                "exp_avg_sq." + b);
        // Adafactor: the matrix keeps a row [2] and a column [3] moment, the vector a full one
        assertThat(stateOf(OptimizerKind.ADAFACTOR)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "exp_avg_sq_row." + w, List.of(2), "exp_avg_sq_col." + w, List.of(3), "exp_avg_sq." + b, List.of(3)));
    }

    @Test
    void sgdWithoutMomentumHasNoState() {
        Map<String, Parameter> p = params();
        Sgd sgd = new Sgd(p, new Sgd.Config(0f, 0f, false), ParamGroups.uniform(0f));
        grads(p);
        sgd.step(0.5f, 1f);
        assertThat(sgd.stateBytesTotal()).isZero();
        // p - lr * g
        assertThat(p.get("h.0.mlp.c_fc.bias").value().toArray()).containsExactly(0.1f - 0.5f, 0.2f + 0.5f, -0.3f - 0.25f);
    }

    @Test
    void aStateFileThatDoesNotFitIsAClearError() {
        Map<String, Parameter> p = params();
        Optimizer lion = OptimizerKind.LION.create(p, 0f, 0, dir);
        grads(p);
        lion.step(0.01f, 1f);
        Path f = dir.resolve("lion.safetensors");
        lion.saveState(f);
        Map<String, Parameter> other = new LinkedHashMap<>();
        other.put("h.0.mlp.c_fc.weight", new Parameter(Tensor.zeros(3, 2)));
        other.put("h.0.mlp.c_fc.bias", new Parameter(Tensor.zeros(3)));
        assertThatThrownBy(() -> OptimizerKind.LION.create(other, 0f, 0, dir).loadState(f))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("lion.safetensors: tensor exp_avg.h.0.mlp.c_fc.weight has shape [2, 3], its"
                        + " parameter has [3, 2]");
        Map<String, Parameter> fewer = new LinkedHashMap<>();
        fewer.put("h.0.mlp.c_fc.bias", new Parameter(Tensor.zeros(3)));
        assertThatThrownBy(() -> OptimizerKind.LION.create(fewer, 0f, 0, dir).loadState(f))
                .hasMessageContaining("tensor exp_avg.h.0.mlp.c_fc.weight matches no trainable parameter");
        assertThatThrownBy(() -> OptimizerKind.LAMB.create(params(), 0f, 0, dir).loadState(f))
                .hasMessageContaining("optimizer state of lion, but this run uses lamb");
    }

    @Test
    void parameterGroupsSetLrScaleAndDecayFirstMatchFirst() {
        ParamGroups g = new ParamGroups(0.1f, List.of(ParamGroups.Group.parse("*.bias=2:0.5"),
                ParamGroups.Group.parse("h.*.mlp.*=0.25"), ParamGroups.Group.parse("*=3")));
        assertThat(g.lrScale("h.0.mlp.c_fc.bias")).isEqualTo(2f);
        assertThat(g.weightDecay("h.0.mlp.c_fc.bias", new int[] {3})).isEqualTo(0.5f);   // the group's decay
        assertThat(g.lrScale("h.0.mlp.c_fc.weight")).isEqualTo(0.25f);
        assertThat(g.weightDecay("h.0.mlp.c_fc.weight", new int[] {2, 3})).isEqualTo(0.1f); // the run's rule
        assertThat(g.weightDecay("ln_f.weight", new int[] {3})).isEqualTo(0f);              // a vector: not decayed
        assertThat(g.lrScale("ln_f.weight")).isEqualTo(3f);
        assertThat(ParamGroups.uniform(0.1f).lr("anything", 3e-4f)).isEqualTo(3e-4f);
        assertThat(ParamGroups.Group.parse("a.b=1").matches("aXb")).isFalse();              // '.' is literal
        assertThatThrownBy(() -> ParamGroups.Group.parse("*.bias"))
                .hasMessage("parameter group '*.bias' is not PATTERN=LR_SCALE[:DECAY]");
        assertThatThrownBy(() -> ParamGroups.Group.parse("*.bias=fast"))
                .hasMessage("parameter group '*.bias=fast': 'fast' is not LR_SCALE or LR_SCALE:DECAY");
        assertThatThrownBy(() -> ParamGroups.Group.parse("*.bias=-1")).hasMessageContaining("lr scale must be");
    }

    @Test
    void adamwWithAGroupMovesOnlyThatGroupDifferently() {
        Map<String, Parameter> a = params(), b = params();
        AdamW plain = new AdamW(a, 0.1f);
        AdamW grouped = new AdamW(b, AdamW.DEFAULT_BETA1, AdamW.DEFAULT_BETA2, AdamW.DEFAULT_EPS,
                new ParamGroups(0.1f, List.of(new ParamGroups.Group("*.bias", 0f, Float.NaN))));
        grads(a);
        grads(b);
        plain.step(0.01f);
        grouped.step(0.01f);
        assertThat(b.get("h.0.mlp.c_fc.weight").value().toArray())
                .containsExactly(a.get("h.0.mlp.c_fc.weight").value().toArray());
        assertThat(b.get("h.0.mlp.c_fc.bias").value().toArray()).containsExactly(0.1f, 0.2f, -0.3f);   // lr scale 0
    }

    /** The 8-bit and paged AdamW kinds take groups too (the tiny tensors here take their fp32, resident path). */
    @Test
    void everyKindHonoursAGroupWithLrScaleZero() {
        ParamGroups frozenBias = new ParamGroups(0.1f, List.of(new ParamGroups.Group("*.bias", 0f, Float.NaN)));
        for (OptimizerKind kind : OptimizerKind.values()) {
            Map<String, Parameter> p = params();
            float[] w0 = p.get("h.0.mlp.c_fc.weight").value().toArray();
            Optimizer opt = kind.create(p, frozenBias, 1 << 20, dir);
            grads(p);
            opt.step(0.01f, 1f);
            assertThat(p.get("h.0.mlp.c_fc.bias").value().toArray()).as(kind.cliName()).containsExactly(0.1f, 0.2f, -0.3f);
            assertThat(p.get("h.0.mlp.c_fc.weight").value().toArray()).as(kind.cliName()).isNotEqualTo(w0);
            opt.close();
        }
    }

    @Test
    void configurationsAreChecked() {
        assertThatThrownBy(() -> new Sgd.Config(0f, 0f, true)).hasMessageContaining("Nesterov momentum requires");
        assertThatThrownBy(() -> new Sgd.Config(0.9f, 0.1f, true)).hasMessageContaining("zero dampening");
        assertThatThrownBy(() -> new Lion.Config(1f, 0.99f)).hasMessageContaining("beta1 must lie in [0, 1)");
        assertThatThrownBy(() -> new Lamb.Config(0.9f, 0.999f, 0f, true, true, 1f, false, false))
                .hasMessageContaining("eps must be > 0");
        assertThatThrownBy(() -> new Adafactor.Config(1e-30f, 1e-3f, 1f, -0.8f, Float.NaN, true, false, true))
                .hasMessageContaining("warmup_init requires relative_step");
    }
}
