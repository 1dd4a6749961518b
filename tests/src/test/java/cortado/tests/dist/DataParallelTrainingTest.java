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
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training under {@code mpirun -np 2} (child JVMs running {@code cortado.cli.Main}) against one
 * in-process rank with the whole batch: 2 ranks x B/2 rows must give the losses of 1 rank x B, for pretraining and
 * for LoRA fine-tuning with 2 micro-batches per update, and so must the gradient norms (to 1e-5 relative). Tolerance 1e-5: the runs differ only in the order float sums are taken (a matrix product's
 * gradient over B/2 rows then the all-reduce, against one product over B rows), about 1e-7 relative per step. Also:
 * a rank killed mid-run ends the job within 60 s, and the last checkpoint the 2 ranks wrote resumes on 1 rank with
 * the single process's next losses.
 */
class DataParallelTrainingTest {
    @TempDir static Path dir;
    static Path corpus, base, reference;
    static final int STEPS = 10;
    static final double TOLERANCE = 1e-5;

    @BeforeAll
    static void setUp() throws Exception {
        corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, "the quick brown fox jumps over the lazy dog; a lazy dog sleeps. ".repeat(150),
                StandardCharsets.UTF_8);
        base = dir.resolve("base");
        HfCheckpoint.save(Presets.create("gpt2-tiny", 3), base);
    }

    /** pretrain with a constant rate after warmup, so a run's first steps do not depend on --steps. */
    static List<String> pretrain(Path out, int batch, int steps) {
        return List.of("pretrain", "--model", "gpt2-tiny", "--data", corpus.toString(), "--steps", Integer.toString(steps),
                "--batch", Integer.toString(batch), "--seq", "16", "--lr", "3e-3", "--warmup", "2", "--schedule",
                "constant", "--val-every", "5", "--val-batches", "2", "--save-every", "5", "--out", out.toString(),
                "--threads", "1");
    }

    /** LoRA with gradient accumulation: the ranks reduce once per update, after the second micro-batch. */
    static List<String> lora(Path out, int batch) {
        return List.of("finetune", "--model", base.toString(), "--data", corpus.toString(), "--method", "lora", "--r", "4",
                "--steps", Integer.toString(STEPS), "--batch", Integer.toString(batch), "--grad-accum", "2", "--seq", "16",
                "--lr", "1e-2", "--val-every", "0", "--out", out.toString(), "--threads", "1");
    }

    /** One rank of batch 4 for 14 steps: what both pretraining tests compare with (its first 10 steps, or after a resume). */
    static synchronized List<Map<String, Object>> reference() throws Exception {
        if (reference == null) {
            Path out = dir.resolve("pretrain-1");
            run1(pretrain(out, 4, 14));
            reference = out;
        }
        return metrics(reference);
    }

    static List<Map<String, Object>> metrics(Path out) throws Exception {
        return MetricsLog.read(out.resolve("metrics.jsonl"));
    }

    static void run1(List<String> args) {
        CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
    }

    static String run2(List<String> args, String name) throws Exception {
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

    @Test
    void twoRanksOfHalfTheBatchPretrainAsOneRankOfTheWholeBatch() throws Exception {
        Path two = dir.resolve("pretrain-2");
        String log = run2(pretrain(two, 2, STEPS), "pretrain-2");
        assertThat(metrics(two)).as("rank 0 alone writes metrics.jsonl").hasSize(STEPS);
        sameLosses(reference(), metrics(two));
        assertThat(log).as("only rank 0 prints").containsOnlyOnce("done: " + STEPS + " steps");
        assertThat(log).contains("1 threads on each of 2 ranks (", "a global batch of 4 rows");
        assertThat(reference().getFirst().get("loss")).as("the run learns").isNotEqualTo(reference().get(STEPS - 1).get("loss"));
    }

    @Test
    void twoRanksOfHalfTheBatchFinetuneLoraAsOneRank() throws Exception {
        Path one = dir.resolve("lora-1"), two = dir.resolve("lora-2");
        run1(lora(one, 4));
        run2(lora(two, 2), "lora-2");
        assertThat(metrics(two)).hasSize(STEPS);
        sameLosses(metrics(one), metrics(two));
        assertThat(Files.isRegularFile(two.resolve("adapter_model.safetensors"))).isTrue();
    }

    @Test
    void aKilledRankEndsTheJobAndTheCheckpointOfTwoRanksResumesOnOne() throws Exception {
        Path killed = dir.resolve("killed");
        reference();
        Process job = MpiJob.start(2, dir.resolve("killed.log"), "cortado.cli.Main", pretrain(killed, 2, 200));
        Path state = killed.resolve("checkpoint/trainer_state.json"), metrics = killed.resolve("metrics.jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (job.isAlive() && System.nanoTime() < deadline
                && !(Files.isRegularFile(state) && Files.isRegularFile(metrics) && Files.readAllLines(metrics).size() >= 6))
            Thread.sleep(5);
        assertThat(job.isAlive()).as("the job still trains: " + Files.readString(dir.resolve("killed.log"))).isTrue();
        ProcessHandle rank1 = rank(job, 1).orElseThrow(() -> new AssertionError("no rank 1 under mpirun"));
        long killedAt = System.nanoTime();
        rank1.destroyForcibly();
        boolean ended = job.waitFor(60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - killedAt) / 1e9;
        if (!ended) job.descendants().forEach(ProcessHandle::destroyForcibly);
        if (!ended) job.destroyForcibly();
        assertThat(ended).as("rank 0 and mpirun exit within 60 s of rank 1's death").isTrue();
        assertThat(job.exitValue()).as("the job fails (" + seconds + " s)").isNotZero();

        // The last checkpoint (every 5 steps) loads on one rank of the whole batch and continues the same run.
        int saved = ((Number) ((Map<?, ?>) cortado.data.json.Json.parse(Files.readString(state))).get("step")).intValue();
        assertThat(saved).isBetween(5, 10);
        run1(List.of(resumeArgs(pretrain(killed, 4, saved + 4))));
        List<Map<String, Object>> after = metrics(killed);
        assertThat(after).hasSize(saved + 4);
        sameLosses(reference(), after);
    }

    private static String[] resumeArgs(List<String> args) {
        List<String> a = new ArrayList<>(args);
        a.add("--resume");
        return a.toArray(String[]::new);
    }

    /** The process of MPI rank {@code r} under mpirun (Open MPI gives each its rank in the environment). */
    private static Optional<ProcessHandle> rank(Process mpirun, int r) {
        return mpirun.descendants().filter(h -> {
            try {
                String env = Files.readString(Path.of("/proc", Long.toString(h.pid()), "environ"), StandardCharsets.ISO_8859_1);
                return ("\0" + env).contains("\0OMPI_COMM_WORLD_RANK=" + r + "\0");
            } catch (Exception e) {
                return false;
            }
        }).findFirst();
    }
}
