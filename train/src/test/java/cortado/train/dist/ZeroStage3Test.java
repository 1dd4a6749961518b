package cortado.train.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import cortado.autograd.Autograd;
import cortado.autograd.F;
import cortado.nn.Block;
import cortado.nn.Module;
import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import cortado.peft.PeftModel;
import cortado.peft.TargetModules;
import cortado.peft.lora.LoraConfig;
import cortado.tensor.StepArena;
import cortado.train.AdamW;
import cortado.train.GradClip;
import cortado.train.Optimizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ZeRO-3 on N ranks run as threads ({@link ThreadRanks}): 10 AdamW updates of a tiny GPT-2 (tied head: the token
 * table is in the root unit and is the head) and a tiny Llama (untied head), full training and LoRA, each rank
 * taking its B/N rows of every global batch of B = 6, give the losses, gradient norms and final parameters of one
 * process without ZeRO over the whole batch. Windows of 37 elements per rank, so each unit's parameters are cut at
 * shard and window boundaries; one case accumulates 2 micro-batches. Tolerance 1e-5 on the losses and parameters,
 * 5e-5 relative on the norms: the same operations, only the mean over rows and the norm's sum of squares (per shard,
 * then over the ranks) are added up in another order.
 */
class ZeroStage3Test {
    static final int B = 6, T = 8, STEPS = 10;
    static final float LR = 1e-2f, DECAY = 0.1f, CLIP = 1f;
    /** GPT-2's width: its key bias is c_attn.bias[C, 2C). */
    static final int C = 32;

    @TempDir Path dir;

    record Run(List<Float> losses, List<Float> norms, Map<String, float[]> params, long shard, long total) {}

    static CausalLm model(String preset, boolean lora) {
        CausalLm m = Presets.create(preset, 5);
        if (lora) m = PeftModel.wrap(m, LoraConfig.of(4, 8, TargetModules.allLinear()), 3).model();
        m.module().eval();   // no dropout: each rank would draw its own rows' masks
        return m;
    }

    /** Row r of the global batch at {@code step}: T + 1 byte ids (steps 0, 2, 4 ... see the same batch). */
    static int[] row(int step, int r) {
        SplittableRandom rng = new SplittableRandom(100L * (step % 2) + r);   // two batches, seen in turn
        int[] ids = new int[T + 1];
        for (int i = 0; i < ids.length; i++) ids[i] = rng.nextInt(256);
        return ids;
    }

    /**
     * Rank {@code rank} of {@code ranks}: its rows of each global batch in {@code micro} micro-batches; with a null
     * collective, one process without ZeRO.
     */
    static Run train(String preset, boolean lora, Collective c, int micro) {
        CausalLm model = model(preset, lora);
        Module module = model.module();
        Map<String, Parameter> all = module.namedParameters();
        int ranks = c == null ? 1 : c.size(), rank = c == null ? 0 : c.rank();
        ZeroStage3 z = c == null ? null : new ZeroStage3(module, all, c, p -> new AdamW(p, DECAY), 37);
        Optimizer opt = z != null ? z : new AdamW(all, DECAY);
        long total = 0;
        for (Parameter p : opt.parameters().values()) total += p.numel();
        if (z != null) {
            assertThat(z.blockUnits()).hasSize(2).allMatch(p -> !(module.get(p) instanceof Block));
            for (Parameter p : opt.parameters().values())
                assertThat(p.value().storage().length()).as("a sharded parameter holds no elements").isZero();
        }
        int rows = B / ranks / micro;
        List<Float> losses = new ArrayList<>(), norms = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) {
            double sum = 0;
            try (StepArena arena = StepArena.open()) {
                if (z != null) z.gatherRoot();
                for (int k = 0; k < micro; k++) {
                    int[] ids = new int[rows * T], targets = new int[rows * T];
                    for (int i = 0; i < rows; i++) {
                        int[] r = row(s, rank * (B / ranks) + k * rows + i);
                        System.arraycopy(r, 0, ids, i * T, T);
                        System.arraycopy(r, 1, targets, i * T, T);
                    }
                    var loss = model.loss(ids, targets, rows, T);
                    sum += loss.item() / micro;
                    Autograd.backward(F.scale(loss, 1f / (micro * ranks)));
                }
                GradClip.Norm n = z != null ? z.reduceGradients(CLIP) : GradClip.measure(opt.parameters().values(), CLIP);
                opt.step(LR, n.scale());
                opt.zeroGrad();
                norms.add(n.norm());
            }
            losses.add((float) (c == null ? sum : c.sum(sum) / ranks));
        }
        if (z != null) {
            z.unshard();
            assertThat(module.get(blockPath(preset))).as("the block is back in its place").isInstanceOf(Block.class);
        }
        Map<String, float[]> params = new java.util.LinkedHashMap<>();
        opt.parameters().forEach((name, p) -> params.put(name, p.value().toArray()));
        return new Run(losses, norms, params, z == null ? total : z.shardElements(), total);
    }

    static String blockPath(String preset) { return preset.startsWith("gpt2") ? "transformer.h.1" : "model.layers.1"; }

    @ParameterizedTest(name = "{0}, LoRA {1}, {2} ranks, {3} micro-batches")
    @CsvSource({"gpt2-tiny, false, 1, 1", "gpt2-tiny, false, 2, 1", "gpt2-tiny, false, 3, 1", "gpt2-tiny, false, 3, 2",
            "gpt2-tiny, true, 2, 1", "gpt2-tiny, true, 3, 1", "llama-tiny, false, 2, 1", "llama-tiny, true, 3, 1"})
    void shardedParametersTrainAsOneProcessOfTheWholeBatch(String preset, boolean lora, int ranks, int micro)
            throws Exception {
        Run want = train(preset, lora, null, 1);
        List<Run> got = ThreadRanks.run(ranks, c -> train(preset, lora, c, micro));
        for (int r = 0; r < ranks; r++) {
            Run run = got.get(r);
            for (int s = 0; s < STEPS; s++) {
                assertThat(run.losses().get(s)).as("rank " + r + " loss at step " + s).isCloseTo(want.losses().get(s), within(1e-5f));
                assertThat(run.norms().get(s)).as("rank " + r + " norm at step " + s)
                        .isCloseTo(want.norms().get(s), within(5e-5f * Math.max(1f, want.norms().get(s))));
            }
            for (var e : want.params().entrySet()) {
                float[] a = e.getValue(), b = run.params().get(e.getKey());
                for (int i = 0; i < a.length; i++) {
                    // The key bias has a zero true gradient (softmax ignores a shift shared by every key): its gradient
                    // is rounding noise, which AdamW's normalization turns into updates of ~1e-4 that depend on the
                    // order of the sums. It only has to stay that small.
                    boolean keyBias = e.getKey().endsWith("c_attn.bias") && i >= C && i < 2 * C;
                    if (keyBias) assertThat(Math.abs(b[i])).as(e.getKey() + "[" + i + "]").isLessThan(1e-3f);
                    else assertThat(b[i]).as(e.getKey() + "[" + i + "] on rank " + r).isCloseTo(a[i], within(1e-5f));
                }
            }
            assertThat(run.shard()).as("rank " + r + " holds its shard only").isLessThanOrEqualTo(run.total() / ranks + 3);
        }
        assertThat(want.losses().get(STEPS - 2)).as("it trains").isLessThan(want.losses().getFirst());
        if (!lora) assertThat(want.norms().getFirst()).as("the clip binds at the start").isGreaterThan(CLIP);
    }

    @Test
    void savingBeforeEveryRankGatheredIsRefused() {
        assertThatThrownBy(() -> ThreadRanks.run(2, c -> {
            Module module = model("gpt2-tiny", false).module();
            ZeroStage3 z = new ZeroStage3(module, module.namedParameters(), c, p -> new AdamW(p, DECAY), 37);
            if (c.rank() == 0) z.saveState(dir.resolve("early.safetensors"));
            return null;
        })).hasRootCauseMessage("ZeRO-3: every rank must call gatherState() before rank 0 saves the state");
    }
}
