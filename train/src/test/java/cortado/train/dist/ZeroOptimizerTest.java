package cortado.train.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import cortado.nn.Parameter;
import cortado.tensor.Tensor;
import cortado.train.AdamW;
import cortado.train.GradClip;
import cortado.train.OptimizerKind;
import cortado.train.OptimizerStateFile;
import cortado.train.ParamGroups;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ZeRO's sharded update on N ranks run as threads ({@link ThreadRanks}), against one AdamW over the summed gradients:
 * parameters of uneven sizes cut at shard boundaries, windows much smaller than a shard (so every collective runs in
 * several windows), weight decay on the matrices only (a piece of a matrix must still be decayed) and a clip that
 * binds (the global norm over the shards). Tolerance 1e-6 relative: the element updates are the same operations;
 * only the norm's sum of squares is added up in another order (per shard, then over the ranks).
 */
class ZeroOptimizerTest {
    static final int[][] SHAPES = {{3, 5}, {7}, {2, 3}, {11}, {4, 4}};   // 55 elements
    static final float LR = 1e-2f, DECAY = 0.1f, CLIP = 1f;
    static final int STEPS = 3;

    @TempDir Path dir;

    static Map<String, Parameter> model() {
        Map<String, Parameter> m = new LinkedHashMap<>();
        for (int k = 0; k < SHAPES.length; k++) {
            int n = (int) Tensor.numelOf(SHAPES[k]);
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = (float) Math.sin(1 + i + 10 * k);
            m.put("p" + k, new Parameter(Tensor.of(v, SHAPES[k])));
        }
        return m;
    }

    /** Rank r's gradient of parameter k at step s (each rank sees other rows, so other gradients). */
    static float[] grad(int rank, int step, int k) {
        SplittableRandom rng = new SplittableRandom(1000L * step + 100L * rank + k);
        float[] g = new float[(int) Tensor.numelOf(SHAPES[k])];
        for (int i = 0; i < g.length; i++) g[i] = (float) (rng.nextDouble() * 2 - 1);
        return g;
    }

    /** One process: AdamW over the gradients summed over {@code ranks} in rank order; the params and norm per step. */
    record Run(List<float[]> params, List<Float> norms) {}

    static Run reference(int ranks, int steps, Map<String, Parameter> m, AdamW opt, int firstStep) {
        List<Float> norms = new ArrayList<>();
        for (int s = firstStep; s < firstStep + steps; s++) {
            int k = 0;
            for (Parameter p : m.values()) {
                float[] sum = new float[p.numel()];
                for (int r = 0; r < ranks; r++) {
                    float[] g = grad(r, s, k);
                    for (int i = 0; i < sum.length; i++) sum[i] += g[i];
                }
                p.value().setGrad(Tensor.of(sum, p.shape()));
                k++;
            }
            GradClip.Norm n = GradClip.measure(m.values(), CLIP);
            opt.step(LR, n.scale());
            opt.zeroGrad();
            norms.add(n.norm());
        }
        return new Run(values(m), norms);
    }

    static List<float[]> values(Map<String, Parameter> m) {
        return m.values().stream().map(p -> p.value().toArray()).toList();
    }

    /** Rank {@code c}'s sharded run; also checks what stage 2 frees and stage 1 keeps. */
    static Run sharded(Collective c, ZeroOptimizer z, Map<String, Parameter> m, int steps, int firstStep) {
        List<Float> norms = new ArrayList<>();
        for (int s = firstStep; s < firstStep + steps; s++) {
            int k = 0;
            for (Parameter p : m.values()) p.value().setGrad(Tensor.of(grad(c.rank(), s, k++), p.shape()));
            GradClip.Norm n = z.reduceGradients(CLIP);
            for (Parameter p : m.values())
                assertThat(p.value().grad() == null).as("stage " + z.stage() + " frees the full gradients").isEqualTo(z.stage() == 2);
            z.step(LR, n.scale());
            z.zeroGrad();
            norms.add(n.norm());
        }
        return new Run(values(m), norms);
    }

    static void same(Run want, Run got) {
        for (int k = 0; k < want.params().size(); k++)
            for (int i = 0; i < want.params().get(k).length; i++)
                assertThat(got.params().get(k)[i]).as("p" + k + "[" + i + "]")
                        .isCloseTo(want.params().get(k)[i], within(1e-6f * Math.max(1f, Math.abs(want.params().get(k)[i]))));
        for (int s = 0; s < want.norms().size(); s++)
            assertThat(got.norms().get(s)).as("norm at step " + s).isCloseTo(want.norms().get(s), within(1e-6f * want.norms().get(s)));
    }

    @ParameterizedTest(name = "{0} ranks, ZeRO-{1}, windows of {2}")
    @CsvSource({"2, 1, 4", "2, 2, 4", "3, 2, 5", "3, 1, 1000", "1, 2, 7"})
    void theShardedUpdateIsTheUpdateOfOneProcessOverTheSummedGradients(int ranks, int stage, long window) throws Exception {
        Map<String, Parameter> one = model();
        Run want = reference(ranks, STEPS, one, new AdamW(one, DECAY), 0);
        List<Run> got = ThreadRanks.run(ranks, c -> {
            Map<String, Parameter> m = model();
            return sharded(c, new ZeroOptimizer(m, c, stage, p -> new AdamW(p, DECAY), window), m, STEPS, 0);
        });
        for (Run r : got) same(want, r);
        assertThat(got.getFirst().norms().getFirst()).as("the clip binds").isGreaterThan(CLIP);
    }

    @Test
    void eachRankHoldsItsShardOfTheState() throws Exception {
        List<long[]> sizes = ThreadRanks.run(2, c -> {
            Map<String, Parameter> m = model();
            ZeroOptimizer z = new ZeroOptimizer(m, c, 1, p -> new AdamW(p, DECAY), 4);
            sharded(c, z, m, 1, 0);
            return new long[] {z.shardElements(), z.stateBytesTotal()};
        });
        assertThat(sizes.get(0)).containsExactly(28, 2 * 4 * 28);   // ceil(55 / 2) on rank 0
        assertThat(sizes.get(1)).containsExactly(27, 2 * 4 * 27);
    }

    /**
     * The state gathered from 2 ranks is the file one process writes (names, shapes, values), and it resumes on 3
     * ranks with the single process's next update.
     */
    @Test
    void theGatheredStateIsTheSingleProcessFileAndResumesOnOtherRanks() throws Exception {
        Map<String, Parameter> one = model();
        AdamW ref = new AdamW(one, DECAY);
        Run before = reference(2, 2, one, ref, 0);
        Path want = dir.resolve("one.safetensors"), got = dir.resolve("zero.safetensors");
        ref.saveState(want);
        ThreadRanks.run(2, c -> {
            Map<String, Parameter> m = model();
            ZeroOptimizer z = new ZeroOptimizer(m, c, 2, p -> new AdamW(p, DECAY), 4);
            sharded(c, z, m, 2, 0);
            z.gatherState();
            if (c.rank() == 0) z.saveState(got);
            return null;
        });
        try (OptimizerStateFile w = OptimizerStateFile.open(want, "adamw"); OptimizerStateFile g = OptimizerStateFile.open(got, "adamw")) {
            assertThat(g.step()).isEqualTo(w.step()).isEqualTo(2);
            assertThat(g.unexpected(names(w))).isNull();
            assertThat(w.unexpected(names(g))).isNull();
            int k = 0;
            for (String name : one.keySet()) {
                for (String slot : List.of("exp_avg.", "exp_avg_sq.")) {
                    float[] a = w.floats(slot + name, SHAPES[k]), b = g.floats(slot + name, SHAPES[k]);
                    for (int i = 0; i < a.length; i++)
                        assertThat(b[i]).as(slot + name + "[" + i + "]").isCloseTo(a[i], within(1e-6f * Math.max(1e-3f, Math.abs(a[i]))));
                }
                k++;
            }
        }
        Run next = reference(2, 1, one, ref, 2);
        List<Run> resumed = ThreadRanks.run(3, c -> {
            Map<String, Parameter> m = model();
            int k = 0;
            for (Parameter p : m.values()) p.set(Tensor.of(before.params().get(k++).clone(), p.shape()));
            ZeroOptimizer z = new ZeroOptimizer(m, c, 1, p -> new AdamW(p, DECAY), 5);
            z.loadState(got);
            assertThat(z.stepCount()).isEqualTo(2);
            // the gradients of 2 ranks, as the reference sums them, given to rank 0 (the others' are zeros)
            int j = 0;
            for (Parameter p : m.values()) {
                float[] sum = new float[p.numel()];
                if (c.rank() == 0) for (int r = 0; r < 2; r++) {
                    float[] g = grad(r, 2, j);
                    for (int i = 0; i < sum.length; i++) sum[i] += g[i];
                }
                p.value().setGrad(Tensor.of(sum, p.shape()));
                j++;
            }
            GradClip.Norm n = z.reduceGradients(CLIP);
            z.step(LR, n.scale());
            return new Run(values(m), List.of(n.norm()));
        });
        for (Run r : resumed) same(next, r);
    }

    private static java.util.Set<String> names(OptimizerStateFile f) {
        java.util.Set<String> s = new java.util.HashSet<>();
        for (String slot : List.of("exp_avg.", "exp_avg_sq.")) for (int k = 0; k < SHAPES.length; k++) s.add(slot + "p" + k);
        return s;
    }

    @Test
    void savingBeforeEveryRankGatheredIsRefused() {
        assertThatThrownBy(() -> ThreadRanks.run(2, c -> {
            ZeroOptimizer z = new ZeroOptimizer(model(), c, 1, p -> new AdamW(p, DECAY), 4);
            if (c.rank() == 0) z.saveState(dir.resolve("early.safetensors"));
            return null;
        })).hasRootCauseMessage("ZeRO: every rank must call gatherState() before rank 0 saves the state");
    }

    @Test
    void aNonElementwiseOptimizerIsRefused() {
        Map<String, Parameter> m = model();
        assertThatThrownBy(() -> new ZeroOptimizer(m, cortado.train.dist.LocalCollective.INSTANCE, 1,
                p -> OptimizerKind.LAMB.create(p, ParamGroups.uniform(0f), 0, null)))
                .hasMessageContaining("lamb cannot do (its update is not elementwise)");
    }
}
