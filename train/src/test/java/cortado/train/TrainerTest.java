package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.nn.Parameter;
import cortado.nn.models.CausalLm;
import cortado.nn.models.Presets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    @TempDir Path dir;

    /** Byte-valued tokens with some structure (a repeated phrase plus noise), so the loss can fall. */
    static TokenData tokens(int n) {
        SplittableRandom r = new SplittableRandom(7);
        byte[] phrase = "the cat sat on the mat. ".getBytes();
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = r.nextInt(10) == 0 ? r.nextInt(256) : phrase[i % phrase.length];
        return TokenData.of(ids, "test tokens");
    }

    static TrainConfig config(int steps, int batch, int accum, boolean sequential) {
        return new TrainConfig(steps, batch, 16, 1e-2f, 2, "cosine", 0.1f, 1.0f, accum, 0, 2, 5, sequential, 0);
    }

    @Test
    void accumulatingKMicroBatchesEqualsOneBigBatch() {
        TokenData data = tokens(2000);
        CausalLm a = Presets.create("gpt2-tiny", 3), b = Presets.create("gpt2-tiny", 3);
        // sequential order: 2 micro-batches of 2 rows cover exactly the rows of one batch of 4
        Trainer accumulated = new Trainer(a, config(3, 2, 2, true), data, null);
        Trainer big = new Trainer(b, config(3, 4, 1, true), data, null);
        for (int s = 0; s < 3; s++) {
            StepMetrics ma = accumulated.step(), mb = big.step();
            assertThat(ma.loss()).isCloseTo(mb.loss(), within(1e-5f));
            assertThat(ma.gradNorm()).isCloseTo(mb.gradNorm(), within(1e-4f * mb.gradNorm()));
        }
        Map<String, Parameter> pa = a.module().namedParameters(), pb = b.module().namedParameters();
        for (String name : pa.keySet())
            assertThat(pa.get(name).value().toArray()).as(name)
                    .containsExactly(pb.get(name).value().toArray(), within(2e-5f));
    }

    @Test
    void lossFallsAndValidationIsMeasuredWhenDue() throws Exception {
        TokenData data = tokens(4000);
        TrainConfig cfg = new TrainConfig(30, 4, 16, 1e-2f, 3, "cosine", 0.1f, 1.0f, 1, 10, 2, 5, false, 0);
        Trainer t = new Trainer(Presets.create("gpt2-tiny", 1), cfg, data.slice(0, 3600), data.slice(3600, 4000));
        Path metrics = dir.resolve("m/metrics.jsonl");
        try (MetricsLog log = MetricsLog.create(metrics)) {
            t.run(log, null, null);
        }
        List<Map<String, Object>> rows = MetricsLog.read(metrics);
        assertThat(rows).hasSize(30);
        assertThat(rows.get(0)).containsKeys("step", "loss", "lr", "grad_norm", "tokens_per_s", "step_ms", "val_loss");
        assertThat(rows.get(1)).doesNotContainKey("val_loss");
        assertThat(rows.stream().filter(r -> r.containsKey("val_loss")).map(r -> ((Number) r.get("step")).intValue()))
                .containsExactly(1, 10, 20, 30);
        double firstVal = ((Number) rows.get(0).get("val_loss")).doubleValue();
        double lastVal = ((Number) rows.get(29).get("val_loss")).doubleValue();
        assertThat(firstVal).isGreaterThan(4.5);          // ~ ln 257 at the start
        assertThat(lastVal).isLessThan(firstVal - 1.5);    // the repeated phrase is learned
        assertThat(((Number) rows.get(0).get("lr")).doubleValue()).isCloseTo(1e-2 / 3, within(1e-6));
    }

    @Test
    void resumingFromACheckpointGivesTheSameNextLossesAsAnUninterruptedRun() {
        for (boolean sequential : new boolean[] {false, true}) {
            TokenData data = tokens(3000);
            TrainConfig cfg = config(6, 2, 1, sequential);
            Trainer straight = new Trainer(Presets.create("gpt2-tiny", 9), cfg, data, null);
            float[] expected = new float[6];
            for (int i = 0; i < 6; i++) expected[i] = straight.step().loss();

            Trainer first = new Trainer(Presets.create("gpt2-tiny", 9), cfg, data, null);
            for (int i = 0; i < 3; i++) assertThat(first.step().loss()).isEqualTo(expected[i]);
            Path ckpt = dir.resolve("ckpt-" + sequential);
            Checkpoint.save(first, ckpt);
            Checkpoint.save(first, ckpt); // overwriting an existing checkpoint goes through the .old swap
            assertThat(Checkpoint.locate(ckpt)).isEqualTo(ckpt);
            assertThat(Files.exists(dir.resolve("ckpt-" + sequential + ".tmp"))).isFalse();
            assertThat(Files.exists(dir.resolve("ckpt-" + sequential + ".old"))).isFalse();

            Trainer resumed = new Trainer(Checkpoint.loadModel(ckpt), cfg, data, null);
            Checkpoint.restore(resumed, ckpt);
            assertThat(resumed.completedSteps()).isEqualTo(3);
            for (int i = 3; i < 6; i++)
                assertThat(resumed.step().loss()).as("step %d, sequential=%s", i + 1, sequential).isEqualTo(expected[i]);
        }
    }

    @Test
    void divergenceStopsWithAClearMessage() {
        Trainer t = new Trainer(Presets.create("gpt2-tiny", 2), config(3, 2, 1, true), tokens(500), null);
        t.model().module().namedParameters().get("transformer.wte.weight").value().data()[0] = Float.NaN;
        org.assertj.core.api.Assertions.assertThatThrownBy(t::step)
                .hasMessageContaining("at step 1").hasMessageContaining("diverged");
    }

    @Test
    void aCheckpointLeftAsDotOldByACrashIsFound() throws Exception {
        Trainer t = new Trainer(Presets.create("gpt2-tiny", 2), config(2, 2, 1, true), tokens(500), null);
        t.step();
        Path ckpt = dir.resolve("c");
        Checkpoint.save(t, ckpt);
        Files.move(ckpt, dir.resolve("c.old")); // the crash window between the two renames
        assertThat(Checkpoint.locate(ckpt)).isEqualTo(dir.resolve("c.old"));
    }
}
