package cortado.tests.dist;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ZeRO-1 and ZeRO-2 under {@code mpirun -np 2}: 2 ranks x B/2 with the optimizer state (and, at stage 2, the
 * gradients) sharded give the losses and gradient norms of 1 rank x B without ZeRO, for 10 steps, pretraining and LoRA
 * fine-tuning with 2 micro-batches; a checkpoint the 2 sharded ranks wrote (the state gathered on rank 0) resumes on
 * 1 rank without ZeRO and on 2 ranks with it, each continuing the single process's run. Tolerance 1e-5 (absolute on
 * losses, relative on norms), as in {@link DataParallelTrainingTest}: the runs differ only in the order float sums are
 * taken. The tiny model's trainable parameters do not divide evenly between the ranks, so a parameter is cut at the
 * shard boundary.
 */
class ZeroShardingTest {
    @TempDir static Path dir;
    static Path corpus, base, reference;
    static final int STEPS = 10, MORE = 4;

    @BeforeAll
    static void setUp() throws Exception {
        corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, "the quick brown fox jumps over the lazy dog; a lazy dog sleeps. ".repeat(150),
                StandardCharsets.UTF_8);
        base = dir.resolve("base");
        HfCheckpoint.save(Presets.create("gpt2-tiny", 3), base);
    }

    /** As DataParallelTrainingTest's, with --zero: a constant rate after warmup, so --steps changes no earlier step. */
    static List<String> pretrain(Path out, int batch, int steps, int zero) {
        return List.of("pretrain", "--model", "gpt2-tiny", "--data", corpus.toString(), "--steps", Integer.toString(steps),
                "--batch", Integer.toString(batch), "--seq", "16", "--lr", "3e-3", "--warmup", "2", "--schedule",
                "constant", "--val-every", "5", "--val-batches", "2", "--save-every", "5", "--out", out.toString(),
                "--threads", "1", "--zero", Integer.toString(zero));
    }

    /** One rank of batch 4, no ZeRO, 14 steps: what the pretraining runs compare with. */
    static synchronized List<Map<String, Object>> reference() throws Exception {
        if (reference == null) {
            Path out = dir.resolve("pretrain-1");
            DataParallelTrainingTest.run1(pretrain(out, 4, STEPS + MORE, 0));
            reference = out;
        }
        return DataParallelTrainingTest.metrics(reference);
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

    @Test
    void zeroOneOnTwoRanksPretrainsAsOneRankOfTheWholeBatch() throws Exception {
        Path two = dir.resolve("zero1");
        String log = run2(pretrain(two, 2, STEPS, 1), "zero1");
        assertThat(log).contains("a global batch of 4 rows, ZeRO-1");
        assertThat(DataParallelTrainingTest.metrics(two)).hasSize(STEPS);
        DataParallelTrainingTest.sameLosses(reference(), DataParallelTrainingTest.metrics(two));
    }

    @Test
    void zeroTwoOnTwoRanksPretrainsAsOneRankAndItsCheckpointResumesOnOneAndOnTwoRanks() throws Exception {
        Path two = dir.resolve("zero2");
        run2(pretrain(two, 2, STEPS, 2), "zero2");
        assertThat(DataParallelTrainingTest.metrics(two)).hasSize(STEPS);
        DataParallelTrainingTest.sameLosses(reference(), DataParallelTrainingTest.metrics(two));

        // The checkpoint after step 10 holds the whole optimizer state in the single process's format.
        Path onOne = dir.resolve("zero2-resumed-1"), onTwo = dir.resolve("zero2-resumed-2");
        copyTree(two, onOne);
        copyTree(two, onTwo);
        DataParallelTrainingTest.run1(resume(pretrain(onOne, 4, STEPS + MORE, 0)));
        run2(resume(pretrain(onTwo, 2, STEPS + MORE, 2)), "zero2-resumed-2");
        for (Path resumed : List.of(onOne, onTwo)) {
            List<Map<String, Object>> after = DataParallelTrainingTest.metrics(resumed);
            assertThat(after).as(resumed.toString()).hasSize(STEPS + MORE);
            DataParallelTrainingTest.sameLosses(reference(), after.subList(STEPS, STEPS + MORE));
        }
    }

    @Test
    void zeroTwoOnTwoRanksFinetunesLoraAsOneRank() throws Exception {
        Path one = dir.resolve("lora-1"), two = dir.resolve("lora-zero2");
        DataParallelTrainingTest.run1(lora(one, 4, 0));
        run2(lora(two, 2, 2), "lora-zero2");
        assertThat(DataParallelTrainingTest.metrics(two)).hasSize(STEPS);
        DataParallelTrainingTest.sameLosses(DataParallelTrainingTest.metrics(one), DataParallelTrainingTest.metrics(two));
    }

    @Test
    void aNonElementwiseOptimizerIsRefused() {
        CliRunner.Result r = CliRunner.run(pretrain(dir.resolve("lamb"), 4, 1, 1).stream()
                .flatMap(s -> s.equals("--zero") ? Stream.of("--optimizer", "lamb", s) : Stream.of(s)).toArray(String[]::new));
        assertThat(r.code()).isNotZero();
        assertThat(r.err()).contains("error: --zero shards the optimizer state element by element, which lamb");
        CliRunner.Result three = CliRunner.run(pretrain(dir.resolve("three"), 4, 1, 3).toArray(String[]::new));
        assertThat(three.err()).contains("error: --zero 3: stages 0, 1 and 2 exist");
    }

    /** LoRA with gradient accumulation: the ranks reduce once per update, after the second micro-batch. */
    static List<String> lora(Path out, int batch, int zero) {
        return List.of("finetune", "--model", base.toString(), "--data", corpus.toString(), "--method", "lora", "--r", "4",
                "--steps", Integer.toString(STEPS), "--batch", Integer.toString(batch), "--grad-accum", "2", "--seq", "16",
                "--lr", "1e-2", "--val-every", "0", "--out", out.toString(), "--threads", "1", "--zero",
                Integer.toString(zero));
    }

    private static List<String> resume(List<String> args) {
        List<String> a = new ArrayList<>(args);
        a.add("--resume");
        return a;
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
    }
}
