package cortado.tests.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.Presets;
import cortado.tests.cli.CliRunner;
import cortado.train.MetricsLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the mpirun training tests ({@link DataParallelTrainingTest}, {@link ZeroShardingTest}) share: a corpus and a
 * tiny GPT-2 base in a directory, the pretraining and LoRA command lines they vary, a run on one rank in this process
 * and on two under mpirun (child JVMs running {@code cortado.cli.Main}), and the comparison of their losses.
 * Tolerance 1e-5 (absolute on losses, relative on gradient norms): the runs differ only in the order float sums are
 * taken (a matrix product's gradient over B/2 rows then the all-reduce, against one product over B rows), about 1e-7
 * relative per step.
 */
final class MpiTrainingRuns {
    static final double TOLERANCE = 1e-5;

    final Path dir, corpus, base;

    MpiTrainingRuns(Path dir) throws Exception {
        this.dir = dir;
        corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, "the quick brown fox jumps over the lazy dog; a lazy dog sleeps. ".repeat(150),
                StandardCharsets.UTF_8);
        base = dir.resolve("base");
        HfCheckpoint.save(Presets.create("gpt2-tiny", 3), base);
    }

    /** pretrain with a constant rate after warmup, so a run's first steps do not depend on --steps; then {@code extra}. */
    List<String> pretrain(Path out, int batch, int steps, String... extra) {
        List<String> a = new ArrayList<>(List.of("pretrain", "--model", "gpt2-tiny", "--data", corpus.toString(),
                "--steps", Integer.toString(steps), "--batch", Integer.toString(batch), "--seq", "16", "--lr", "3e-3",
                "--warmup", "2", "--schedule", "constant", "--val-every", "5", "--val-batches", "2", "--save-every", "5",
                "--out", out.toString(), "--threads", "1"));
        a.addAll(List.of(extra));
        return List.copyOf(a);
    }

    /** LoRA with gradient accumulation: the ranks reduce once per update, after the second micro-batch. */
    List<String> lora(Path out, int batch, int steps, String... extra) {
        List<String> a = new ArrayList<>(List.of("finetune", "--model", base.toString(), "--data", corpus.toString(),
                "--method", "lora", "--r", "4", "--steps", Integer.toString(steps), "--batch", Integer.toString(batch),
                "--grad-accum", "2", "--seq", "16", "--lr", "1e-2", "--val-every", "0", "--out", out.toString(),
                "--threads", "1"));
        a.addAll(List.of(extra));
        return List.copyOf(a);
    }

    static List<Map<String, Object>> metrics(Path out) throws Exception {
        return MetricsLog.read(out.resolve("metrics.jsonl"));
    }

    /** One rank, in this process. */
    static void run1(List<String> args) {
        CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
    }

    /** Two ranks under mpirun, which must finish within 300 s and succeed; returns their output (DIR/NAME.log). */
    String run2(List<String> args, String name) throws Exception {
        Path log = dir.resolve(name + ".log");
        Process job = MpiJob.start(2, log, "cortado.cli.Main", args);
        boolean done = job.waitFor(300, TimeUnit.SECONDS);
        if (!done) job.destroyForcibly();
        String out = Files.readString(log);
        assertThat(done).as("the job finished: " + out).isTrue();
        assertThat(job.exitValue()).as(out).isZero();
        return out;
    }

    /** Losses (and validation losses where logged) of {@code got} equal those of {@code want}'s same steps. */
    static void sameLosses(List<Map<String, Object>> want, List<Map<String, Object>> got) {
        for (Map<String, Object> g : got) {
            int step = ((Number) g.get("step")).intValue();
            Map<String, Object> w = want.get(step - 1);
            assertThat(((Number) g.get("loss")).doubleValue()).as("loss at step " + step)
                    .isCloseTo(((Number) w.get("loss")).doubleValue(), within(TOLERANCE));
            // Adam's update barely changes with the gradient's scale, so the norm is what shows a wrong 1/N
            assertThat(((Number) g.get("grad_norm")).doubleValue()).as("gradient norm at step " + step)
                    .isCloseTo(((Number) w.get("grad_norm")).doubleValue(), withinPercentage(1e-3));
            if (w.get("val_loss") instanceof Number v)
                assertThat(((Number) g.get("val_loss")).doubleValue()).as("validation loss at step " + step)
                        .isCloseTo(v.doubleValue(), within(TOLERANCE));
        }
    }

    /** {@code args} with --resume. */
    static List<String> resumed(List<String> args) {
        List<String> a = new ArrayList<>(args);
        a.add("--resume");
        return a;
    }
}
